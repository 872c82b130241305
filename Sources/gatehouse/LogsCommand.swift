import ArgumentParser
import Foundation
import GatehouseModel
import GatehouseTemplates

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read CloudWatch Logs from a running Gatehouse.", subcommands: [Tail.self])

    /// `gatehouse logs tail GROUP [--follow]`: the group's events since `--since`, as `aws logs tail` prints them.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a log group's recent events; with --follow, keep printing new ones.")

        @Argument(help: "The log group (/aws/lambda/my-function).") var group: String
        @Flag(help: "Keep polling for new events until interrupted (waiting for the group if it does not exist yet).") var follow = false
        @Option(help: "How far back to start: 30s, 10m, 2h, 1d (default 10m).") var since = "10m"
        @Option(name: .customLong("filter-pattern"), help: "A CloudWatch Logs filter pattern.") var filterPattern: String?
        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard let seconds = Self.seconds(since) else { throw ValidationError("--since takes a number and s, m, h or d, not \(since)") }
            let client = server.client
            var start = Int64((Date().timeIntervalSince1970 - seconds) * 1000)
            var seen: Set<String> = []
            repeat {
                var token: String?
                repeat {
                    var request: JSON = ["logGroupName": .string(group), "startTime": .number(Double(start))]
                    if let filterPattern { request["filterPattern"] = .string(filterPattern) }
                    if let token { request["nextToken"] = .string(token) }
                    let page: JSON
                    do {
                        page = try await client.target("logs", "Logs_20140328.FilterLogEvents", request)
                    } catch let error as TemplateError where follow && error.status == 400 {
                        break  // the group does not exist yet (a function not invoked so far): wait for it
                    }
                    for event in page["events"]?.arrayValue ?? [] {
                        guard let id = event["eventId"]?.stringValue, seen.insert(id).inserted else { continue }
                        let time = Date(timeIntervalSince1970: (event["timestamp"]?.doubleValue ?? 0) / 1000).utc("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'+00:00'")
                        let message = (event["message"]?.stringValue ?? "").trimmingCharacters(in: .newlines)
                        Terminal.write("\(Terminal.dim(time)) \(Terminal.bold(event["logStreamName"]?.stringValue ?? "")) \(message)")
                        start = max(start, Int64(event["timestamp"]?.doubleValue ?? 0))
                    }
                    token = page["nextToken"]?.stringValue
                } while token != nil
                if follow { try await Task.sleep(for: .seconds(1)) }
            } while follow
        }

        /// `30s`, `10m`, `2h`, `1d` in seconds.
        static func seconds(_ text: String) -> Double? {
            guard let unit = text.last, let number = Double(text.dropLast()) else { return nil }
            return ["s": 1, "m": 60, "h": 3600, "d": 86400][unit].map { $0 * number }
        }
    }
}

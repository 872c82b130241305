import ArgumentParser
import Foundation
import GatehouseModel
import GatehouseTemplates

/// `gatehouse metrics`: a compact table of the last minutes of the gateway's and functions'
/// CloudWatch metrics — counts summed, latencies averaged with their p99.
struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the last minutes of API and function metrics from a running Gatehouse.")

    @Option(help: "How many minutes back (default 15).") var minutes = 15
    @Option(help: "Only this namespace (AWS/ApiGateway, AWS/Lambda, or your own).") var namespace: String?
    @OptionGroup var server: ServerOptions

    static let namespaces = ["AWS/ApiGateway", "AWS/Lambda"]
    static let latencies: Set<String> = ["Latency", "IntegrationLatency", "Duration"]

    func run() async throws {
        guard minutes > 0 else { throw ValidationError("--minutes must be positive") }
        let client = server.client
        let end = (Date().timeIntervalSince1970 / 60).rounded(.up) * 60
        let start = end - Double(minutes * 60)
        var rows: [[String]] = []
        for namespace in namespace.map({ [$0] }) ?? Self.namespaces {
            let metrics = try await client.target(
                "monitoring", "GraniteServiceVersion20100801.ListMetrics", ["Namespace": .string(namespace)], jsonVersion: "1.0")
            for metric in metrics["Metrics"]?.arrayValue ?? [] {
                let name = metric["MetricName"]?.stringValue ?? ""
                let isLatency = Self.latencies.contains(name)
                var request: JSON = [
                    "Namespace": .string(namespace), "MetricName": .string(name), "Dimensions": metric["Dimensions"] ?? [],
                    "StartTime": .number(start), "EndTime": .number(end), "Period": .number(Double(minutes * 60)),
                ]
                request[isLatency ? "ExtendedStatistics" : "Statistics"] = isLatency ? ["p99"] : ["Sum", "SampleCount"]
                let points = try await client.target("monitoring", "GraniteServiceVersion20100801.GetMetricStatistics", request, jsonVersion: "1.0")
                guard let point = points["Datapoints"]?.arrayValue?.first else { continue }
                let dimensions = (metric["Dimensions"]?.arrayValue ?? []).map { "\($0["Name"]?.stringValue ?? "")=\($0["Value"]?.stringValue ?? "")" }
                let value = isLatency
                    ? "p99 " + Self.format(point["ExtendedStatistics"]?["p99"]?.doubleValue ?? 0) + " ms"
                    : Self.format(point["Sum"]?.doubleValue ?? 0)
                rows.append([namespace, name, dimensions.sorted().joined(separator: " "), value])
            }
        }
        guard !rows.isEmpty else {
            print("No metrics in the last \(minutes) minutes.")
            return
        }
        let header = ["NAMESPACE", "METRIC", "DIMENSIONS", "LAST \(minutes) MIN"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        print(Terminal.bold(line(header)))
        for row in rows.sorted(by: { $0.lexicographicallyPrecedes($1) }) { print(line(row)) }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }
}

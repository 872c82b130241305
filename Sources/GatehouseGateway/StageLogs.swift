import Foundation
import GatehouseFunctions
import GatehouseModel

/// A stage's logs, as API Gateway writes them to CloudWatch Logs: execution logs (when
/// `methodSettings` turn logging on) to `API-Gateway-Execution-Logs_{apiId}/{stage}` (a canary's
/// to `…/{stage}/Canary`), one line per
/// step prefixed with the request id; and access logs (`accessLogSettings`), one line per request
/// in the stage's format with its `$context` variables filled in.
struct StageLogs: Sendable {
    let sink: any LogSink
    /// One stream per node and process start, as each API Gateway host writes its own.
    let stream = "gatehouse-" + RequestID.base64(count: 12, urlSafe: true)

    /// `API-Gateway-Access-Logs` from `arn:aws:logs:{region}:{account}:log-group:API-Gateway-Access-Logs[:*]`.
    static func logGroup(fromARN arn: String) -> String {
        arn.components(separatedBy: ":log-group:").last.map { $0.hasSuffix(":*") ? String($0.dropLast(2)) : $0 } ?? arn
    }

    /// A stage's `AccessLogSettings`: the format and the log group, when both are set.
    static func accessLog(of stage: JSON) -> (format: String, group: String)? {
        guard let format = stage["AccessLogSettings"]?["Format"]?.stringValue,
            let arn = stage["AccessLogSettings"]?["DestinationArn"]?.stringValue
        else { return nil }
        return (format, logGroup(fromARN: arn))
    }

    /// One access log line to `group`, written off the request's path.
    func write(_ line: String, group: String, region: String) {
        append([(group, [.now(line)])], region: region)
    }

    func write(_ invocation: Invocation, response: OutgoingResponse, log: ExecutionLog?, latency: Double, integrationLatency: Double?) {
        let stage = invocation.stage
        var writes: [(group: String, events: [LogEvent])] = []
        if let log, let level = stage.loggingLevel(resourcePath: invocation.match.resource.path, method: invocation.request.method),
            level == "INFO" || response.status >= 400
        {
            let lines = log.lines.map { LogEvent.now("(\(invocation.requestID)) \($0)") }
            writes.append((stage.executionLogGroup, lines))
        }
        if let access = stage.accessLog {
            let line = AccessLogFormat.render(access.format, invocation, response: response, latency: latency, integrationLatency: integrationLatency)
            writes.append((access.group, [.now(line)]))
        }
        append(writes, region: stage.region)
    }

    /// Writes events to their groups, off the request's path.
    func append(_ writes: [(group: String, events: [LogEvent])], region: String) {
        guard !writes.isEmpty else { return }
        let sink = self.sink, stream = self.stream
        Task {
            for write in writes { await sink.append(region: region, group: write.group, stream: stream, events: write.events) }
        }
    }
}

/// `$context` variables in an access log format.
enum AccessLogFormat {
    static func render(_ format: String, _ invocation: Invocation, response: OutgoingResponse, latency: Double, integrationLatency: Double?) -> String {
        var values = invocation.contextVariables
        values.merge([
            "status": String(response.status), "responseLength": String(response.body.count),
            "responseLatency": String(Int(latency.rounded())), "integrationLatency": integrationLatency.map { String(Int($0.rounded())) } ?? "-",
            "integrationStatus": "-", "error.message": "-", "error.messageString": "\"-\"",
        ]) { _, new in new }
        return substitute(format, values)
    }

    /// `format` with each `$context.name` replaced by its value (`-` when it has none).
    static func substitute(_ format: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(format)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let afterDollar = rest[rest.index(after: dollar)...]
            guard afterDollar.hasPrefix("context.") else {
                output += "$"
                rest = afterDollar
                continue
            }
            let name = afterDollar.dropFirst("context.".count).prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }
            var key = String(name)
            while key.hasSuffix(".") { key.removeLast() }
            output += values[key] ?? "-"
            rest = afterDollar.dropFirst("context.".count + key.count)
        }
        return output + rest
    }
}

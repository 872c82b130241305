import Foundation
import GatehouseModel

extension StageLogs {
    /// A WebSocket event's logs: its execution log at the route's level (`ERROR` keeps failures
    /// only), and the stage's access log line with the event's `$context` variables.
    func write(_ invocation: WebSocketInvocation, response: OutgoingResponse, log: ExecutionLog?, level: String?) {
        let stage = invocation.stage
        var writes: [(group: String, events: [LogEvent])] = []
        if let log, level == "INFO" || invocation.failure != nil {
            writes.append(("API-Gateway-Execution-Logs_\(stage.apiID)/\(stage.name)", log.lines.map { .now("(\(invocation.requestID)) \($0)") }))
        }
        if let access = stage.accessLog {
            var values = invocation.contextVariables
            values["status"] = String(response.status)
            values["responseLength"] = String(response.body.count)
            values["responseLatency"] = String(Int((Date().timeIntervalSince(invocation.requestTime) * 1000).rounded()))
            values["error.message"] = invocation.failure?.message ?? "-"
            values["error.messageString"] = invocation.failure.map { JSON.quoted($0.message) } ?? "\"-\""
            values["error.responseType"] = invocation.failure?.responseType ?? "-"
            writes.append((access.group, [.now(AccessLogFormat.substitute(access.format, values))]))
        }
        append(writes, region: stage.region)
    }
}

extension ExecutionLog {
    /// The opening lines of a WebSocket event: its route and connection, and with data tracing
    /// on, the message as it came.
    mutating func webSocketEvent(_ invocation: WebSocketInvocation, dataTrace: Bool) {
        line("\(invocation.eventType.rawValue) event, route key: \(invocation.route.key), connection id: \(invocation.peer.connectionID)")
        if dataTrace, invocation.eventType == .message { line("Received message: \(invocation.body)") }
        if let disconnect = invocation.disconnect { line("Disconnect status code: \(disconnect.code), reason: \(disconnect.reason)") }
    }
}

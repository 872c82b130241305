import Foundation
import GatehouseModel

/// An HTTP API stage's access log line: its format (`AccessLogSettings`) with the `$context`
/// variables of HTTP APIs filled in, written to the log group the destination ARN names.
enum HTTPAccessLog {
    static func line(_ format: String, _ invocation: HTTPInvocation, response: OutgoingResponse, latency: Double) -> String {
        let request = invocation.request
        let values: [String: String] = [
            "requestId": invocation.requestID, "extendedRequestId": invocation.requestID, "apiId": invocation.stage.apiID,
            "accountId": invocation.accountID, "stage": invocation.stage.name, "routeKey": invocation.route.routeKey,
            "httpMethod": request.method, "path": invocation.rawPath, "protocol": "HTTP/1.1", "status": String(response.status),
            "responseLength": String(response.body.count), "responseLatency": String(Int(latency.rounded())),
            "identity.sourceIp": request.remoteAddress ?? "127.0.0.1", "identity.userAgent": request.header("User-Agent") ?? "-",
            "requestTime": invocation.requestTime.clfTime,
            "requestTimeEpoch": String(Int((invocation.requestTime.timeIntervalSince1970 * 1000).rounded(.down))),
            "domainName": String((request.header("Host") ?? "").split(separator: ":").first ?? ""),
            "integrationStatus": "-", "integrationErrorMessage": "-", "error.message": "-",
        ]
        return AccessLogFormat.substitute(format, values)
    }
}

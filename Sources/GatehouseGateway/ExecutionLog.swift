import Foundation
import GatehouseModel

/// The execution log API Gateway writes for a request (shown by TestInvokeMethod and, with
/// logging on, in CloudWatch): timestamped lines in the console's wording.
struct ExecutionLog: Sendable {
    /// The lines so far, without timestamps (CloudWatch stamps each event).
    private(set) var lines: [String] = []
    private var stamped: [String] = []
    private let requestID: String

    init(requestID: String, extendedRequestID: String? = nil) {
        self.requestID = requestID
        if let extendedRequestID { line("Extended Request Id: \(extendedRequestID)") }
        line("Starting execution for request: \(requestID)")
    }

    /// The log as TestInvokeMethod shows it.
    var text: String {
        "Execution log for request \(requestID)\n" + stamped.map { $0 + "\n" }.joined()
    }

    mutating func line(_ message: String) {
        lines.append(message)
        stamped.append("\(Self.timestamp()) : \(message)")
    }

    mutating func methodRequest(_ invocation: Invocation) {
        // AWS names the request's own path here (`/pets/123`), not the resource's (`/pets/{id}`).
        line("HTTP Method: \(invocation.request.method), Resource Path: \(invocation.target.path)")
        line("Method request path: \(Self.format(invocation.match.pathParameters))")
        let query = Dictionary(invocation.request.queryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        line("Method request query string: \(Self.format(query))")
        let headers = Dictionary(invocation.request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        line("Method request headers: \(Self.format(headers))")
        line("Method request body before transformations: \(String(decoding: invocation.request.body, as: UTF8.self))")
    }

    mutating func methodResponse(_ response: OutgoingResponse) {
        line("Method response body after transformations: \(String(decoding: response.body, as: UTF8.self))")
        let headers = Dictionary(response.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        line("Method response headers: \(Self.format(headers))")
        line("Successfully completed execution")
        line("Method completed with status: \(response.status)")
    }

    mutating func failure(_ error: GatewayError) {
        line("Execution failed: \(error.message)")
        line("Method completed with status: \(error.status)")
    }

    /// `{a=1, b=2}`, the Java map form AWS's logs use.
    static func format(_ values: [String: String]) -> String {
        "{" + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
    }

    static func timestamp(_ date: Date = Date()) -> String { date.utc("EEE MMM dd HH:mm:ss 'UTC' yyyy") }
}

import Foundation
import GatehouseModel

/// The AWS Lambda Runtime API, served to workers under their own prefix:
/// `/w/{secret}/2018-06-01/runtime/invocation/next`, `…/invocation/{id}/response`,
/// `…/invocation/{id}/error` and `…/init/error`. A worker can only reach its own events.
public struct RuntimeAPI: Sendable {
    public static let prefix = "/w/"
    /// Synchronous responses are capped at 6 MB, as on AWS.
    public static let maxResponseBytes = 6 * 1024 * 1024

    let runtime: FunctionRuntime

    public init(runtime: FunctionRuntime) {
        self.runtime = runtime
    }

    /// Whether a request is for the Runtime API.
    public static func handles(_ rawPath: String) -> Bool { rawPath.hasPrefix(prefix) }

    public func handle(_ request: IncomingRequest) async -> OutgoingResponse {
        let parts = request.rawPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // ["w", secret, "2018-06-01", "runtime", …]
        guard parts.count >= 5, parts[2] == "2018-06-01", parts[3] == "runtime" else { return Self.notFound }
        let secret = parts[1]
        let route = Array(parts[4...])
        switch (request.method, route.count, route.first, route.last) {
        case ("GET", 2, "invocation", "next"):
            guard let event = await runtime.next(secret) else { return Self.notFound }
            return OutgoingResponse(status: 200, headers: [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", event.requestID),
                ("Lambda-Runtime-Deadline-Ms", String(event.deadlineMs)),
                ("Lambda-Runtime-Invoked-Function-Arn", event.invokedFunctionArn),
                ("Lambda-Runtime-Trace-Id", event.traceID),
            ], body: Data(event.payload))
        case ("POST", 3, "invocation", "response"), ("POST", 3, "invocation", "error"):
            var payload = Array(request.body)
            let failed = route[2] == "error"
            if !failed && payload.count > Self.maxResponseBytes {
                payload = FunctionRuntime.errorDocument(
                    "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
                _ = await runtime.complete(secret, requestID: route[1], payload: payload, failed: true)
                return OutgoingResponse(status: 413, headers: [("Content-Type", "application/json")], body: Data(payload))
            }
            guard await runtime.complete(secret, requestID: route[1], payload: payload, failed: failed) else {
                return Self.error(400, "InvalidRequestID", "Invalid request ID")
            }
            return Self.accepted
        case ("POST", 2, "init", "error"):
            guard await runtime.initFailed(secret, payload: Array(request.body)) else { return Self.notFound }
            return Self.accepted
        default:
            return Self.notFound
        }
    }

    private static let accepted = OutgoingResponse(
        status: 202, headers: [("Content-Type", "application/json")], body: Data(#"{"status":"OK"}"#.utf8))
    private static let notFound = error(404, "UnknownWorker", "No such worker or Runtime API route")

    private static func error(_ status: Int, _ type: String, _ message: String) -> OutgoingResponse {
        OutgoingResponse(
            status: status, headers: [("Content-Type", "application/json")],
            body: JSON.object(["errorType": .string(type), "errorMessage": .string(message)]).serialized())
    }
}

import Foundation
import GatehouseModel

/// The AWS Lambda Runtime API, served to workers under their own prefix:
/// `/w/{secret}/2018-06-01/runtime/invocation/next`, `…/invocation/{id}/response`,
/// `…/invocation/{id}/error` and `…/init/error`. A worker can only reach its own events.
public struct RuntimeAPI: Sendable {
    public static let prefix = "/w/"
    /// Synchronous responses are capped at 6 MB, as on AWS.
    public static let maxResponseBytes = 6 * 1024 * 1024

    let pool: WorkerPool

    public init(pool: WorkerPool) {
        self.pool = pool
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
            guard let event = await pool.next(secret) else { return Self.notFound }
            return OutgoingResponse(status: 200, headers: [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", event.requestID),
                ("Lambda-Runtime-Deadline-Ms", String(event.deadlineMs)),
                ("Lambda-Runtime-Invoked-Function-Arn", event.invokedFunctionArn),
                ("Lambda-Runtime-Trace-Id", event.traceID),
            ], body: Data(event.payload))
        case ("POST", 3, "invocation", "response"), ("POST", 3, "invocation", "error"):
            // Bodies over `maxResponseBytes` never get here: the listener answers `responseTooLarge`.
            guard await pool.complete(secret, requestID: route[1], payload: Array(request.body), failed: route[2] == "error") else {
                return Self.error(400, "InvalidRequestID", "Invalid request ID")
            }
            return Self.accepted
        case ("POST", 2, "init", "error"):
            guard await pool.initFailed(secret, payload: Array(request.body)) else { return Self.notFound }
            return Self.accepted
        default:
            return Self.notFound
        }
    }

    /// The answer to a `/response` over 6 MB, refused by the listener: the invocation fails with
    /// `Function.ResponseSizeTooLarge`, as on AWS, and the worker hears 413.
    public func responseTooLarge(rawPath: String) -> OutgoingResponse {
        let parts = rawPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // ["w", secret, "2018-06-01", "runtime", "invocation", id, "response"]
        if parts.count == 7, parts[4] == "invocation" {
            Task { [pool] in _ = await pool.complete(parts[1], requestID: parts[5], payload: Self.responseTooLargeError, failed: true) }
        }
        return Self.tooLarge
    }

    private static let responseTooLargeError = Invoker.errorDocument(
        "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
    private static let tooLarge = OutgoingResponse(
        status: 413, headers: [("Content-Type", "application/json")], body: Data(responseTooLargeError))

    private static let accepted = OutgoingResponse(
        status: 202, headers: [("Content-Type", "application/json")], body: Data(#"{"status":"OK"}"#.utf8))
    private static let notFound = error(404, "UnknownWorker", "No such worker or Runtime API route")

    private static func error(_ status: Int, _ type: String, _ message: String) -> OutgoingResponse {
        OutgoingResponse(
            status: status, headers: [("Content-Type", "application/json")],
            body: JSON.object(["errorType": .string(type), "errorMessage": .string(message)]).serialized())
    }
}

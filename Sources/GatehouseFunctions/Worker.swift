import Foundation
import GatehouseModel

/// An event handed to a worker on `/next`.
public struct Event: Sendable {
    public var requestID: String
    public var payload: [UInt8]
    public var deadlineMs: Int64
    public var invokedFunctionArn: String
    public var traceID: String
}

/// How one invocation ended, as the worker pool saw it.
public enum Outcome: Sendable {
    /// The handler's result (`/response`).
    case response([UInt8])
    /// The handler's error document (`/error`).
    case functionError([UInt8])
    /// The function could not start (`/init/error`, or an import error printed before exiting).
    case initFailed([UInt8])
    /// A custom runtime whose package has no `bootstrap`.
    case invalidEntrypoint
    /// The function's timeout passed; the worker was killed.
    case timedOut
    /// The kernel killed the worker for going over its `MemorySize`.
    case outOfMemory
    /// The worker exited (or was killed) mid-invocation, for this reason.
    case exited(String)
}

/// One worker process and what it is doing. Lives in `WorkerPool`.
struct Worker {
    /// One invocation given to the worker, from assignment to outcome.
    struct Assignment {
        var event: Event
        /// Whether the worker has taken the event on `/next`.
        var delivered: Bool
        var started: Date
        /// Nil once the invocation has its outcome.
        var continuation: CheckedContinuation<Outcome, Never>?
    }

    let secret: String
    let spec: FunctionSpec
    let logStream: String
    let spawned = Date()
    let cage: WorkerCage
    var process: Task<Void, Never>?
    var pid: Int32?
    /// A `/next` long-poll waiting for an event.
    var parked: CheckedContinuation<Event?, Never>?
    var assignment: Assignment?
    /// Spawn to first `/next`, reported once, on the worker's first invocation.
    var initDuration: Double?
    var initialized = false
    var lastUsed = Date()
    var retired = false
    /// Lines printed since the last invocation's log was written.
    var lines: [LogEvent] = []

    /// Whether an invocation is waiting for this worker's outcome (`requestID`'s, if given).
    func isRunning(_ requestID: String? = nil) -> Bool {
        guard let assignment, assignment.continuation != nil else { return false }
        return requestID == nil || assignment.event.requestID == requestID
    }

    /// Free for the next event: waiting in `/next`, or done with its last event and about to ask.
    func isFree(for spec: FunctionSpec) -> Bool {
        self.spec.poolKey == spec.poolKey && self.spec.revision == spec.revision && !retired && initialized
            && !isRunning() && (assignment == nil || assignment?.delivered == true)
    }
}

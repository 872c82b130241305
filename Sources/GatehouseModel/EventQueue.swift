import Foundation

/// An asynchronous (`Event`) invocation waiting in the queue: stored before `Invoke` answers
/// 202, so it survives a crash, and kept until it ran, failed for good or expired.
public struct QueuedEvent: Sendable, Codable, Equatable {
    /// The invocation's request id, kept across retries.
    public var id: String
    /// The function as invoked (its ARN, qualified if it was).
    public var function: String
    /// The event, base64.
    public var payload: String
    /// When `Invoke` accepted it, in seconds since 1970.
    public var enqueuedAt: Double
    /// When it may next run, in seconds since 1970.
    public var dueAt: Double
    /// Attempts that reached the function.
    public var attempts: Int = 0
    /// Attempts refused for lack of capacity (throttles), which back off separately.
    public var throttles: Int = 0

    public init(id: String, function: String, payload: [UInt8], at time: Double) {
        self.id = id
        self.function = function
        self.payload = Data(payload).base64EncodedString()
        enqueuedAt = time
        dueAt = time
    }

    public var payloadBytes: [UInt8] { Array(Data(base64Encoded: payload) ?? Data()) }
}

/// Where `Event` invocations wait. Every change is durable when the call returns; queue
/// traffic is not configuration and does not bump the store's revision.
public protocol EventQueue: Sendable {
    func enqueue(_ event: QueuedEvent) async throws
    /// Events due by `time`, earliest first, at most `limit`.
    func dueEvents(by time: Double, limit: Int) async throws -> [QueuedEvent]
    /// Saves an event's new schedule and counts.
    func reschedule(_ event: QueuedEvent) async throws
    /// Removes an event that is done and, in the same transaction, queues what follows from it
    /// (an invocation of its destination).
    func finish(_ id: String, then next: QueuedEvent?) async throws
}

import Foundation

/// One line of a log (a function's or a stage's), as CloudWatch Logs stores it.
public struct LogEvent: Sendable, Equatable {
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var message: String

    public init(timestamp: Int64, message: String) {
        self.timestamp = timestamp
        self.message = message
    }

    public static func now(_ message: String) -> LogEvent {
        LogEvent(timestamp: Int64(Date().timeIntervalSince1970 * 1000), message: message)
    }
}

/// Where function and stage log lines go: the server writes them to the store the `logs` API
/// reads. Lives here so both planes can log without depending on each other.
public protocol LogSink: Sendable {
    func append(region: String, group: String, stream: String, events: [LogEvent]) async
}


import Foundation
import SQLKit

/// A stored log line, as the `logs` API returns it.
public struct StoredLogEvent: Sendable, Equatable {
    /// Order of arrival within the log group; also the event's id.
    public var seq: Int64
    public var stream: String
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var ingestionTime: Int64
    public var message: String

    public init(seq: Int64 = 0, stream: String, timestamp: Int64, ingestionTime: Int64, message: String) {
        self.seq = seq
        self.stream = stream
        self.timestamp = timestamp
        self.ingestionTime = ingestionTime
        self.message = message
    }
}

/// Which events of a log group to read.
public struct LogQuery: Sendable {
    public var group: String
    /// Nil for every stream of the group.
    public var streams: [String]?
    public var startTime: Int64?
    public var endTime: Int64?
    /// Only events after this sequence number (for paging).
    public var afterSeq: Int64 = 0
    public var limit: Int = 10_000

    public init(group: String, streams: [String]? = nil, startTime: Int64? = nil, endTime: Int64? = nil, afterSeq: Int64 = 0, limit: Int = 10_000) {
        self.group = group
        self.streams = streams
        self.startTime = startTime
        self.endTime = endTime
        self.afterSeq = afterSeq
        self.limit = limit
    }
}

/// Log events: appended in batches, read in order of arrival. Groups and streams themselves are
/// documents (kinds `loggroup` and `logstream`) owned by the `logs` API.
public protocol LogEventStore: Sendable {
    func appendLogEvents(_ events: [StoredLogEvent], group: String) async throws
    func logEvents(_ query: LogQuery) async throws -> [StoredLogEvent]
    func deleteLogEvents(group: String) async throws
}

extension SQLStore: LogEventStore {
    public func appendLogEvents(_ events: [StoredLogEvent], group: String) async throws {
        guard !events.isEmpty else { return }
        // Log lines are not configuration: they do not bump the revision.
        _ = try await transaction { db in
            let last = try await db.raw("SELECT MAX(seq) AS seq FROM log_events WHERE log_group = \(bind: group)").first()
            var seq = (try last?.decodeNil(column: "seq") == false ? try last?.decode(column: "seq", as: Int64.self) : nil) ?? 0
            for event in events {
                seq += 1
                try await db.insert(into: "log_events")
                    .columns("seq", "log_group", "log_stream", "timestamp", "ingestion_time", "message")
                    .values(SQLBind(seq), SQLBind(group), SQLBind(event.stream), SQLBind(event.timestamp), SQLBind(event.ingestionTime), SQLBind(event.message))
                    .run()
            }
        }
    }

    public func logEvents(_ query: LogQuery) async throws -> [StoredLogEvent] {
        var select = reader.select().columns("seq", "log_stream", "timestamp", "ingestion_time", "message").from("log_events")
            .where("log_group", .equal, query.group).where("seq", .greaterThan, query.afterSeq)
        if let streams = query.streams { select = select.where("log_stream", .in, streams) }
        if let start = query.startTime { select = select.where("timestamp", .greaterThanOrEqual, start) }
        if let end = query.endTime { select = select.where("timestamp", .lessThanOrEqual, end) }
        return try await select.orderBy("seq").limit(query.limit).all().map { row in
            StoredLogEvent(
                seq: try row.decode(column: "seq", as: Int64.self), stream: try row.decode(column: "log_stream", as: String.self),
                timestamp: try row.decode(column: "timestamp", as: Int64.self),
                ingestionTime: try row.decode(column: "ingestion_time", as: Int64.self),
                message: try row.decode(column: "message", as: String.self))
        }
    }

    public func deleteLogEvents(group: String) async throws {
        _ = try await transaction { db in
            try await db.delete(from: "log_events").where("log_group", .equal, group).run()
        }
    }
}

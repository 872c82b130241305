import Foundation
import GatehouseModel
import SQLKit

/// The `Event` invocation queue: one row per waiting event, its schedule in a column, the rest
/// as JSON.
extension SQLStore: EventQueue {
    public func enqueue(_ event: QueuedEvent) async throws {
        _ = try await transaction { db in try await Self.insert(event, into: db) }
    }

    public func dueEvents(by time: Double, limit: Int) async throws -> [QueuedEvent] {
        try await reader.select().column("body").from("queued_events")
            .where("due_at", .lessThanOrEqual, time).orderBy("due_at").limit(limit)
            .all()
            .map { try JSONDecoder().decode(QueuedEvent.self, from: Data(try $0.decode(column: "body", as: String.self).utf8)) }
    }

    public func reschedule(_ event: QueuedEvent) async throws {
        let body = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        _ = try await transaction { db in
            try await db.update("queued_events").set("due_at", to: event.dueAt).set("body", to: body)
                .where("id", .equal, event.id).run()
        }
    }

    public func finish(_ id: String, then next: QueuedEvent?) async throws {
        _ = try await transaction { db in
            try await db.delete(from: "queued_events").where("id", .equal, id).run()
            if let next { try await Self.insert(next, into: db) }
        }
    }

    private static func insert(_ event: QueuedEvent, into db: any SQLDatabase) async throws {
        try await db.insert(into: "queued_events").columns("id", "due_at", "body")
            .values(SQLBind(event.id), SQLBind(event.dueAt), SQLBind(String(decoding: try JSONEncoder().encode(event), as: UTF8.self)))
            .run()
    }
}

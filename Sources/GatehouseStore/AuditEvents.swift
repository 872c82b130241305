import Foundation
import GatehouseModel
import SQLKit

/// The audit trail: one row per control-plane call, the lookup fields in columns.
extension SQLStore: AuditTrail {
    public func append(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        _ = try await transaction { db in
            for event in events {
                try await db.insert(into: "audit_events")
                    .columns("id", "event_time", "account", "region", "event_name", "event_source", "access_key", "username", "read_only",
                        "resource_names", "body")
                    .values(
                        SQLBind(event.id), SQLBind(event.time), SQLBind(event.account), SQLBind(event.region), SQLBind(event.eventName),
                        SQLBind(event.eventSource), SQLBind(event.accessKey), SQLBind(event.username), SQLBind(event.readOnly ? "true" : "false"),
                        SQLBind("|" + event.resourceNames.joined(separator: "|") + "|"), SQLBind(String(decoding: event.record.serialized(), as: UTF8.self)))
                    .run()
            }
        }
    }

    public func auditEvents(
        account: String, region: String, from: Double, to: Double, attribute: (key: String, value: String)?, limit: Int, offset: Int
    ) async throws -> [AuditEvent] {
        var query = reader.select().columns("*").from("audit_events")
            .where("account", .equal, account).where("region", .equal, region)
            .where("event_time", .greaterThanOrEqual, from).where("event_time", .lessThan, to)
        if let (key, value) = attribute {
            switch key {
            case "EventId": query = query.where("id", .equal, value)
            case "EventName": query = query.where("event_name", .equal, value)
            case "EventSource": query = query.where("event_source", .equal, value)
            case "AccessKeyId": query = query.where("access_key", .equal, value)
            case "Username": query = query.where("username", .equal, value)
            case "ReadOnly": query = query.where("read_only", .equal, value.lowercased())
            case "ResourceName": query = query.where("resource_names", .like, "%|" + value + "|%")
            default: return []
            }
        }
        return try await query.orderBy("event_time", .descending).limit(limit).offset(offset).all().map { row in
            AuditEvent(
                id: try row.decode(column: "id", as: String.self), time: try row.decode(column: "event_time", as: Double.self),
                account: account, region: region, eventName: try row.decode(column: "event_name", as: String.self),
                eventSource: try row.decode(column: "event_source", as: String.self), accessKey: try row.decode(column: "access_key", as: String.self),
                username: try row.decode(column: "username", as: String.self), readOnly: try row.decode(column: "read_only", as: String.self) == "true",
                resourceNames: try row.decode(column: "resource_names", as: String.self).split(separator: "|").map(String.init),
                record: try JSON(parsing: Data(try row.decode(column: "body", as: String.self).utf8)))
        }
    }
}

import Foundation
import SQLKit

/// One stored usage counter: requests of an API key under a usage plan on a day (`kind` `day`),
/// or counted against the quota in the period starting on a day (`kind` `period`, one per key
/// and plan).
public struct UsageCount: Sendable, Equatable {
    public var plan: String
    public var key: String
    public var kind: String
    /// Days since 1970-01-01 UTC.
    public var day: Int64
    public var count: Int64

    public init(plan: String, key: String, kind: String, day: Int64, count: Int64) {
        self.plan = plan
        self.key = key
        self.kind = kind
        self.day = day
        self.count = count
    }
}

/// Usage-plan counters, saved as they change so a restart keeps quotas. Counters are not
/// configuration: saving them does not bump the revision.
public protocol UsageCountStore: Sendable {
    func saveUsageCounts(_ counts: [UsageCount]) async throws
    func usageCounts() async throws -> [UsageCount]
}

extension SQLStore: UsageCountStore {
    public func saveUsageCounts(_ counts: [UsageCount]) async throws {
        guard !counts.isEmpty else { return }
        _ = try await transaction { db in
            for count in counts {
                // A `period` row is the account's only one; `day` rows are one per day.
                var delete = db.delete(from: "usage_counts")
                    .where("usage_plan", .equal, count.plan).where("api_key", .equal, count.key).where("kind", .equal, count.kind)
                if count.kind != "period" { delete = delete.where("day", .equal, count.day) }
                try await delete.run()
                try await db.insert(into: "usage_counts")
                    .columns("usage_plan", "api_key", "kind", "day", "count")
                    .values(SQLBind(count.plan), SQLBind(count.key), SQLBind(count.kind), SQLBind(count.day), SQLBind(count.count))
                    .run()
            }
        }
    }

    public func usageCounts() async throws -> [UsageCount] {
        try await reader.select().columns("usage_plan", "api_key", "kind", "day", "count").from("usage_counts").all().map { row in
            UsageCount(
                plan: try row.decode(column: "usage_plan", as: String.self), key: try row.decode(column: "api_key", as: String.self),
                kind: try row.decode(column: "kind", as: String.self), day: try row.decode(column: "day", as: Int64.self),
                count: try row.decode(column: "count", as: Int64.self))
        }
    }
}

import Foundation

/// A usage plan's quota: `limit` requests per `period` (`DAY`, `WEEK`, `MONTH`, calendar
/// periods in UTC, weeks from Monday).
public struct Quota: Sendable, Equatable {
    public var limit: Int
    /// Requests taken off the limit in the plan's first period.
    public var offset: Int
    public var period: String
    /// The day the plan was created (days since 1970), whose period the offset applies to.
    public var createdDay: Int?

    public init(limit: Int, offset: Int = 0, period: String, createdDay: Int? = nil) {
        self.limit = limit
        self.offset = offset
        self.period = period
        self.createdDay = createdDay
    }

    /// From a usage plan: its `quota` member and the day it was created.
    public init?(plan: JSON) {
        guard let json = plan["quota"], let limit = json["limit"]?.intValue, let period = json["period"]?.stringValue else { return nil }
        self.init(limit: limit, offset: json["offset"]?.intValue ?? 0, period: period, createdDay: plan["createdDay"]?.intValue)
    }

    /// The requests already used when the period starting `start` begins: the offset in the
    /// plan's first period, nothing after.
    public func initialUse(ofPeriodStarting start: Int) -> Int {
        guard let createdDay, periodStart(containing: createdDay) == start else { return 0 }
        return offset
    }

    /// The first day (days since 1970-01-01, UTC) of the period that contains `day`.
    public func periodStart(containing day: Int) -> Int {
        switch period {
        case "WEEK":
            // 1970-01-01 was a Thursday: Monday-based weekday is (day + 3) % 7.
            return day - (day + 3) % 7
        case "MONTH":
            let date = Date(timeIntervalSince1970: Double(day) * 86400)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let first = calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
            return Int(first.timeIntervalSince1970 / 86400)
        default:
            return day
        }
    }

    /// Today, as days since 1970-01-01 UTC.
    public static func today(_ now: Date = Date()) -> Int { Int((now.timeIntervalSince1970 / 86400).rounded(.down)) }
}

/// Where the data plane counts the requests each API key makes under each usage plan, and the
/// control plane reads them (`GetUsage`) or resets what remains (`UpdateUsage`).
///
/// Counters are per node in the SQLite mode; a multi-node store would implement this protocol
/// over shared rows keyed by plan, key and period, incremented atomically.
public protocol UsageLedger: Sendable {
    /// `[used, remaining]` for each day in `days` (days since 1970, inclusive), for `key` under `plan`.
    func usage(plan: String, key: String, quota: Quota?, days: ClosedRange<Int>) -> [[Int]]
    /// Sets what remains of the current quota period for `key` under `plan`.
    func setRemaining(_ remaining: Int, plan: String, key: String, quota: Quota)
}

import Foundation
import GatehouseModel
import Synchronization

/// Counts the requests each API key makes under each usage plan, per UTC day, and enforces the
/// plan's quota for the current period. The control plane reads it through `UsageLedger`.
///
/// Each plan and key has its own `UsageAccount`; the access table holds direct references to
/// them, so counting a request takes only that account's lock. Counts are per node and kept in
/// memory: they start again when the process does.
public final class QuotaMeter: UsageLedger, Sendable {
    private let accounts = Mutex<[String: UsageAccount]>([:])

    public init() {}

    /// The account of `key` under `plan`, created on first use.
    public func account(plan: String, key: String) -> UsageAccount {
        accounts.withLock { accounts in
            let name = plan + "/" + key
            if let account = accounts[name] { return account }
            let account = UsageAccount()
            accounts[name] = account
            return account
        }
    }

    public func usage(plan: String, key: String, quota: Quota?, days: ClosedRange<Int>) -> [[Int]] {
        account(plan: plan, key: key).usage(quota: quota, days: days)
    }

    public func setRemaining(_ remaining: Int, plan: String, key: String, quota: Quota) {
        account(plan: plan, key: key).setRemaining(remaining, quota: quota)
    }
}

/// One API key's requests under one usage plan: per day, and in the current quota period.
public final class UsageAccount: Sendable {
    private struct Counts {
        /// Requests per day (days since 1970).
        var days: [Int: Int] = [:]
        /// Requests counted against the quota in the period starting `periodStart`.
        var periodStart = -1
        var periodUsed = 0
    }

    private let counts = Mutex(Counts())

    /// Counts one request; false (and not counted) when the quota of the current period is used up.
    public func record(quota: Quota?, today: Int = Quota.today()) -> Bool {
        counts.withLock { counts in
            if let quota {
                let start = quota.periodStart(containing: today)
                if counts.periodStart != start {
                    counts.periodStart = start
                    counts.periodUsed = quota.initialUse(ofPeriodStarting: start)
                }
                guard counts.periodUsed < quota.limit else { return false }
                counts.periodUsed += 1
            }
            counts.days[today, default: 0] += 1
            return true
        }
    }

    func usage(quota: Quota?, days: ClosedRange<Int>) -> [[Int]] {
        counts.withLock { counts in
            days.map { day in
                let used = counts.days[day] ?? 0
                guard let quota else { return [used, 0] }
                let start = quota.periodStart(containing: day)
                if start == counts.periodStart, day == Quota.today() { return [used, max(quota.limit - counts.periodUsed, 0)] }
                let usedInPeriod = (start...day).reduce(quota.initialUse(ofPeriodStarting: start)) { $0 + (counts.days[$1] ?? 0) }
                return [used, max(quota.limit - usedInPeriod, 0)]
            }
        }
    }

    func setRemaining(_ remaining: Int, quota: Quota) {
        counts.withLock { counts in
            counts.periodStart = quota.periodStart(containing: Quota.today())
            counts.periodUsed = max(quota.limit - remaining, 0)
        }
    }
}

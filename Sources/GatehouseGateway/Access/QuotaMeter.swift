import Foundation
import GatehouseModel
import Synchronization

/// Counts the requests each API key makes under each usage plan, per UTC day, and enforces the
/// plan's quota for the current period. The control plane reads it through `UsageLedger`.
///
/// Counts are per node and kept in memory: they start again when the process does.
public final class QuotaMeter: UsageLedger, Sendable {
    private struct Account {
        /// Requests per day (days since 1970).
        var days: [Int: Int] = [:]
        /// Requests counted against the quota in the period starting `periodStart`.
        var periodStart = -1
        var periodUsed = 0
    }

    private final class Shard: Sendable {
        let accounts = Mutex<[String: Account]>([:])
    }

    private let shards: [Shard] = (0..<16).map { _ in Shard() }

    public init() {}

    private func withAccount<T>(plan: String, key: String, _ body: (inout Account) -> T) -> T {
        let name = plan + "/" + key
        let shard = shards[Int(UInt(bitPattern: name.hashValue) % UInt(shards.count))]
        return shard.accounts.withLock { accounts in body(&accounts[name, default: Account()]) }
    }

    /// Counts one request; false (and not counted) when the quota of the current period is used up.
    public func record(plan: String, key: String, quota: Quota?, today: Int = Quota.today()) -> Bool {
        withAccount(plan: plan, key: key) { account in
            if let quota {
                let start = quota.periodStart(containing: today)
                if account.periodStart != start {
                    account.periodStart = start
                    account.periodUsed = 0
                }
                guard account.periodUsed < quota.limit else { return false }
                account.periodUsed += 1
            }
            account.days[today, default: 0] += 1
            return true
        }
    }

    public func usage(plan: String, key: String, quota: Quota?, days: ClosedRange<Int>) -> [[Int]] {
        withAccount(plan: plan, key: key) { account in
            days.map { day in
                let used = account.days[day] ?? 0
                guard let quota else { return [used, 0] }
                let start = quota.periodStart(containing: day)
                if start == account.periodStart, day == Quota.today() { return [used, max(quota.limit - account.periodUsed, 0)] }
                let usedInPeriod = (start...day).reduce(0) { $0 + (account.days[$1] ?? 0) }
                return [used, max(quota.limit - usedInPeriod, 0)]
            }
        }
    }

    public func setRemaining(_ remaining: Int, plan: String, key: String, quota: Quota) {
        withAccount(plan: plan, key: key) { account in
            account.periodStart = quota.periodStart(containing: Quota.today())
            account.periodUsed = max(quota.limit - remaining, 0)
        }
    }
}

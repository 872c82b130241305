import Foundation
import GatehouseModel
import Synchronization

/// Counts the requests each API key makes under each usage plan, per UTC day, and enforces the
/// plan's quota for the current period. The control plane reads it through `UsageLedger`.
///
/// Each plan and key has its own `UsageAccount`; the access table holds direct references to
/// them, so counting a request takes only that account's lock. Counts are per node; the server
/// saves what changed every second (`changes()`) and loads them back at start (`restore`).
public final class QuotaMeter: UsageLedger, Sendable {
    private let accounts = Mutex<[String: UsageAccount]>([:])

    public init() {}

    /// The account of `key` under `plan`, created on first use.
    public func account(plan: String, key: String) -> UsageAccount {
        accounts.withLock { accounts in
            let name = plan + "/" + key
            if let account = accounts[name] { return account }
            let account = UsageAccount(plan: plan, key: key)
            accounts[name] = account
            return account
        }
    }

    /// What changed since the last call, account by account.
    public func changes() -> [UsageAccount.Snapshot] {
        accounts.withLock { Array($0.values) }.compactMap { $0.takeChanges() }
    }

    /// Loads saved counts (at start, before any request); with `unsaved`, marks changes that
    /// could not be saved as changed again instead.
    public func restore(_ snapshots: [UsageAccount.Snapshot], unsaved: Bool = false) {
        for snapshot in snapshots {
            let account = account(plan: snapshot.plan, key: snapshot.key)
            if unsaved { account.markChanged(snapshot) } else { account.restore(snapshot) }
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
    /// Counts to save or restore: requests by day, and those counted in the current period.
    public struct Snapshot: Sendable, Equatable {
        public var plan: String
        public var key: String
        public var days: [Int: Int]
        public var periodStart: Int
        public var periodUsed: Int

        public init(plan: String, key: String, days: [Int: Int], periodStart: Int, periodUsed: Int) {
            self.plan = plan
            self.key = key
            self.days = days
            self.periodStart = periodStart
            self.periodUsed = periodUsed
        }
    }

    private struct Counts {
        /// Requests per day (days since 1970).
        var days: [Int: Int] = [:]
        /// Requests counted against the quota in the period starting `periodStart`.
        var periodStart = -1
        var periodUsed = 0
        /// Days changed since the last save, and whether the period did.
        var changedDays: Set<Int> = []
        var periodChanged = false
    }

    let plan: String
    let key: String
    private let counts = Mutex(Counts())

    init(plan: String = "", key: String = "") {
        self.plan = plan
        self.key = key
    }

    func takeChanges() -> Snapshot? {
        counts.withLock { counts in
            guard !counts.changedDays.isEmpty || counts.periodChanged else { return nil }
            let days = Dictionary(uniqueKeysWithValues: counts.changedDays.map { ($0, counts.days[$0] ?? 0) })
            counts.changedDays = []
            counts.periodChanged = false
            return Snapshot(plan: plan, key: key, days: days, periodStart: counts.periodStart, periodUsed: counts.periodUsed)
        }
    }

    func markChanged(_ snapshot: Snapshot) {
        counts.withLock { counts in
            counts.changedDays.formUnion(snapshot.days.keys)
            counts.periodChanged = true
        }
    }

    func restore(_ snapshot: Snapshot) {
        counts.withLock { counts in
            counts.days.merge(snapshot.days) { _, saved in saved }
            if snapshot.periodStart >= counts.periodStart {
                counts.periodStart = snapshot.periodStart
                counts.periodUsed = snapshot.periodUsed
            }
        }
    }

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
                counts.periodChanged = true
            }
            counts.days[today, default: 0] += 1
            counts.changedDays.insert(today)
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
            counts.periodChanged = true
        }
    }
}

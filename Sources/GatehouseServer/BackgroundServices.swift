import GatehouseFunctions
import GatehouseGateway
import GatehouseStore
import Logging
import ServiceLifecycle

/// A background loop that runs until the server shuts down.
struct BackgroundService: Service {
    let body: @Sendable () async -> Void

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}

/// The function workers' lifetime: reaps idle workers while the server runs and kills every
/// worker when it shuts down, so their `/next` long-polls do not hold the listener open.
struct WorkersService: Service {
    let pool: WorkerPool

    func run() async throws {
        await pool.prepare()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                await pool.reapIdle()
            }
        }
        await pool.shutdown()
    }
}

/// Saves usage-plan counters every second and once more at shutdown, so a restart keeps each
/// key's quota; `load` puts saved counters back at start.
struct UsageSaver: Service {
    let meter: QuotaMeter
    let store: any UsageCountStore
    let logger: Logger

    static func load(into meter: QuotaMeter, from store: any UsageCountStore) async throws {
        var snapshots: [String: UsageAccount.Snapshot] = [:]
        for count in try await store.usageCounts() {
            let name = count.plan + "/" + count.key
            var snapshot = snapshots[name] ?? UsageAccount.Snapshot(plan: count.plan, key: count.key, days: [:], periodStart: -1, periodUsed: 0)
            if count.kind == "period", Int(count.day) >= snapshot.periodStart {
                snapshot.periodStart = Int(count.day)
                snapshot.periodUsed = Int(count.count)
            } else if count.kind == "day" {
                snapshot.days[Int(count.day)] = Int(count.count)
            }
            snapshots[name] = snapshot
        }
        meter.restore(Array(snapshots.values))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: .seconds(1))) != nil {
                await save()
            }
        }
        // The service's task is cancelled by now; the last save runs in a task of its own.
        await Task { await save() }.value
    }

    private func save() async {
        let changes = meter.changes()
        var counts: [UsageCount] = []
        for snapshot in changes {
            for (day, count) in snapshot.days {
                counts.append(UsageCount(plan: snapshot.plan, key: snapshot.key, kind: "day", day: Int64(day), count: Int64(count)))
            }
            // One row per account holds the current period: its day is the period's start.
            counts.append(UsageCount(
                plan: snapshot.plan, key: snapshot.key, kind: "period", day: Int64(snapshot.periodStart), count: Int64(snapshot.periodUsed)))
        }
        do {
            try await store.saveUsageCounts(counts)
        } catch {
            logger.error("could not save usage counts: \(error)")
            meter.restore(changes, unsaved: true)
        }
    }
}

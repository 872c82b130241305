import GatehouseModel
import Synchronization

/// Every stage's response cache on this node, by API and stage. The deployer hands each compiled
/// stage its cache — the same one across recompiles, a new (empty) one when `cacheClusterSize`
/// changes, as AWS rebuilds the cluster — and `FlushStageCache` finds it here. Requests never
/// look here: their stage holds its cache.
public final class ResponseCaches: Sendable {
    /// The most bytes one stage's cache may take on this node, whatever its `cacheClusterSize`.
    public let maxBytesPerStage: Int
    private let caches = Mutex<[String: (size: String, cache: StageCache)]>([:])

    public init(maxBytesPerStage: Int = 256 << 20) {
        self.maxBytesPerStage = maxBytesPerStage
    }

    /// The cache of a stage whose cluster is `size` GB (`"0.5"`…`"237"`): its budget is the size, up
    /// to `maxBytesPerStage`.
    func cache(api: String, stage: String, size: String) -> StageCache {
        caches.withLock { caches in
            if let existing = caches[api + "/" + stage], existing.size == size { return existing.cache }
            let gigabytes = Double(size) ?? 0.5
            let cache = StageCache(budget: min(Int(gigabytes * Double(1 << 30)), maxBytesPerStage))
            caches[api + "/" + stage] = (size, cache)
            return cache
        }
    }

    /// Drops a stage's cache (its cluster was disabled or the stage is gone).
    func remove(api: String, stage: String) {
        _ = caches.withLock { $0.removeValue(forKey: api + "/" + stage) }
    }

    /// Drops every cache of an API.
    func removeAll(api: String) {
        caches.withLock { caches in
            for key in caches.keys where key.hasPrefix(api + "/") { caches[key] = nil }
        }
    }

    /// Empties a stage's cache (`FlushStageCache`); false when the stage has none.
    public func flush(api: String, stage: String) -> Bool {
        guard let cache = caches.withLock({ $0[api + "/" + stage]?.cache }) else { return false }
        cache.flush()
        return true
    }
}

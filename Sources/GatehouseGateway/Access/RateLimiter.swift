import Atomics
import Foundation
import Synchronization

/// Token buckets by name (`plan/key/method`, `stage/method`, `account`), as API Gateway
/// throttles: a bucket holds up to `burstLimit` tokens, refills at `rateLimit` per second, and a
/// request that finds it empty is throttled.
///
/// The buckets are spread over shards, each behind its own small lock, so concurrent requests
/// rarely meet; the control plane never touches them.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: UInt64
    }

    private final class Shard: Sendable {
        let buckets = Mutex<[String: Bucket]>([:])
    }

    private let shards: [Shard] = (0..<16).map { _ in Shard() }
    /// The accounts' buckets by region: every request takes from one, so finding it is one
    /// atomic load and taking from it one compare-and-swap.
    private let accounts = ManagedAtomic(AccountBuckets([:]))

    private final class AccountBuckets: AtomicReference, Sendable {
        let byRegion: [String: AtomicTokenBucket]
        init(_ byRegion: [String: AtomicTokenBucket]) { self.byRegion = byRegion }
    }

    public init() {}

    /// The lock-free bucket `name`, kept for as long as the limiter lives (a usage plan's per-key
    /// bucket, resolved once per access table).
    func bucket(named name: String, startingWith tokens: Int) -> AtomicTokenBucket {
        named.withLock { buckets in
            if let bucket = buckets[name] { return bucket }
            let bucket = AtomicTokenBucket(tokens: Double(tokens))
            buckets[name] = bucket
            return bucket
        }
    }

    private let named = Mutex<[String: AtomicTokenBucket]>([:])

    /// Takes one token from the account's bucket for `region`.
    public func takeForAccount(region: String, _ throttle: Throttle) -> Bool {
        bucket(forRegion: region, throttle).take(throttle)
    }

    private func bucket(forRegion region: String, _ throttle: Throttle) -> AtomicTokenBucket {
        var current = accounts.load(ordering: .acquiring)
        while true {
            if let bucket = current.byRegion[region] { return bucket }
            var extended = current.byRegion
            extended[region] = AtomicTokenBucket(tokens: Double(throttle.burstLimit))
            let (exchanged, original) = accounts.compareExchange(
                expected: current, desired: AccountBuckets(extended), ordering: .acquiringAndReleasing)
            if exchanged { return extended[region]! }
            current = original
        }
    }

    /// Takes one token from the bucket `name`; false when it is empty.
    public func take(_ name: String, _ throttle: Throttle, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        let shard = shards[Int(UInt(bitPattern: name.hashValue) % UInt(shards.count))]
        return shard.buckets.withLock { buckets in
            let capacity = Double(max(throttle.burstLimit, 0))
            var bucket = buckets[name] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(now &- bucket.updated) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + elapsed * throttle.rateLimit)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[name] = bucket
            return allowed
        }
    }
}

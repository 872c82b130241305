import Atomics
import Foundation
import Synchronization

/// One metric's values, recorded with atomic operations only, so a request never waits on a
/// lock to count itself. Count, sum and histogram only grow (Prometheus reads them as they
/// are); `drain` answers what came since the last drain (CloudWatch's datapoints), and the
/// minimum and maximum since then. Values are kept in thousandths; a latency cell also keeps a
/// histogram (20 % wide buckets) from which percentiles are estimated.
public final class MetricCell: Sendable {
    public let identity: MetricIdentity
    public let unit: String
    private let count = ManagedAtomic<Int>(0)
    private let sum = ManagedAtomic<Int>(0)
    private let minimum = ManagedAtomic<Int>(.max)
    private let maximum = ManagedAtomic<Int>(.min)
    private let buckets: [ManagedAtomic<Int>]
    /// Count, sum and buckets at the last drain; only the flush touches it.
    private let drained: Mutex<(count: Int, sum: Int, buckets: [Int])>

    /// The upper bound of bucket `i` is `base × growth^(i+1)` (0.012 … ~21,000 in the unit).
    static let base = 0.01, growth = 1.2, bucketCount = 80

    init(identity: MetricIdentity, unit: String, histogram: Bool) {
        self.identity = identity
        self.unit = unit
        buckets = histogram ? (0..<Self.bucketCount).map { _ in ManagedAtomic(0) } : []
        drained = Mutex((0, 0, Array(repeating: 0, count: histogram ? Self.bucketCount : 0)))
    }

    public func record(_ value: Double) {
        let scaled = Int((value * 1000).rounded())
        count.wrappingIncrement(ordering: .relaxed)
        sum.wrappingIncrement(by: scaled, ordering: .relaxed)
        var low = minimum.load(ordering: .relaxed)
        while scaled < low, !minimum.compareExchange(expected: low, desired: scaled, ordering: .relaxed).exchanged {
            low = minimum.load(ordering: .relaxed)
        }
        var high = maximum.load(ordering: .relaxed)
        while scaled > high, !maximum.compareExchange(expected: high, desired: scaled, ordering: .relaxed).exchanged {
            high = maximum.load(ordering: .relaxed)
        }
        if !buckets.isEmpty {
            let index = value <= Self.base ? 0 : min(Self.bucketCount - 1, Int(log(value / Self.base) / log(Self.growth)))
            buckets[index].wrappingIncrement(ordering: .relaxed)
        }
    }

    /// Everything recorded so far: the count, the sum, and the histogram's counts by bucket.
    public var totals: (count: Int, sum: Double, buckets: [Int]) {
        (count.load(ordering: .relaxed), Double(sum.load(ordering: .relaxed)) / 1000, buckets.map { $0.load(ordering: .relaxed) })
    }

    /// What was recorded since the last drain; nil when nothing was.
    func drain() -> MetricAggregate? {
        let now = totals
        let previous = drained.withLock { drained in
            defer { drained = (now.count, Int((now.sum * 1000).rounded()), now.buckets) }
            return drained
        }
        let samples = now.count - previous.count
        guard samples > 0 else { return nil }
        var aggregate = MetricAggregate()
        aggregate.sampleCount = Double(samples)
        aggregate.sum = now.sum - Double(previous.sum) / 1000
        aggregate.minimum = Double(minimum.exchange(.max, ordering: .relaxed)) / 1000
        aggregate.maximum = Double(maximum.exchange(.min, ordering: .relaxed)) / 1000
        aggregate.unit = unit
        // Each bucket's middle stands for its values, in proportion when there are more than are kept.
        let counts = zip(now.buckets, previous.buckets).map { $0 - $1 }
        let total = counts.reduce(0, +)
        let scale = total > MetricStore.valuesKept ? Double(MetricStore.valuesKept) / Double(total) : 1
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            let middle = Self.base * pow(Self.growth, Double(index) + 0.5)
            let kept = max(1, Int((Double(bucketCount) * scale).rounded()))
            aggregate.values += repeatElement(min(max(middle, aggregate.minimum), aggregate.maximum), count: kept)
        }
        return aggregate
    }
}

/// The cells the planes record into, by metric; `flush` moves what they hold into the
/// `MetricStore` (each interval, off the requests' path).
public final class MetricRecorder: Sendable {
    private let cells = Mutex<[MetricIdentity: MetricCell]>([:])
    public let store: MetricStore

    public init(store: MetricStore) {
        self.store = store
    }

    /// The cell of `identity`, made the first time: the same cell for the metric's life, so a
    /// redeploy loses nothing.
    public func cell(_ identity: MetricIdentity, unit: String, histogram: Bool = false) -> MetricCell {
        cells.withLock { cells in
            if let cell = cells[identity] { return cell }
            let cell = MetricCell(identity: identity, unit: unit, histogram: histogram)
            cells[identity] = cell
            return cell
        }
    }

    /// Every cell, in no particular order.
    public var allCells: [MetricCell] { cells.withLock { Array($0.values) } }

    /// Moves every cell's values into the store, at `timestamp`'s minute.
    public func flush(at timestamp: Double = Date().timeIntervalSince1970) {
        for cell in cells.withLock({ Array($0.values) }) {
            if let aggregate = cell.drain() { store.add(cell.identity, at: timestamp, aggregate) }
        }
        store.expire(now: timestamp)
    }
}

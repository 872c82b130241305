import Foundation
import Synchronization

/// A metric as CloudWatch names it: an account's, in a region, by namespace, name and dimensions.
public struct MetricIdentity: Hashable, Sendable {
    public var account: String
    public var region: String
    public var namespace: String
    public var name: String
    /// Name → value; CloudWatch treats each distinct set as its own metric.
    public var dimensions: [String: String]

    public init(account: String, region: String, namespace: String, name: String, dimensions: [String: String] = [:]) {
        self.account = account
        self.region = region
        self.namespace = namespace
        self.name = name
        self.dimensions = dimensions
    }
}

/// What a minute (or a period of minutes) of one metric holds: CloudWatch's statistic set, the
/// unit it was reported in, and the values themselves (up to `MetricStore.valuesKept` a minute)
/// for percentiles.
public struct MetricAggregate: Sendable, Equatable {
    public var sampleCount: Double = 0
    public var sum: Double = 0
    public var minimum: Double = .infinity
    public var maximum: Double = -.infinity
    public var unit: String?
    public var values: [Double] = []

    public init() {}

    mutating func add(_ other: MetricAggregate, keepingValues limit: Int) {
        sampleCount += other.sampleCount
        sum += other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        unit = unit ?? other.unit
        values += other.values.prefix(max(0, limit - values.count))
    }

    /// `p99`, `p99.9`: the nearest-rank percentile of the values kept; nil without values.
    public func percentile(_ statistic: String) -> Double? {
        guard statistic.hasPrefix("p"), let rank = Double(statistic.dropFirst()), (0...100).contains(rank), !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let index = max(0, Int((rank / 100 * Double(sorted.count)).rounded(.up)) - 1)
        return sorted[min(index, sorted.count - 1)]
    }
}

/// Every metric's data by minute, within a retention, for the `cloudwatch` API. Data comes from
/// `PutMetricData` and from the planes' own counters, flushed each interval; reads aggregate the
/// minutes of each period. One lock, never taken on a request's path.
public final class MetricStore: Sendable {
    /// Values kept a minute for percentiles.
    public static let valuesKept = 10_000

    private let minutes = Mutex<[MetricIdentity: [Int: MetricAggregate]]>([:])
    /// How long data is kept, in seconds (CloudWatch keeps minutes for 15 days).
    public let retention: Int

    public init(retentionSeconds: Int = 15 * 24 * 3600) {
        retention = retentionSeconds
    }

    /// Adds `aggregate` to the minute of `timestamp` (epoch seconds).
    public func add(_ identity: MetricIdentity, at timestamp: Double, _ aggregate: MetricAggregate) {
        let minute = Int(timestamp / 60) * 60
        minutes.withLock { data in
            data[identity, default: [:]][minute, default: MetricAggregate()].add(aggregate, keepingValues: Self.valuesKept)
        }
    }

    /// The metrics of `account` and `region`, sorted, that have data within the retention.
    public func identities(account: String, region: String) -> [MetricIdentity] {
        minutes.withLock { data in data.keys.filter { $0.account == account && $0.region == region } }
            .sorted { ($0.namespace, $0.name, $0.dimensions.sorted { $0.key < $1.key }.description) < ($1.namespace, $1.name, $1.dimensions.sorted { $0.key < $1.key }.description) }
    }

    /// `identity`'s data from `start` (inclusive) to `end` (exclusive) in periods of `period`
    /// seconds from `start`, each period that has data, in time order.
    public func periods(_ identity: MetricIdentity, start: Double, end: Double, period: Int) -> [(start: Double, aggregate: MetricAggregate)] {
        let series = minutes.withLock { $0[identity] } ?? [:]
        var byPeriod: [Int: MetricAggregate] = [:]
        let origin = Int(start)
        for (minute, aggregate) in series where Double(minute) + 60 > start && Double(minute) < end {
            let index = max(0, (minute - origin)) / max(period, 1)
            byPeriod[index, default: MetricAggregate()].add(aggregate, keepingValues: Self.valuesKept)
        }
        return byPeriod.keys.sorted().map { (Double(origin + $0 * period), byPeriod[$0]!) }
    }

    /// Drops minutes older than the retention.
    public func expire(now: Double = Date().timeIntervalSince1970) {
        let oldest = Int(now) - retention
        minutes.withLock { data in
            for identity in Array(data.keys) {
                data[identity] = data[identity]?.filter { $0.key >= oldest }
                if data[identity]?.isEmpty == true { data[identity] = nil }
            }
        }
    }
}

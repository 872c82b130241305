import Foundation
import GatehouseModel

/// CloudWatch metrics (`monitoring`, in the `json`, `smithy-rpc-v2-cbor` and `query` protocols):
/// `PutMetricData`, `ListMetrics`, `GetMetricStatistics`, `GetMetricData` (metric statistics), on
/// the `MetricStore` the planes also record into, and metric alarms (`Alarms`); `GetMetricData`
/// takes simple metric math (`MetricMath`). Data is kept by the minute.
public enum CloudWatch {
    /// `act` runs alarm actions.
    public static func definition(metrics: MetricStore, act: @escaping Alarms.Act = { _, _ in }) throws -> ServiceDefinition {
        let handlers: [String: OperationHandler] = [
            "PutMetricData": { context in try putMetricData(context, metrics) },
            "ListMetrics": { context in listMetrics(context, metrics) },
            "GetMetricStatistics": { context in try getMetricStatistics(context, metrics) },
            "GetMetricData": { context in try getMetricData(context, metrics) },
        ]
        return ServiceDefinition(
            model: try ServiceModel.bundled("cloudwatch"), validationError: "InvalidParameterValueException",
            handlers: handlers.merging(Alarms.handlers(act: act)) { own, _ in own })
    }

    private static func putMetricData(_ context: OperationContext, _ metrics: MetricStore) throws(AWSError) -> JSON {
        let namespace = context.string("Namespace")
        guard !namespace.hasPrefix("AWS/") else {
            throw invalid("The value AWS/ for parameter Namespace is invalid.")
        }
        let now = Date().timeIntervalSince1970
        for datum in context.input["MetricData"]?.arrayValue ?? [] {
            var aggregate = MetricAggregate()
            aggregate.unit = datum["Unit"]?.stringValue
            if let statistics = datum["StatisticValues"] {
                aggregate.sampleCount = statistics["SampleCount"]?.doubleValue ?? 0
                aggregate.sum = statistics["Sum"]?.doubleValue ?? 0
                aggregate.minimum = statistics["Minimum"]?.doubleValue ?? 0
                aggregate.maximum = statistics["Maximum"]?.doubleValue ?? 0
            } else {
                let values = datum["Values"]?.arrayValue?.compactMap(\.doubleValue) ?? datum["Value"]?.doubleValue.map { [$0] } ?? []
                let counts = datum["Counts"]?.arrayValue?.compactMap(\.doubleValue) ?? []
                for (index, value) in values.enumerated() {
                    let count = index < counts.count ? counts[index] : 1
                    aggregate.sampleCount += count
                    aggregate.sum += value * count
                    aggregate.minimum = min(aggregate.minimum, value)
                    aggregate.maximum = max(aggregate.maximum, value)
                    aggregate.values.append(value)
                }
            }
            metrics.add(identity(context, namespace: namespace, metric: datum), at: datum["Timestamp"]?.doubleValue ?? now, aggregate)
        }
        return [:]
    }

    private static func listMetrics(_ context: OperationContext, _ metrics: MetricStore) -> JSON {
        let namespace = context.input["Namespace"]?.stringValue, name = context.input["MetricName"]?.stringValue
        let filters = (context.input["Dimensions"]?.arrayValue ?? []).map { ($0["Name"]?.stringValue ?? "", $0["Value"]?.stringValue) }
        let found = metrics.identities(account: context.caller.accountId, region: context.caller.region).filter { metric in
            (namespace == nil || metric.namespace == namespace) && (name == nil || metric.name == name)
                && filters.allSatisfy { filter in metric.dimensions[filter.0].map { filter.1 == nil || $0 == filter.1 } ?? false }
        }
        return ["Metrics": .array(found.map { metric in
            ["Namespace": .string(metric.namespace), "MetricName": .string(metric.name), "Dimensions": dimensions(metric)]
        })]
    }

    private static func getMetricStatistics(_ context: OperationContext, _ metrics: MetricStore) throws(AWSError) -> JSON {
        let statistics = context.input["Statistics"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let extended = context.input["ExtendedStatistics"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard statistics.isEmpty != extended.isEmpty else {
            throw AWSError("InvalidParameterCombinationException", status: 400, "Must specify either Statistics or ExtendedStatistics, but not both.")
        }
        let (start, end, period) = try window(context.input, datapointLimit: 1440)
        let metric = identity(context, namespace: context.string("Namespace"), metric: context.input)
        let unit = context.input["Unit"]?.stringValue
        let datapoints = metrics.periods(metric, start: start, end: end, period: period).compactMap { period, aggregate -> JSON? in
            if let unit, aggregate.unit != nil, aggregate.unit != unit { return nil }
            var point: JSON = ["Timestamp": .number(period), "Unit": .string(unit ?? aggregate.unit ?? "None")]
            for statistic in statistics {
                point[statistic] = .number(value(of: statistic, aggregate) ?? 0)
            }
            if !extended.isEmpty {
                point["ExtendedStatistics"] = .object(Dictionary(uniqueKeysWithValues: extended.compactMap { name in
                    aggregate.percentile(name).map { (name, JSON.number($0)) }
                }))
            }
            return point
        }
        return ["Label": .string(metric.name), "Datapoints": .array(datapoints)]
    }

    private static func getMetricData(_ context: OperationContext, _ metrics: MetricStore) throws(AWSError) -> JSON {
        guard let start = context.input["StartTime"]?.doubleValue, let end = context.input["EndTime"]?.doubleValue, start < end else {
            throw invalid("The parameter StartTime must be less than the parameter EndTime.")
        }
        let descending = context.input["ScanBy"]?.stringValue != "TimestampAscending"
        let queries = context.input["MetricDataQueries"]?.arrayValue ?? []
        // Metric statistics first; expressions then combine them by id.
        var series: [String: MetricMath.Series] = [:]
        for query in queries {
            guard let stat = query["MetricStat"] else { continue }
            let metric = identity(context, namespace: stat["Metric"]?["Namespace"]?.stringValue ?? "", metric: stat["Metric"] ?? [:])
            let statistic = stat["Stat"]?.stringValue ?? "Average"
            series[query["Id"]?.stringValue ?? ""] = Dictionary(
                metrics.periods(metric, start: start, end: end, period: stat["Period"]?.intValue ?? 60)
                    .compactMap { period, aggregate in value(of: statistic, aggregate).map { (period, $0) } }
            ) { first, _ in first }
        }
        var results: [JSON] = []
        for query in queries where query["ReturnData"]?.boolValue != false {
            let id = query["Id"]?.stringValue ?? ""
            var points: MetricMath.Series
            var label = query["Label"]?.stringValue ?? query["MetricStat"]?["Metric"]?["MetricName"]?.stringValue ?? id
            if let expression = query["Expression"]?.stringValue {
                var math = MetricMath(series: series)
                do {
                    points = try math.evaluate(expression)
                } catch {
                    throw invalid("The expression of query \(id) is not valid: \(error.message)")
                }
                label = query["Label"]?.stringValue ?? id
            } else {
                points = series[id] ?? [:]
            }
            let times = points.keys.sorted(by: descending ? (>) : (<))
            results.append([
                "Id": .string(id), "Label": .string(label), "Timestamps": .array(times.map { .number($0) }),
                "Values": .array(times.map { .number(points[$0]!) }), "StatusCode": "Complete",
            ])
        }
        return ["MetricDataResults": .array(results), "Messages": []]
    }

    // MARK: Helpers

    private static func identity(_ context: OperationContext, namespace: String, metric: JSON) -> MetricIdentity {
        let dimensions = (metric["Dimensions"]?.arrayValue ?? []).compactMap { dimension -> (String, String)? in
            guard let name = dimension["Name"]?.stringValue, let value = dimension["Value"]?.stringValue else { return nil }
            return (name, value)
        }
        return MetricIdentity(
            account: context.caller.accountId, region: context.caller.region, namespace: namespace,
            name: metric["MetricName"]?.stringValue ?? "", dimensions: Dictionary(dimensions) { _, last in last })
    }

    private static func dimensions(_ metric: MetricIdentity) -> JSON {
        .array(metric.dimensions.sorted { $0.key < $1.key }.map { ["Name": .string($0.key), "Value": .string($0.value)] })
    }

    /// `SampleCount`, `Average`, `Sum`, `Minimum`, `Maximum` or a percentile (`p99`).
    static func value(of statistic: String, _ aggregate: MetricAggregate) -> Double? {
        switch statistic {
        case "SampleCount": aggregate.sampleCount
        case "Sum": aggregate.sum
        case "Average": aggregate.sampleCount > 0 ? aggregate.sum / aggregate.sampleCount : 0
        case "Minimum": aggregate.minimum.isFinite ? aggregate.minimum : 0
        case "Maximum": aggregate.maximum.isFinite ? aggregate.maximum : 0
        default: aggregate.percentile(statistic)
        }
    }

    /// `StartTime`, `EndTime` and `Period`, checked as CloudWatch checks them.
    private static func window(_ input: JSON, datapointLimit: Int) throws(AWSError) -> (Double, Double, Int) {
        let start = input["StartTime"]?.doubleValue ?? 0, end = input["EndTime"]?.doubleValue ?? 0
        let period = input["Period"]?.intValue ?? 0
        guard start < end else { throw invalid("The parameter StartTime must be less than the parameter EndTime.") }
        guard period > 0, period % 60 == 0 || [1, 5, 10, 30].contains(period) else {
            throw invalid("The parameter Period must be a multiple of 60.")
        }
        let requested = Int(((end - start) / Double(period)).rounded(.up))
        guard requested <= datapointLimit else {
            throw invalid("You have requested up to \(requested) datapoints, which exceeds the limit of \(datapointLimit). "
                + "You may reduce the datapoints requested by increasing Period, or decreasing the time range.")
        }
        return (start, end, period)
    }

    private static func invalid(_ message: String) -> AWSError {
        AWSError("InvalidParameterValueException", status: 400, message)
    }
}

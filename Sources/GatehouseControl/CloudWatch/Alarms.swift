import Foundation
import GatehouseModel
import GatehouseStore

/// CloudWatch metric alarms: `PutMetricAlarm`, `DescribeAlarms`, `DeleteAlarms`,
/// `SetAlarmState`, kept in the store, and `evaluate`, which an evaluator runs each minute:
/// each alarm's last `EvaluationPeriods` periods against its threshold, `DatapointsToAlarm` of
/// them breaching for `ALARM`, missing data treated as `TreatMissingData` says, and the actions
/// of the new state run on each change.
public enum Alarms {
    /// Runs an alarm action (a function ARN, or a name the configuration maps to a webhook) with AWS's alarm event.
    public typealias Act = @Sendable (_ action: String, _ event: JSON) async -> Void

    static func handlers(act: @escaping Act) -> [String: OperationHandler] {
        [
            "PutMetricAlarm": { context in try await put(context) },
            "DescribeAlarms": { context in try await describe(context) },
            "DeleteAlarms": { context in try await delete(context) },
            "SetAlarmState": { context in try await setState(context, act: act) },
        ]
    }

    /// Whether `value` crosses `threshold` by the alarm's `ComparisonOperator`; nil for an operator Gatehouse does not evaluate.
    static func crosses(_ comparison: String, _ value: Double, _ threshold: Double) -> Bool? {
        switch comparison {
        case "GreaterThanOrEqualToThreshold": value >= threshold
        case "GreaterThanThreshold": value > threshold
        case "LessThanThreshold": value < threshold
        case "LessThanOrEqualToThreshold": value <= threshold
        default: nil
        }
    }

    private static func put(_ context: OperationContext) async throws -> JSON {
        let input = context.input
        let name = context.string("AlarmName")
        guard crosses(context.string("ComparisonOperator"), 0, 0) != nil else {
            throw invalid("Gatehouse evaluates static thresholds only: \(context.string("ComparisonOperator")) is not supported.")
        }
        guard (input["Statistic"] == nil) != (input["ExtendedStatistic"] == nil) else {
            throw AWSError("InvalidParameterCombinationException", status: 400, "Exactly one of Statistic and ExtendedStatistic must be set.")
        }
        let periods = input["EvaluationPeriods"]?.intValue ?? 1
        if let datapoints = input["DatapointsToAlarm"]?.intValue, datapoints > periods {
            throw invalid("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
        }
        let period = input["Period"]?.intValue ?? 60
        guard period % 60 == 0 || [10, 30].contains(period) else { throw invalid("The parameter Period must be 10, 30 or a multiple of 60.") }
        let now = Date().timeIntervalSince1970
        let key = key(context.caller, name)
        try await context.store.write(configuration: false) { tx in
            var alarm: JSON = input
            alarm["Tags"] = nil
            let existing = try await tx.document(key)
            alarm["AlarmArn"] = .string("arn:aws:cloudwatch:\(context.caller.region):\(context.caller.accountId):alarm:\(name)")
            alarm["ActionsEnabled"] = input["ActionsEnabled"] ?? true
            alarm["TreatMissingData"] = input["TreatMissingData"] ?? "missing"
            alarm["AlarmConfigurationUpdatedTimestamp"] = .number(now)
            for member in ["OKActions", "AlarmActions", "InsufficientDataActions"] { alarm[member] = input[member] ?? [] }
            alarm["Dimensions"] = input["Dimensions"] ?? []
            // A new alarm starts with insufficient data; an updated one keeps its state.
            alarm["StateValue"] = existing?["StateValue"] ?? "INSUFFICIENT_DATA"
            alarm["StateReason"] = existing?["StateReason"] ?? "Unchecked: Initial alarm creation"
            alarm["StateUpdatedTimestamp"] = existing?["StateUpdatedTimestamp"] ?? .number(now)
            alarm["StateTransitionedTimestamp"] = existing?["StateTransitionedTimestamp"] ?? .number(now)
            try await tx.put(key, alarm)
        }
        return [:]
    }

    private static func describe(_ context: OperationContext) async throws -> JSON {
        let names = Set(context.input["AlarmNames"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let prefix = context.input["AlarmNamePrefix"]?.stringValue ?? ""
        let state = context.input["StateValue"]?.stringValue
        let actionPrefix = context.input["ActionPrefix"]?.stringValue
        let alarms = try await context.store.documents(kind: DocumentKind.metricAlarm, parent: parent(context.caller))
            .filter { alarm in
                let name = alarm["AlarmName"]?.stringValue ?? ""
                let actions = ["OKActions", "AlarmActions", "InsufficientDataActions"].flatMap { alarm[$0]?.arrayValue ?? [] }.compactMap(\.stringValue)
                return (names.isEmpty || names.contains(name)) && name.hasPrefix(prefix) && (state == nil || alarm["StateValue"]?.stringValue == state)
                    && (actionPrefix.map { prefix in actions.contains { $0.hasPrefix(prefix) } } ?? true)
            }
            .sorted { ($0["AlarmName"]?.stringValue ?? "") < ($1["AlarmName"]?.stringValue ?? "") }
        guard let page = Paging.page(alarms, limit: context.input["MaxRecords"]?.intValue ?? 50, token: context.input["NextToken"]?.stringValue) else {
            throw invalid("The NextToken is not valid.")
        }
        var answer: JSON = ["MetricAlarms": .array(page.items), "CompositeAlarms": []]
        if let next = page.next { answer["NextToken"] = .string(next) }
        return answer
    }

    private static func delete(_ context: OperationContext) async throws -> JSON {
        let names = context.input["AlarmNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
        try await context.store.write(configuration: false) { tx in
            // AWS deletes nothing when one of the names is not an alarm.
            for name in names where try await tx.document(key(context.caller, name)) == nil {
                throw AWSError("ResourceNotFound", status: 404, "Alarm \(name) does not exist.")
            }
            for name in names { try await tx.delete(key(context.caller, name)) }
        }
        return [:]
    }

    private static func setState(_ context: OperationContext, act: Act) async throws -> JSON {
        let name = context.string("AlarmName")
        guard let alarm = try await context.store.document(key(context.caller, name)) else {
            throw AWSError("ResourceNotFound", status: 404, "Alarm \(name) does not exist.")
        }
        try await transition(
            alarm, in: parent(context.caller), to: context.string("StateValue"), reason: context.string("StateReason"),
            data: context.input["StateReasonData"]?.stringValue, store: context.store, act: act)
        return [:]
    }

    // MARK: Evaluation

    /// Evaluates every alarm against `metrics` at `now`, changing states and running actions.
    public static func evaluate(store: any Store, metrics: MetricStore, now: Double = Date().timeIntervalSince1970, act: Act) async throws {
        for parent in try await store.parents(ofKind: DocumentKind.metricAlarm) {
            for alarm in try await store.documents(kind: DocumentKind.metricAlarm, parent: parent) {
                let (state, reason) = judge(alarm, metrics: metrics, parent: parent, now: now)
                guard let state, state != alarm["StateValue"]?.stringValue else { continue }
                try await transition(alarm, in: parent, to: state, reason: reason, data: nil, store: store, act: act)
            }
        }
    }

    /// The state `alarm`'s last periods call for, and why; nil state: keep the current one.
    static func judge(_ alarm: JSON, metrics: MetricStore, parent: String, now: Double) -> (String?, String) {
        let period = alarm["Period"]?.intValue ?? 60
        let count = alarm["EvaluationPeriods"]?.intValue ?? 1
        let needed = alarm["DatapointsToAlarm"]?.intValue ?? count
        let threshold = alarm["Threshold"]?.doubleValue ?? 0
        let comparison = alarm["ComparisonOperator"]?.stringValue ?? ""
        let statistic = alarm["ExtendedStatistic"]?.stringValue ?? alarm["Statistic"]?.stringValue ?? "Average"
        // The current period counts as it fills, so an alarm answers within an evaluation interval.
        let end = (now / Double(period)).rounded(.up) * Double(period)
        let start = end - Double(count * period)
        let (account, region) = place(parent)
        let identity = MetricIdentity(
            account: account, region: region, namespace: alarm["Namespace"]?.stringValue ?? "",
            name: alarm["MetricName"]?.stringValue ?? "",
            dimensions: Dictionary((alarm["Dimensions"]?.arrayValue ?? []).compactMap { dimension in
                dimension["Name"]?.stringValue.flatMap { name in dimension["Value"]?.stringValue.map { (name, $0) } }
            }) { _, last in last })
        let found = Dictionary(metrics.periods(identity, start: start, end: end, period: period).map { ($0.start, $0.aggregate) }) { a, _ in a }
        let treat = alarm["TreatMissingData"]?.stringValue ?? "missing"
        let values: [Double?] = (0..<count).map { index in
            found[start + Double(index * period)].flatMap { CloudWatch.value(of: statistic, $0) }
        }
        let present = values.compactMap { $0 }
        let missing = values.count - present.count
        var breaching = present.filter { crosses(comparison, $0, threshold) == true }.count
        if treat == "breaching" { breaching += missing }
        if present.isEmpty, treat == "missing" || treat == "ignore" {
            return (treat == "ignore" ? nil : "INSUFFICIENT_DATA", "Insufficient Data: \(count) datapoint\(count == 1 ? " was" : "s were") unknown.")
        }
        let shown = present.map { String(format: "%g", $0) }.joined(separator: ", ")
        if breaching >= needed {
            return ("ALARM", "Threshold Crossed: \(breaching) out of the last \(count) datapoints [\(shown)] crossed the threshold (\(String(format: "%g", threshold))) (minimum \(needed) datapoint\(needed == 1 ? "" : "s") for OK -> ALARM transition).")
        }
        return ("OK", "Threshold Crossed: \(count - breaching) out of the last \(count) datapoints [\(shown)] did not cross the threshold (\(String(format: "%g", threshold))) (minimum \(needed) datapoint\(needed == 1 ? "" : "s") for ALARM -> OK transition).")
    }

    /// Moves `alarm` to `state`, then runs the new state's actions with AWS's alarm event.
    private static func transition(
        _ alarm: JSON, in parent: String, to state: String, reason: String, data: String?, store: any Store, act: Act
    ) async throws {
        let now = Date().timeIntervalSince1970
        var updated = alarm
        updated["StateValue"] = .string(state)
        updated["StateReason"] = .string(reason)
        updated["StateReasonData"] = data.map(JSON.string)
        updated["StateUpdatedTimestamp"] = .number(now)
        if alarm["StateValue"]?.stringValue != state { updated["StateTransitionedTimestamp"] = .number(now) }
        let key = DocumentKey(kind: DocumentKind.metricAlarm, parent: parent, id: alarm["AlarmName"]?.stringValue ?? "")
        let stored = updated
        try await store.write(configuration: false) { tx in try await tx.put(key, stored) }
        guard alarm["StateValue"]?.stringValue != state, alarm["ActionsEnabled"] != false else { return }
        let member = ["ALARM": "AlarmActions", "OK": "OKActions"][state] ?? "InsufficientDataActions"
        let (account, region) = place(parent)
        let event = self.event(alarm, becoming: updated, region: region, account: account)
        for action in alarm[member]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            await act(action, event)
        }
    }

    /// The event a Lambda alarm action receives (AWS's `aws.cloudwatch` alarm event) when
    /// `alarm` changes to `current`.
    static func event(_ alarm: JSON, becoming current: JSON, region: String, account: String) -> JSON {
        func time(_ value: JSON?) -> JSON {
            .string(Date(timeIntervalSince1970: value?.doubleValue ?? 0).utc("yyyy-MM-dd'T'HH:mm:ss.SSSZ"))
        }
        func state(_ document: JSON) -> JSON {
            var state: JSON = [
                "value": document["StateValue"] ?? "INSUFFICIENT_DATA", "reason": document["StateReason"] ?? "",
                "timestamp": time(document["StateUpdatedTimestamp"]),
            ]
            if let data = document["StateReasonData"]?.stringValue { state["reasonData"] = .string(data) }
            return state
        }
        let dimensions = JSON.object(Dictionary((alarm["Dimensions"]?.arrayValue ?? []).compactMap { dimension in
            dimension["Name"]?.stringValue.flatMap { name in dimension["Value"].map { (name, $0) } }
        }) { _, last in last })
        let metric: JSON = [
            "id": "m1", "returnData": true,
            "metricStat": [
                "metric": ["namespace": alarm["Namespace"] ?? "", "name": alarm["MetricName"] ?? "", "dimensions": dimensions],
                "period": alarm["Period"] ?? 60, "stat": alarm["ExtendedStatistic"] ?? alarm["Statistic"] ?? "Average",
            ],
        ]
        var configuration: JSON = ["metrics": [metric]]
        if let description = alarm["AlarmDescription"] { configuration["description"] = description }
        return [
            "source": "aws.cloudwatch", "alarmArn": alarm["AlarmArn"] ?? "", "accountId": .string(account),
            "time": time(current["StateUpdatedTimestamp"]), "region": .string(region),
            "alarmData": [
                "alarmName": alarm["AlarmName"] ?? "", "state": state(current), "previousState": state(alarm), "configuration": configuration,
            ],
        ]
    }

    private static func parent(_ caller: Caller) -> String { "\(caller.accountId)|\(caller.region)" }

    /// The account and region of a parent `{account}|{region}`.
    private static func place(_ parent: String) -> (account: String, region: String) {
        let parts = parent.split(separator: "|", maxSplits: 1).map(String.init)
        return (parts.first ?? "", parts.last ?? "")
    }

    private static func key(_ caller: Caller, _ name: String) -> DocumentKey {
        DocumentKey(kind: DocumentKind.metricAlarm, parent: parent(caller), id: name)
    }

    private static func invalid(_ message: String) -> AWSError {
        AWSError("InvalidParameterValueException", status: 400, message)
    }
}

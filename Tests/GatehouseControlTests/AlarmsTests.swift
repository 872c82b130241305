import Foundation
import GatehouseModel
import Testing

@testable import GatehouseControl

/// How an alarm judges its last periods, missing data treated each of AWS's ways.
@Suite struct AlarmsTests {
    let now = 1_800_000_030.0  // 30 s into a minute
    let parent = "000000000000|us-east-1"

    func alarm(_ treat: String, periods: Int = 3, needed: Int = 2) -> JSON {
        [
            "AlarmName": "a", "Namespace": "App", "MetricName": "Errors", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": .number(Double(periods)),
            "DatapointsToAlarm": .number(Double(needed)), "Threshold": 5, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": .string(treat), "Dimensions": [],
        ]
    }

    /// A store with `values` in the minutes ending with the current one (nil: no datapoint).
    func store(_ values: [Double?]) -> MetricStore {
        let store = MetricStore()
        let identity = MetricIdentity(account: "000000000000", region: "us-east-1", namespace: "App", name: "Errors")
        let current = (now / 60).rounded(.down) * 60
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            var aggregate = MetricAggregate()
            aggregate.sampleCount = 1
            aggregate.sum = value
            store.add(identity, at: current - Double((values.count - 1 - index) * 60), aggregate)
        }
        return store
    }

    func state(_ treat: String, _ values: [Double?]) -> String? {
        Alarms.judge(alarm(treat), metrics: store(values), parent: parent, now: now).0
    }

    @Test func datapointsToAlarmOfEvaluationPeriodsBreachingAlarm() {
        #expect(state("missing", [6, 1, 7]) == "ALARM")
        #expect(state("missing", [6, 1, 1]) == "OK")
    }

    @Test func missingDataIsTreatedAsTheAlarmSays() {
        #expect(state("missing", [nil, nil, nil]) == "INSUFFICIENT_DATA")
        #expect(state("ignore", [nil, nil, nil]) == nil)
        #expect(state("breaching", [nil, nil, 1]) == "ALARM")
        #expect(state("notBreaching", [nil, nil, 6]) == "OK")
        #expect(state("missing", [nil, 6, 6]) == "ALARM")
    }

    @Test func theReasonNamesTheDatapoints() {
        let reason = Alarms.judge(alarm("missing"), metrics: store([6, 1, 7]), parent: parent, now: now).1
        #expect(reason == "Threshold Crossed: 2 out of the last 3 datapoints [6, 1, 7] crossed the threshold (5) (minimum 2 datapoints for OK -> ALARM transition).")
    }
}

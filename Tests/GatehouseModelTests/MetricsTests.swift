import Foundation
import Testing

@testable import GatehouseModel

/// Metric cells, the minute store and the Prometheus text.
@Suite struct MetricsTests {
    let identity = MetricIdentity(account: "000000000000", region: "us-east-1", namespace: "AWS/ApiGateway", name: "Latency", dimensions: ["ApiName": "pets", "Stage": "prod"])

    @Test func aCellDrainsWhatCameSinceTheLastDrainAndKeepsItsTotals() throws {
        let recorder = MetricRecorder(store: MetricStore())
        let cell = recorder.cell(identity, unit: "Milliseconds", histogram: true)
        for value in [2.0, 4.0, 9.0] { cell.record(value) }
        let first = try #require(cell.drain())
        #expect((first.sampleCount, first.sum, first.minimum, first.maximum) == (3, 15, 2, 9))
        #expect(first.values.count == 3)
        #expect(cell.drain() == nil)
        cell.record(1)
        #expect(cell.drain()?.sum == 1)
        #expect(cell.totals.count == 4 && cell.totals.sum == 16)
        #expect(recorder.cell(identity, unit: "Milliseconds") === cell)
    }

    @Test func periodsAggregateTheirMinutes() {
        let store = MetricStore()
        var aggregate = MetricAggregate()
        aggregate.sampleCount = 1
        for minute in 0..<5 {
            aggregate.sum = Double(minute)
            aggregate.minimum = Double(minute)
            aggregate.maximum = Double(minute)
            store.add(identity, at: 6000 + Double(minute * 60) + 5, aggregate)
        }
        let periods = store.periods(identity, start: 6000, end: 6300, period: 120)
        #expect(periods.map(\.start) == [6000, 6120, 6240])
        #expect(periods.map(\.aggregate.sum) == [1, 5, 4])
        #expect(periods.map(\.aggregate.sampleCount) == [2, 2, 1])
        store.expire(now: 6000 + 15 * 24 * 3600 + 150)
        #expect(store.periods(identity, start: 6000, end: 6300, period: 60).map(\.start) == [6180, 6240])
    }

    @Test func percentilesAreNearestRank() {
        var aggregate = MetricAggregate()
        aggregate.values = (1...100).map(Double.init)
        #expect(aggregate.percentile("p50") == 50)
        #expect(aggregate.percentile("p99") == 99)
        #expect(aggregate.percentile("p100") == 100)
        #expect(aggregate.percentile("median") == nil)
    }

    @Test func prometheusTextHasCountersAndHistograms() {
        let recorder = MetricRecorder(store: MetricStore())
        recorder.cell(MetricIdentity(account: "1", region: "r", namespace: "AWS/Lambda", name: "Invocations", dimensions: ["FunctionName": "a\"b"]), unit: "Count").record(1)
        recorder.cell(identity, unit: "Milliseconds", histogram: true).record(3)
        let text = PrometheusText.render(recorder)
        #expect(text.contains("# TYPE gatehouse_lambda_invocations_total counter\ngatehouse_lambda_invocations_total{function_name=\"a\\\"b\"} 1\n"))
        #expect(text.contains("# TYPE gatehouse_apigateway_latency_milliseconds histogram"))
        #expect(text.contains("gatehouse_apigateway_latency_milliseconds_bucket{api_name=\"pets\",stage=\"prod\",le=\"+Inf\"} 1"))
        #expect(text.contains("gatehouse_apigateway_latency_milliseconds_count{api_name=\"pets\",stage=\"prod\"} 1"))
    }
}

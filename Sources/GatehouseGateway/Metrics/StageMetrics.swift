import GatehouseModel

/// A REST API stage's CloudWatch metrics in `AWS/ApiGateway`, by `ApiName` and `Stage`, as AWS
/// publishes them: `Count`, `4XXError` and `5XXError` (0 or 1 a request, so their `Sum` counts
/// the errors and their `Average` is the error rate), `Latency` (ms, request in to response out).
public struct StageMetrics: Sendable {
    let count: MetricCell
    let clientErrors: MetricCell
    let serverErrors: MetricCell
    let latency: MetricCell

    public init(recorder: MetricRecorder, account: String, region: String, apiName: String, stage: String) {
        func cell(_ name: String, _ unit: String, histogram: Bool = false) -> MetricCell {
            recorder.cell(
                MetricIdentity(account: account, region: region, namespace: "AWS/ApiGateway", name: name, dimensions: ["ApiName": apiName, "Stage": stage]),
                unit: unit, histogram: histogram)
        }
        count = cell("Count", "Count")
        clientErrors = cell("4XXError", "Count")
        serverErrors = cell("5XXError", "Count")
        latency = cell("Latency", "Milliseconds", histogram: true)
    }

    func record(status: Int, latency milliseconds: Double) {
        count.record(1)
        clientErrors.record((400..<500).contains(status) ? 1 : 0)
        serverErrors.record(status >= 500 ? 1 : 0)
        latency.record(milliseconds)
    }
}

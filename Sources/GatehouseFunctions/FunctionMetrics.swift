import GatehouseModel

/// A function's CloudWatch metrics in `AWS/Lambda`, by `FunctionName`, as AWS publishes them:
/// `Invocations`, `Errors` (function errors and platform failures), `Throttles`, `Duration` (ms).
struct FunctionMetrics: Sendable {
    let recorder: MetricRecorder
    let account: String

    func record(_ spec: FunctionSpec, duration: Double?, failed: Bool) {
        cell(spec, "Invocations", "Count").record(1)
        cell(spec, "Errors", "Count").record(failed ? 1 : 0)
        if let duration { cell(spec, "Duration", "Milliseconds", histogram: true).record(duration) }
    }

    func throttled(_ spec: FunctionSpec) {
        cell(spec, "Throttles", "Count").record(1)
    }

    private func cell(_ spec: FunctionSpec, _ name: String, _ unit: String, histogram: Bool = false) -> MetricCell {
        recorder.cell(
            MetricIdentity(account: account, region: spec.region, namespace: "AWS/Lambda", name: name, dimensions: ["FunctionName": spec.name]),
            unit: unit, histogram: histogram)
    }
}

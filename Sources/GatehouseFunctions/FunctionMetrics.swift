import GatehouseModel
import Synchronization

/// A function's CloudWatch metrics in `AWS/Lambda`, by `FunctionName`, as AWS publishes them:
/// `Invocations`, `Errors` (function errors and platform failures), `Throttles`, `Duration`
/// (ms), `ConcurrentExecutions` (each invocation records how many run as it starts: the
/// period's `Maximum` is the peak) and `AsyncEventsReceived`.
final class FunctionMetrics: Sendable {
    let recorder: MetricRecorder
    let account: String
    /// Invocations running, by function name (an invocation takes this lock once at each end).
    private let running = Mutex<[String: Int]>([:])

    init(recorder: MetricRecorder, account: String) {
        self.recorder = recorder
        self.account = account
    }

    func started(_ spec: FunctionSpec) {
        let count = running.withLock { running in
            running[spec.name, default: 0] += 1
            return running[spec.name]!
        }
        cell(spec, "ConcurrentExecutions", "Count").record(Double(count))
    }

    func ended(_ spec: FunctionSpec) {
        running.withLock { running in
            running[spec.name, default: 1] -= 1
            if running[spec.name] == 0 { running[spec.name] = nil }
        }
    }

    func asyncEventReceived(function: String, region: String) {
        recorder.cell(
            MetricIdentity(account: account, region: region, namespace: "AWS/Lambda", name: "AsyncEventsReceived", dimensions: ["FunctionName": function]),
            unit: "Count"
        ).record(1)
    }

    /// One invocation; `qualifier` (an alias or version it was invoked by) also counts it by `Resource` (`name:qualifier`).
    func record(_ spec: FunctionSpec, qualifier: String?, duration: Double?, failed: Bool) {
        let resources: [String?] = [nil] + (qualifier.map { ["\(spec.name):\($0)"] } ?? [])
        for resource in resources {
            cell(spec, "Invocations", "Count", resource: resource).record(1)
            cell(spec, "Errors", "Count", resource: resource).record(failed ? 1 : 0)
            if let duration { cell(spec, "Duration", "Milliseconds", histogram: true, resource: resource).record(duration) }
        }
    }

    func throttled(_ spec: FunctionSpec) {
        cell(spec, "Throttles", "Count").record(1)
    }

    private func cell(_ spec: FunctionSpec, _ name: String, _ unit: String, histogram: Bool = false, resource: String? = nil) -> MetricCell {
        var dimensions = ["FunctionName": spec.name]
        dimensions["Resource"] = resource
        return recorder.cell(
            MetricIdentity(account: account, region: spec.region, namespace: "AWS/Lambda", name: name, dimensions: dimensions),
            unit: unit, histogram: histogram)
    }
}

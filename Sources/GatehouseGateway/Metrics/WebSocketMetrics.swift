import GatehouseModel

/// A WebSocket API stage's CloudWatch metrics in `AWS/ApiGateway`, by `ApiId` and `Stage`, as
/// AWS publishes them: `ConnectCount` (`$connect` requests), `MessageCount` (messages from
/// clients), `ClientError` (refused by API Gateway before the integration: 4xx), `ExecutionError`
/// (the integration could not be called or failed), `IntegrationError` (the integration answered
/// 4xx or 5xx), `IntegrationLatency` (ms).
struct WebSocketMetrics: Sendable {
    let connects: MetricCell
    let messages: MetricCell
    let clientErrors: MetricCell
    let executionErrors: MetricCell
    let integrationErrors: MetricCell
    let integrationLatency: MetricCell

    init(recorder: MetricRecorder, account: String, region: String, apiID: String, stage: String) {
        func cell(_ name: String, _ unit: String, histogram: Bool = false) -> MetricCell {
            recorder.cell(
                MetricIdentity(account: account, region: region, namespace: "AWS/ApiGateway", name: name, dimensions: ["ApiId": apiID, "Stage": stage]),
                unit: unit, histogram: histogram)
        }
        connects = cell("ConnectCount", "Count")
        messages = cell("MessageCount", "Count")
        clientErrors = cell("ClientError", "Count")
        executionErrors = cell("ExecutionError", "Count")
        integrationErrors = cell("IntegrationError", "Count")
        integrationLatency = cell("IntegrationLatency", "Milliseconds", histogram: true)
    }

    /// A message no route takes, refused with `Forbidden`.
    func unrouted() {
        messages.record(1)
        clientErrors.record(1)
        executionErrors.record(0)
        integrationErrors.record(0)
    }

    /// One `$connect` or message event, answered `status`; `failure` when the gateway refused or failed it.
    func record(_ invocation: WebSocketInvocation, status: Int, failure: GatewayError?) {
        switch invocation.eventType {
        case .connect: connects.record(1)
        case .message: messages.record(1)
        case .disconnect: return
        }
        clientErrors.record(failure != nil && status < 500 ? 1 : 0)
        executionErrors.record(failure != nil && status >= 500 ? 1 : 0)
        integrationErrors.record(failure == nil && status >= 400 ? 1 : 0)
        if let latency = invocation.integrationLatency { integrationLatency.record(latency) }
    }
}

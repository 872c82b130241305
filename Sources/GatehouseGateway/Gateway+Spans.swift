import Foundation
import GatehouseModel

extension Gateway {
    /// A sampled REST request's spans: the gateway's (a server span whose id is the parent the
    /// authorizer, the integration and the function see) and, when they ran, the authorizer's and the integration's.
    static func recordSpans(_ invocation: Invocation, response: OutgoingResponse, into spans: any SpanSink) {
        guard let gatewaySpan = invocation.trace.parent else { return }
        let end = Date().timeIntervalSince1970
        let stage = invocation.stage
        spans.record(Span(
            trace: invocation.trace, spanID: gatewaySpan, parentID: invocation.callerSpanID,
            name: "\(invocation.request.method) \(invocation.match.resource.path)", kind: .server,
            start: invocation.requestTime.timeIntervalSince1970, end: end,
            attributes: [
                "http.request.method": .string(invocation.request.method), "url.path": .string(invocation.request.rawPath),
                "http.route": .string(invocation.match.resource.path), "http.response.status_code": .number(Double(response.status)),
                "aws.api_gateway.rest_api_id": .string(stage.apiID), "aws.api_gateway.stage": .string(stage.name),
                "aws.request_id": .string(invocation.requestID), "cloud.region": .string(stage.region),
            ],
            failed: response.status >= 500))
        if let started = invocation.authorizerStarted, let latency = invocation.authorizerLatency,
            let id = invocation.match.method.authorizerID, let authorizer = stage.api.authorizers[id]
        {
            spans.record(Span(
                trace: invocation.trace, spanID: TraceHeader.newSpanID(), parentID: gatewaySpan, name: "authorizer \(authorizer.type)", kind: .client,
                start: started, end: started + latency / 1000, attributes: ["aws.api_gateway.authorizer.id": .string(id)]))
        }
        if let started = invocation.integrationStarted, let latency = invocation.integrationLatency {
            let type = invocation.match.method.integration?.type ?? "MOCK"
            spans.record(Span(
                trace: invocation.trace, spanID: TraceHeader.newSpanID(), parentID: gatewaySpan, name: "integration \(type)", kind: .client,
                start: started, end: started + latency / 1000, attributes: ["aws.api_gateway.integration.type": .string(type)]))
        }
    }
}

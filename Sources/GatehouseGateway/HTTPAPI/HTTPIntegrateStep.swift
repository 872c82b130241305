import Foundation
import GatehouseModel

/// An HTTP API route's integration: a function with payload format 2.0 or 1.0 (`AWS_PROXY`), or
/// an HTTP endpoint the request is passed to (`HTTP_PROXY`). Failures are HTTP APIs' own: 500
/// `Internal Server Error` for a function that fails or cannot be called, 503 `Service
/// Unavailable` past the timeout.
struct HTTPIntegrateStep: GatewayStep {
    let http: HTTPIntegration
    let lambda: LambdaIntegration

    func prepare(_ invocation: inout HTTPInvocation) -> Bool { false }

    func attempt(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard invocation.route.integration != nil else { throw .internalServerError }
        return .wait
    }

    func run(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        guard let integration = invocation.route.integration else { throw .internalServerError }
        let started = ContinuousClock.now
        defer { invocation.integrationLatency = (ContinuousClock.now - started).milliseconds }
        do throws(GatewayError) {
            var response: OutgoingResponse
            switch integration.type {
            case "AWS_PROXY": response = try await function(invocation, integration)
            case "HTTP_PROXY": response = try await proxy(invocation, integration)
            default: throw .internalServerError
            }
            integration.responseParameters[response.status]?.apply(to: &response, invocation)
            return .answer(response)
        } catch where error == .integrationTimeout {
            throw .serviceUnavailable
        } catch where error.status >= 500 {
            throw .internalServerError
        }
    }

    private func function(_ invocation: HTTPInvocation, _ integration: DeployedHTTPIntegration) async throws(GatewayError) -> OutgoingResponse {
        let isV2 = integration.payloadFormatVersion == "2.0"
        let event = isV2 ? PayloadV2.event(invocation) : PayloadV1.event(invocation)
        var log: ExecutionLog?
        let result = try await lambda.call(
            uri: integration.uri, region: invocation.stage.region, sourceARN: invocation.sourceARN, timeoutMillis: integration.timeoutMillis,
            payload: event.serialized(), role: integration.credentials, log: &log)
        guard result.functionError == nil else { throw .internalServerError }
        let response = isV2
            ? PayloadV2.response(from: result.payload)
            : ProxyResult.response(from: Data(result.payload), binaryMediaTypes: ["*/*"], accept: "*/*")
        guard let response else { throw .internalServerError }
        return response
    }

    /// The request to the integration's URL — `{name}` and `{name+}` filled with path parameters,
    /// the query string appended, the parameter mapping applied — with its method unless the
    /// integration names one. A private integration (`VPC_LINK`) sends the request's own path to
    /// the upstream set its load balancer's name names.
    private func proxy(_ invocation: HTTPInvocation, _ integration: DeployedHTTPIntegration) async throws(GatewayError) -> OutgoingResponse {
        var url = integration.uri
        var upstreamSet: String?
        if integration.connectionType == "VPC_LINK" {
            guard let name = LoadBalancerARN.name(in: url), http.upstreams.contains(name) else { throw .internalServerError }
            upstreamSet = name
            url = "http://\(name)" + invocation.rawPath
        }
        for (name, value) in invocation.pathParameters {
            let encoded = value.split(separator: "/", omittingEmptySubsequences: false).map { HTTPIntegration.encode(String($0)) }.joined(separator: "/")
            url = url.replacingOccurrences(of: "{\(name)+}", with: encoded).replacingOccurrences(of: "{\(name)}", with: encoded)
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), var components = URLComponents(string: url) else {
            throw .internalServerError
        }
        var headers = HTTPIntegration.forwarded(invocation.request)
        var query = invocation.request.queryItems
        var path: String?
        integration.requestParameters.apply(to: &headers, query: &query, path: &path, invocation)
        if let path { components.percentEncodedPath = path.hasPrefix("/") ? path : "/" + path }
        // The query goes as the client sent it, unless the mapping changes it.
        let sent = integration.requestParameters.mapsQuery
            ? query.map { "\(HTTPIntegration.encode($0.name))=\(HTTPIntegration.encode($0.value))" }.joined(separator: "&")
            : invocation.request.rawQuery
        let parts = [components.percentEncodedQuery, sent.isEmpty ? nil : sent].compactMap { $0 }
        components.percentEncodedQuery = parts.isEmpty ? nil : parts.joined(separator: "&")
        guard let target = components.string else { throw .internalServerError }
        let method = integration.method == "ANY" ? invocation.request.method : integration.method
        return try await http.passThrough(
            method: method, url: target, headers: headers, body: invocation.request.body, timeoutMillis: integration.timeoutMillis,
            through: upstreamSet)
    }
}

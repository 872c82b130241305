import Foundation
import GatehouseModel
import NIOHTTP1

/// A WebSocket route's integration. Its answer's body is what a two-way route sends back, and
/// on `$connect` its status decides the upgrade (2xx accepts) and its headers join the handshake.
///
/// - `AWS_PROXY`: the function gets the WebSocket proxy event; a `{statusCode, headers, body}`
///   result is taken apart (a message route sends its `body` whatever the status), anything
///   else is the body as it is. A function that fails is a 502 (`$connect` refuses with it).
/// - `AWS`, `HTTP`, `MOCK`: the request template the integration's `TemplateSelectionExpression`
///   picks (else the passthrough behaviour) makes the request; the integration response whose
///   key matches the status code (HTTP, MOCK) or the function's error message, else `$default`,
///   shapes the answer with its template.
/// - `HTTP_PROXY`: the message is posted to the URL and the answer passed back.
///
/// A backend that fails answers `Internal server error`; one past its timeout, `Endpoint request
/// timed out`.
struct WebSocketIntegrateStep: GatewayStep {
    let http: HTTPIntegration
    let lambda: LambdaIntegration

    func prepare(_ invocation: inout WebSocketInvocation) -> Bool { invocation.route.integration?.type == "MOCK" }

    func attempt(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let integration = invocation.route.integration else { throw .configurationError }
        guard integration.type == "MOCK" else { return .wait }
        return .answer(try mock(invocation, integration, log: &log))
    }

    func run(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        let started = ContinuousClock.now
        defer { invocation.integrationLatency = (ContinuousClock.now - started).milliseconds }
        return try await integrate(&invocation, log: &log)
    }

    private func integrate(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        guard let integration = invocation.route.integration else { throw .configurationError }
        switch integration.type {
        case "AWS_PROXY": return .answer(try await proxy(invocation, integration, log: &log))
        case "AWS": return .answer(try await function(invocation, integration, log: &log))
        case "HTTP_PROXY", "HTTP": return .answer(try await endpoint(invocation, integration, log: &log))
        default: return .answer(try mock(invocation, integration, log: &log))
        }
    }

    private func proxy(_ invocation: WebSocketInvocation, _ integration: DeployedWebSocketIntegration, log: inout ExecutionLog?)
        async throws(GatewayError) -> OutgoingResponse
    {
        let result = try await lambda.call(
            uri: integration.uri, region: invocation.stage.region, sourceARN: invocation.sourceARN, timeoutMillis: integration.timeoutMillis,
            payload: WebSocketEvent.make(invocation).serialized(), role: integration.credentials, log: &log)
        guard result.functionError == nil else {
            log?.line("Lambda execution failed with status 200 due to customer function error: \(String(decoding: result.payload, as: UTF8.self))")
            throw .lambdaFailure
        }
        let payload = Data(result.payload)
        guard case .object(let answer)? = try? JSON(parsing: payload), let status = answer["statusCode"]?.intValue else {
            return OutgoingResponse(status: 200, body: payload)
        }
        var headers: [(name: String, value: String)] = []
        for (name, value) in answer["headers"]?.objectValue ?? [:] { headers.append((name, value.stringValue ?? value.serializedString)) }
        var body = Data()
        if let text = answer["body"]?.stringValue {
            body = answer["isBase64Encoded"] == true ? Data(base64Encoded: text) ?? Data(text.utf8) : Data(text.utf8)
        } else if let value = answer["body"], value != .null {
            body = value.serialized()
        }
        return OutgoingResponse(status: status, headers: headers, body: body)
    }

    private func function(_ invocation: WebSocketInvocation, _ integration: DeployedWebSocketIntegration, log: inout ExecutionLog?)
        async throws(GatewayError) -> OutgoingResponse
    {
        let request = try requestBody(invocation, integration, log: &log)
        let result = try await lambda.call(
            uri: integration.uri, region: invocation.stage.region, sourceARN: invocation.sourceARN, timeoutMillis: integration.timeoutMillis,
            payload: request, role: integration.credentials, log: &log)
        var selector = ""
        if result.functionError != nil {
            selector = (try? JSON(parsing: Data(result.payload)))?["errorMessage"]?.stringValue ?? ""
            guard integration.response(for: selector) != nil else { throw .integrationFailure }
        }
        return try respond(invocation, integration, status: 200, selector: selector, payload: Data(result.payload), log: &log)
    }

    private func endpoint(_ invocation: WebSocketInvocation, _ integration: DeployedWebSocketIntegration, log: inout ExecutionLog?)
        async throws(GatewayError) -> OutgoingResponse
    {
        let isProxy = integration.type == "HTTP_PROXY"
        let body = isProxy ? Data(invocation.body.utf8) : try requestBody(invocation, integration, log: &log)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "X-Forwarded-For", value: invocation.peer.sourceIP)
        let method = integration.method == "ANY" ? "POST" : integration.method
        let backend = try await http.send(method: method, url: integration.uri, headers: headers, body: body, timeoutMillis: integration.timeoutMillis)
        log?.line("Endpoint response body before transformations: \(String(decoding: backend.body, as: UTF8.self))")
        if isProxy { return OutgoingResponse(status: backend.status, headers: backend.headers, body: backend.body) }
        return try respond(invocation, integration, status: backend.status, selector: String(backend.status), payload: backend.body, log: &log)
    }

    /// MOCK: the request template's `statusCode` is the status the integration responses select by.
    private func mock(_ invocation: WebSocketInvocation, _ integration: DeployedWebSocketIntegration, log: inout ExecutionLog?)
        throws(GatewayError) -> OutgoingResponse
    {
        let request = try requestBody(invocation, integration, log: &log)
        let status = (try? JSON(parsing: request))?["statusCode"]?.intValue ?? 200
        return try respond(invocation, integration, status: status, selector: String(status), payload: Data(), log: &log)
    }

    /// The request the backend gets: the selected template's output, or the message itself where
    /// the passthrough behaviour allows.
    private func requestBody(_ invocation: WebSocketInvocation, _ integration: DeployedWebSocketIntegration, log: inout ExecutionLog?)
        throws(GatewayError) -> Data
    {
        let message = Data(invocation.body.utf8)
        let key = integration.templateSelection.evaluate(body: invocation.body) ?? "$default"
        guard let template = integration.requestTemplates[key] ?? integration.requestTemplates["$default"] else {
            switch integration.passthroughBehavior {
            case "NEVER": throw .unsupportedMediaType
            case "WHEN_NO_TEMPLATES" where !integration.requestTemplates.isEmpty: throw .unsupportedMediaType
            default: return message
            }
        }
        return Data(try MappingTemplate.transform(template, invocation: invocation, payload: message, stage: "request", log: &log).body.utf8)
    }

    /// What the route answers: the integration response's template applied to the backend's
    /// payload, or the payload as it is without one.
    private func respond(
        _ invocation: WebSocketInvocation, _ integration: DeployedWebSocketIntegration, status: Int, selector: String, payload: Data,
        log: inout ExecutionLog?
    ) throws(GatewayError) -> OutgoingResponse {
        guard let response = integration.response(for: selector) else {
            return OutgoingResponse(status: status, body: payload)
        }
        let text = String(decoding: payload, as: UTF8.self)
        let key = response.templateSelection.evaluate(body: text) ?? "$default"
        guard let template = response.templates[key] ?? response.templates["$default"] ?? response.templates.values.first else {
            return OutgoingResponse(status: status, body: payload)
        }
        let body = try MappingTemplate.transform(template, invocation: invocation, payload: payload, stage: "response", log: &log).body
        return OutgoingResponse(status: status, body: Data(body.utf8))
    }
}

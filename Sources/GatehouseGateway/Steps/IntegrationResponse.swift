import Foundation
import GatehouseModel
import Velocity

/// What a non-proxy backend answered, before Integration Response maps it.
struct BackendResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: Data
    /// Set instead of `body` for a large answer passed through as it arrives.
    var stream: AsyncThrowingStream<Data, any Error>? = nil

    func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}

/// Integration Response → Method Response: picks the integration response whose selection
/// pattern matches the backend's status (or a Lambda error message), applies the response
/// template the client's Accept header picks, the `method.response.header.*` mappings and the
/// `$context.responseOverride` of the request template, then of the response template.
enum IntegrationResponse {
    static func map(
        _ backend: BackendResponse, selector: String, invocation: Invocation, integration: DeployedIntegration,
        requestOverride: ResponseOverride? = nil, log: inout ExecutionLog?
    ) throws(GatewayError) -> OutgoingResponse {
        guard let selected = select(selector, among: integration.integrationResponses), let status = Int(selected.statusCode) else {
            log?.line("Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: \(backend.status)")
            throw GatewayError.configurationError
        }
        var response = OutgoingResponse(status: status)
        let binaryTypes = invocation.stage.api.binaryMediaTypes
        let accept = invocation.request.header("Accept")
        var payload = backend.body
        var isBinary = ContentHandling.isBinary(backend.header("Content-Type"), binaryTypes)
        var override: ResponseOverride?
        if let (contentType, template) = MappingTemplate.select(from: selected.responseTemplates, accept: accept) {
            let input = ContentHandling.templateInput(backend.body, isBinary: isBinary)
            let rendered = try MappingTemplate.transform(template, invocation: invocation, payload: input, stage: "response", log: &log)
            payload = Data(rendered.body.utf8)
            isBinary = false
            response.headers.append(("Content-Type", contentType))
            override = rendered.responseOverride
        } else {
            response.headers.append(("Content-Type", backend.header("Content-Type") ?? "application/json"))
        }
        do {
            response.body = try ContentHandling.convertResponse(
                payload, isBinary: isBinary, acceptsBinary: ContentHandling.isBinary(accept, binaryTypes), binaryMediaTypes: binaryTypes,
                handling: selected.contentHandling)
        } catch {
            log?.line("Execution failed due to configuration error: Unable to convert the response body to binary (base64 decoding failed)")
            throw error
        }
        for (target, source) in selected.responseParameters.sorted(by: { $0.key < $1.key }) {
            guard let name = target.dropPrefix("method.response.header."), let value = value(of: source, backend, invocation) else { continue }
            response.setHeader(name, value)
        }
        for override in [requestOverride, override].compactMap({ $0 }) { apply(override, to: &response) }
        return response
    }

    static func select(_ selector: String, among responses: [DeployedIntegrationResponse]) -> DeployedIntegrationResponse? {
        responses.first { $0.pattern?.matches(selector) ?? false } ?? responses.first { $0.isDefault }
    }

    /// `#set($context.responseOverride.status = 400)` and `….header.X = "v"`.
    private static func apply(_ override: ResponseOverride, to response: inout OutgoingResponse) {
        switch override.status {
        case .int(let status)? where (100...599).contains(status): response.status = Int(status)
        case .string(let text)?: if let status = Int(text), (100...599).contains(status) { response.status = status }
        default: break
        }
        for (name, value) in override.header.values { response.setHeader(name, value) }
    }

    private static func value(of source: String, _ backend: BackendResponse, _ invocation: Invocation) -> String? {
        if let name = source.dropPrefix("integration.response.header.") { return backend.header(name) }
        if source == "integration.response.body" { return String(decoding: backend.body, as: UTF8.self) }
        if let path = source.dropPrefix("integration.response.body.") {
            guard let json = try? VelocityValue(parsingJSON: backend.body), let path = try? JSONPath("$." + path) else { return nil }
            switch path.evaluate(json) {
            case .null: return nil
            case .string(let text): return text
            case let other: return other.jsonText
            }
        }
        return invocation.value(of: source)
    }
}

extension OutgoingResponse {
    /// Sets `name` to `value`, replacing any earlier value.
    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
        headers.append((name, value))
    }
}

import Foundation
import GatehouseModel

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
/// pattern matches the backend's status (the default one otherwise), applies its response
/// template and `method.response.header.*` mappings.
enum IntegrationResponse {
    static func map(_ backend: BackendResponse, selector: String, invocation: Invocation, integration: DeployedIntegration) throws(GatewayError) -> OutgoingResponse {
        guard let selected = select(selector, among: integration.integrationResponses), let status = Int(selected.statusCode) else {
            // AWS: "No match for output mapping and no default output mapping configured."
            throw GatewayError.configurationError
        }
        var response = OutgoingResponse(status: status)
        let accept = IntegrationRequest.mediaType(invocation.request.header("Accept"))
        let templateType = accept.flatMap { selected.responseTemplates[$0] != nil ? $0 : nil }
            ?? (selected.responseTemplates["application/json"] != nil ? "application/json" : selected.responseTemplates.keys.sorted().first)
        if let templateType, let template = selected.responseTemplates[templateType] {
            response.body = Data(MappingTemplate.render(template).utf8)
            response.headers.append(("Content-Type", templateType))
        } else {
            response.body = backend.body
            response.headers.append(("Content-Type", backend.header("Content-Type") ?? "application/json"))
        }
        for (target, source) in selected.responseParameters.sorted(by: { $0.key < $1.key }) {
            guard let name = target.dropPrefix("method.response.header."), let value = value(of: source, backend, invocation) else { continue }
            response.headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
            response.headers.append((name, value))
        }
        return response
    }

    static func select(_ selector: String, among responses: [DeployedIntegrationResponse]) -> DeployedIntegrationResponse? {
        responses.first { $0.pattern?.matches(selector) ?? false } ?? responses.first { $0.isDefault }
    }

    private static func value(of source: String, _ backend: BackendResponse, _ invocation: Invocation) -> String? {
        if let name = source.dropPrefix("integration.response.header.") { return backend.header(name) }
        if source == "integration.response.body" { return String(decoding: backend.body, as: UTF8.self) }
        if let path = source.dropPrefix("integration.response.body.") {
            guard let json = try? JSON(parsing: backend.body) else { return nil }
            var current: JSON? = json
            for key in path.split(separator: ".") { current = current?[String(key)] }
            switch current {
            case .string(let text)?: return text
            case let other?: return other.serializedString
            case nil: return nil
            }
        }
        return invocation.value(of: source)
    }
}

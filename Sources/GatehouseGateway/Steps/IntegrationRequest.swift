import Foundation
import GatehouseModel

/// Integration Request: the body a non-proxy integration receives, chosen by the request's
/// Content-Type among the request templates, under the integration's passthrough behaviour.
enum IntegrationRequest {
    /// The body, and the `$context.responseOverride` its template set (AWS applies it to the
    /// final response too).
    struct Mapped {
        var body: Data
        var responseOverride: ResponseOverride?
    }

    static func body(for invocation: Invocation, integration: DeployedIntegration, log: inout ExecutionLog?) throws(GatewayError) -> Mapped {
        let contentType = mediaType(invocation.request.header("Content-Type")) ?? "application/json"
        if let template = integration.requestTemplates[contentType] {
            let payload = ContentHandling.templateInput(invocation.request.body, isBinary: invocation.hasBinaryBody)
            let rendered = try MappingTemplate.transform(template, invocation: invocation, payload: payload, stage: "request", log: &log)
            return Mapped(body: Data(rendered.body.utf8), responseOverride: rendered.responseOverride)
        }
        switch integration.passthroughBehavior {
        case "NEVER":
            throw GatewayError.unsupportedMediaType
        case "WHEN_NO_TEMPLATES" where !integration.requestTemplates.isEmpty:
            throw GatewayError.unsupportedMediaType
        default:
            return Mapped(body: try ContentHandling.convert(invocation.request.body, isBinary: invocation.hasBinaryBody, to: integration.contentHandling))
        }
    }

    /// The integration request's headers and query parameters, as its `integration.request.header.*`
    /// and `integration.request.querystring.*` parameters map them, in name order.
    static func parameters(
        for invocation: Invocation, integration: DeployedIntegration
    ) -> (headers: [(name: String, value: String)], query: [(name: String, value: String)]) {
        var headers: [(name: String, value: String)] = [], query: [(name: String, value: String)] = []
        for (target, source) in integration.requestParameters.sorted(by: { $0.key < $1.key }) {
            guard let value = invocation.value(of: source) else { continue }
            if let name = target.dropPrefix("integration.request.header.") {
                headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
                headers.append((name, value))
            } else if let name = target.dropPrefix("integration.request.querystring.") {
                query.append((name, value))
            }
        }
        return (headers, query)
    }

    /// `text/plain; charset=utf-8` → `text/plain`.
    static func mediaType(_ header: String?) -> String? {
        guard let header else { return nil }
        let type = header.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        return type.isEmpty ? nil : type
    }
}

extension GatewayError {
    public static let unsupportedMediaType = GatewayError(
        responseType: "UNSUPPORTED_MEDIA_TYPE", status: 415, message: "Unsupported Media Type", errorType: "BadRequestException")
}

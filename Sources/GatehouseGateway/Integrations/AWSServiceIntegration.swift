import Foundation
import GatehouseModel

/// `AWS` integrations with a service other than Lambda: the uri
/// `arn:aws:apigateway:{region}:{service}:action/{Action}` or `…:path/{path}` and the integration
/// request (templates, parameters) become a SigV4-signed call to the service — an `action` of a
/// JSON-protocol service as `POST /` with `X-Amz-Target`, of another service with `Action=` in
/// the query; a `path` as the integration's method on that path. The answer goes through
/// Integration Response by its status code.
struct AWSServiceIntegration: Sendable {
    let services: AWSServices
    let http: HTTPIntegration

    /// The services whose actions take JSON: their target prefix and JSON version.
    static let jsonProtocols: [String: (target: String, version: String)] = [
        "dynamodb": ("DynamoDB_20120810", "1.0"), "kinesis": ("Kinesis_20131202", "1.1"), "firehose": ("Firehose_20150804", "1.1"),
        "states": ("AWSStepFunctions", "1.0"), "events": ("AWSEvents", "1.1"), "logs": ("Logs_20140328", "1.1"),
        "secretsmanager": ("secretsmanager", "1.1"), "ssm": ("AmazonSSM", "1.1"), "kms": ("TrentService", "1.1"),
    ]

    /// What an `arn:aws:apigateway:…` uri names.
    struct Target: Equatable {
        var region: String
        /// The signing name (`dynamodb`), without a subdomain.
        var service: String
        var action: String?
        var path: String?

        init?(_ uri: String) {
            let parts = uri.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "arn", parts[2] == "apigateway" else { return nil }
            region = String(parts[3])
            service = String(parts[4].split(separator: ".").last ?? "")
            let resource = String(parts[5])
            if let name = resource.dropPrefix("action/") {
                action = String(name)
            } else if let path = resource.dropPrefix("path/") {
                self.path = "/" + path
            } else {
                return nil
            }
        }
    }

    func invoke(_ invocation: Invocation, _ integration: DeployedIntegration, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse {
        guard let target = Target(invocation.substitutingStageVariables(integration.uri ?? "")) else {
            log?.line("Execution failed due to configuration error: Invalid AWS integration uri \(integration.uri ?? "")")
            throw .configurationError
        }
        let mapped = try IntegrationRequest.body(for: invocation, integration: integration, log: &log)
        let request = try self.request(for: target, invocation, integration, body: mapped.body)
        log?.line("Endpoint request URI: \(target.service) \(request.method) \(request.rawPath)\(request.rawQuery.isEmpty ? "" : "?" + request.rawQuery)")
        log?.line("Endpoint request body after transformations: \(String(decoding: request.body, as: UTF8.self))")
        let key = services.integrationKey
        let signing = AWSServices.Signing(accessKeyId: key.accessKeyId, secret: key.secret, region: target.region, service: target.service)
        let backend: BackendResponse
        if let base = services.endpoints[target.service] {
            guard let (url, outbound) = services.outbound(request, to: base, signing: signing) else { throw .configurationError }
            backend = try await http.send(
                method: outbound.method, url: url, headers: AWSServices.clientHeaders(outbound), body: outbound.body,
                timeoutMillis: integration.timeoutInMillis)
        } else if let answer = await services.local(signed(request, signing), target.service) {
            backend = BackendResponse(status: answer.status, headers: answer.headers, body: answer.body)
        } else {
            log?.line(
                "Execution failed due to configuration error: no endpoint is configured for the service \(target.service) (set GATEHOUSE_SERVICE_ENDPOINTS=\(target.service)=URL or serviceEndpoints in the configuration file)")
            throw .configurationError
        }
        log?.line("Endpoint response body before transformations: \(String(decoding: backend.body.prefix(1000), as: UTF8.self))")
        return try IntegrationResponse.map(
            backend, selector: String(backend.status), invocation: invocation, integration: integration, requestOverride: mapped.responseOverride,
            log: &log)
    }

    /// `request` to this node, signed.
    private func signed(_ request: IncomingRequest, _ signing: AWSServices.Signing) -> IncomingRequest {
        var request = request
        request.headers.append(("host", "localhost"))
        services.sign(&request, signing)
        return request
    }

    /// The service request the integration request maps to (without `host` or a signature).
    private func request(
        for target: Target, _ invocation: Invocation, _ integration: DeployedIntegration, body: Data
    ) throws(GatewayError) -> IncomingRequest {
        var (headers, query) = IntegrationRequest.parameters(for: invocation, integration: integration)
        var method = integration.httpMethod ?? "POST", path = "/"
        if let action = target.action {
            if let json = Self.jsonProtocols[target.service] {
                method = "POST"
                headers.removeAll { ["x-amz-target", "content-type"].contains($0.name.lowercased()) }
                headers.append(("X-Amz-Target", "\(json.target).\(action)"))
                headers.append(("Content-Type", "application/x-amz-json-\(json.version)"))
            } else {
                query.insert(("Action", action), at: 0)
            }
        } else if var mappedPath = target.path {
            for (name, value) in invocation.match.pathParameters {
                mappedPath = mappedPath.replacingOccurrences(of: "{\(name)}", with: HTTPIntegration.encode(value))
            }
            for (parameter, source) in integration.requestParameters {
                guard let name = parameter.dropPrefix("integration.request.path."), let value = invocation.value(of: source) else { continue }
                mappedPath = mappedPath.replacingOccurrences(of: "{\(name)}", with: HTTPIntegration.encode(value))
            }
            path = mappedPath
        }
        let rawQuery = query.map { "\(HTTPIntegration.encode($0.name))=\(HTTPIntegration.encode($0.value))" }.joined(separator: "&")
        return IncomingRequest(method: method, rawPath: path, rawQuery: rawQuery, headers: headers, body: body)
    }
}

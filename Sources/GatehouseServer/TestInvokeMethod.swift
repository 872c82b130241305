import Foundation
import GatehouseControl
import GatehouseGateway
import GatehouseModel
import GatehouseStore

/// `TestInvokeMethod`, the console's Test button: runs a method of the live API — not a
/// deployment — through the data plane's pipeline. It lives here because it needs both planes.
enum TestInvokeMethod {
    static func handler(gateway: Gateway) -> OperationHandler {
        { context in
            let input = context.input
            // AWS answers "Invalid Resource identifier" for a missing API here too.
            let stage = try await TestInvokeMethod.stage(context, gateway: gateway, missing: .notFound("Invalid Resource identifier specified"))
            guard let resource = stage.api.resources.first(where: { $0.id == context.string("resourceId") }) else {
                throw AWSError.notFound("Invalid Resource identifier specified")
            }
            guard let method = resource.methods[context.string("httpMethod")] else {
                throw AWSError.notFound("Invalid Method identifier specified")
            }
            let started = Date()
            let (response, log) = await gateway.testInvoke(
                stage: stage, resource: resource, method: method, request: request(from: input, method: method.httpMethod == "ANY" ? "GET" : method.httpMethod, path: resource.path))
            var headers: [String: JSON] = [:]
            var multiValueHeaders: [String: JSON] = [:]
            for header in response.headers {
                headers[header.name] = .string(header.value)
                multiValueHeaders[header.name] = .array((multiValueHeaders[header.name]?.arrayValue ?? []) + [.string(header.value)])
            }
            return [
                "status": .number(Double(response.status)), "body": .string(String(decoding: response.body, as: UTF8.self)),
                "headers": .object(headers), "multiValueHeaders": .object(multiValueHeaders), "log": .string(log),
                "latency": .number((Date().timeIntervalSince(started) * 1000).rounded()),
            ]
        }
    }

    /// The stage a test runs on: the input's live API (`missing` when there is none), compiled as
    /// a deployment would be, with the test's stage variables.
    static func stage(_ context: OperationContext, gateway: Gateway, missing: AWSError) async throws -> DeployedStage {
        let key = DocumentKey(kind: DocumentKind.restAPI, parent: context.caller.region, id: context.string("restApiId"))
        guard let api = try await context.store.document(key) else { throw missing }
        let deployed = DeployedAPI(snapshot: try await APIGateway.snapshot(of: api, in: context.store))
        return DeployedStage(
            apiID: deployed.id, name: "test-invoke-stage", deploymentID: "",
            variables: (context.input["stageVariables"]?.objectValue ?? [:]).compactMapValues(\.stringValue), api: deployed,
            pipeline: gateway.pipeline)
    }

    /// The request a test describes: `pathWithQueryString` (else `path`), headers and body.
    static func request(from input: JSON, method: String, path: String) -> IncomingRequest {
        let target = input["pathWithQueryString"]?.stringValue ?? path
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [(name: String, value: String)] = []
        for (name, value) in input["headers"]?.objectValue ?? [:] {
            if let text = value.stringValue { headers.append((name, text)) }
        }
        for (name, values) in input["multiValueHeaders"]?.objectValue ?? [:] {
            for value in values.arrayValue ?? [] { if let text = value.stringValue { headers.append((name, text)) } }
        }
        return IncomingRequest(
            method: method,
            rawPath: parts.isEmpty || parts[0].isEmpty ? path : String(parts[0]),
            rawQuery: parts.count > 1 ? String(parts[1]) : "",
            headers: headers, body: Data((input["body"]?.stringValue ?? "").utf8), remoteAddress: "test-invoke-source-ip")
    }
}

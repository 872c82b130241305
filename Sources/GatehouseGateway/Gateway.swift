import AsyncHTTPClient
import Foundation
import GatehouseModel

/// The data plane: answers requests to deployed stages.
///
/// Each request loads the current `DeployedStages` once (an atomic load, no lock) and runs
/// the steps in AWS's order: route → Method Request → Integration Request → Integration →
/// Integration Response → Method Response. The store is never touched here.
public struct Gateway: Sendable {
    /// API Gateway's payload limit.
    public static let maxPayloadBytes = 10 * 1024 * 1024

    public let directory: StageDirectory
    let http: HTTPIntegration

    public init(directory: StageDirectory, httpClient: HTTPClient) {
        self.directory = directory
        self.http = HTTPIntegration(client: httpClient)
    }

    public func handle(_ request: IncomingRequest, target: InvokeTarget) async -> OutgoingResponse {
        let requestID = RequestID.next()
        let extendedRequestID = Self.extendedRequestID()
        let stage = directory.stages.stage(api: target.apiID, name: target.stage)
        var response: OutgoingResponse
        do throws(GatewayError) {
            guard let stage else { throw .missingAuthenticationToken }
            guard let match = stage.routes.match(method: request.method, path: target.path) else {
                throw .missingAuthenticationToken
            }
            guard request.body.count <= Self.maxPayloadBytes else { throw .requestTooLarge }
            let invocation = Invocation(
                request: request, target: target, stage: stage, match: match, requestID: requestID,
                extendedRequestID: extendedRequestID, requestTime: Date())
            response = try await integrate(invocation)
        } catch {
            response = GatewayResponses.render(error, customized: stage?.api.gatewayResponses ?? [:])
        }
        response.headers.append(("x-amzn-RequestId", requestID))
        response.headers.append(("x-amz-apigw-id", extendedRequestID))
        return response
    }

    /// Runs one method of a live, undeployed API, as the console's Test button does: the named
    /// resource and method, whatever path was given. Returns the response and an execution log.
    public func testInvoke(
        stage: DeployedStage, resource: DeployedResource, method: DeployedMethod, request: IncomingRequest
    ) async -> (response: OutgoingResponse, log: String) {
        let requestID = RequestID.next()
        let match = RoutingTable(resources: [resource]).match(method: method.httpMethod == "ANY" ? "ANY" : request.method, path: request.rawPath)
            ?? RoutingTable.Match(resource: resource, method: method, pathParameters: [:])
        let invocation = Invocation(
            request: request, target: InvokeTarget(apiID: stage.apiID, stage: stage.name, path: request.rawPath), stage: stage,
            match: RoutingTable.Match(resource: resource, method: method, pathParameters: match.pathParameters),
            requestID: requestID, extendedRequestID: Self.extendedRequestID(), requestTime: Date())
        var log = ExecutionLog(requestID: requestID)
        log.methodRequest(invocation)
        let response: OutgoingResponse
        do throws(GatewayError) {
            response = try await integrate(invocation)
            log.methodResponse(response)
        } catch {
            log.failure(error)
            response = GatewayResponses.render(error, customized: stage.api.gatewayResponses)
        }
        return (response, log.text)
    }

    private func integrate(_ invocation: Invocation) async throws(GatewayError) -> OutgoingResponse {
        guard let integration = invocation.match.method.integration else { throw .configurationError }
        switch integration.type {
        case "MOCK": return try MockIntegration.invoke(invocation, integration)
        case "HTTP_PROXY": return try await http.proxy(invocation, integration)
        case "HTTP": return try await http.http(invocation, integration)
        default: throw .configurationError
        }
    }

    /// An id shaped like AWS's `x-amz-apigw-id` (`cDEFghIJoAMEbXg=`).
    static func extendedRequestID() -> String { RequestID.base64(count: 15) + "=" }
}

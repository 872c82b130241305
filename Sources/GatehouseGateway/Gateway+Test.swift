import Foundation
import GatehouseModel

/// The console's Test buttons: a method or an authorizer of the live API, run outside any
/// deployment, with an execution log.
extension Gateway {
    /// Runs one method of a live, undeployed API, as the console's Test button does: the named
    /// resource and method, whatever path was given. Returns the response and an execution log.
    public func testInvoke(
        stage: DeployedStage, resource: DeployedResource, method: DeployedMethod, request: IncomingRequest
    ) async -> (response: OutgoingResponse, log: String) {
        let requestID = RequestID.next()
        let match = RoutingTable(resources: [resource]).match(method: method.httpMethod == "ANY" ? "ANY" : request.method, path: request.rawPath)
            ?? RoutingTable.Match(resource: resource, method: method, pathParameters: [:])
        var invocation = Invocation(
            request: request, target: InvokeTarget(apiID: stage.apiID, stage: stage.name, path: request.rawPath), stage: stage,
            match: RoutingTable.Match(resource: resource, method: method, pathParameters: match.pathParameters),
            requestID: requestID, extendedRequestID: Self.extendedRequestID(), requestTime: Date())
        invocation.startTrace()
        invocation.accountID = accountID
        var log: ExecutionLog? = ExecutionLog(requestID: requestID)
        log?.methodRequest(invocation)
        let response: OutgoingResponse
        do throws(GatewayError) {
            let steps = method.steps.filter(\.runsInTests)
            response = try await Self.collected(steps.answer(&invocation, log: &log))
            log?.methodResponse(response)
        } catch {
            log?.failure(error)
            response = GatewayResponses.render(error, customized: stage.api.gatewayResponses, invocation: invocation)
        }
        return (response, log?.text ?? "")
    }

    /// Runs an authorizer as `TestInvokeAuthorizer` does: always calling its function (no
    /// cache), answering the client status AWS would give (0 when allowed) and what it decided.
    public func testAuthorizer(stage: DeployedStage, authorizer: DeployedAuthorizer, request: IncomingRequest) async
        -> (status: Int, log: String, result: AuthorizerResult?, policy: String?)
    {
        let requestID = RequestID.next()
        let resource = DeployedResource(["id": "test", "path": .string(request.rawPath)])
        let method = DeployedMethod(["httpMethod": .string(request.method), "authorizationType": "CUSTOM", "authorizerId": .string(authorizer.id)])
        var invocation = Invocation(
            request: request, target: InvokeTarget(apiID: stage.apiID, stage: stage.name, path: request.rawPath), stage: stage,
            match: RoutingTable.Match(resource: resource, method: method, pathParameters: [:]),
            requestID: requestID, extendedRequestID: Self.extendedRequestID(), requestTime: Date())
        invocation.startTrace()
        invocation.accountID = accountID
        var log: ExecutionLog? = ExecutionLog(requestID: requestID)
        do throws(GatewayError) {
            if authorizer.type == "COGNITO_USER_POOLS" {
                let result = try await pipeline.authorize.cognito.verify(invocation, authorizer, scopes: [], log: &log)
                return (0, log?.text ?? "", result, nil)
            }
            let entry = try await pipeline.authorize.lambdaDecision(authorizer, for: invocation, cached: false, log: &log)
            let status: Int
            switch entry.policy.evaluate(action: "execute-api:Invoke", resource: invocation.methodARN, request: RequestFacts()) {
            case .allow: status = 0
            default: status = 403
            }
            return (status, log?.text ?? "", entry.result, entry.policyText)
        } catch {
            log?.failure(error)
            return (error.status, log?.text ?? "", nil, nil)
        }
    }

    /// A streamed response read whole (the Test button shows the body).
    static func collected(_ response: OutgoingResponse) async -> OutgoingResponse {
        guard let stream = response.stream else { return response }
        var whole = response
        whole.stream = nil
        do {
            for try await chunk in stream { whole.body.append(chunk) }
        } catch {}
        return whole
    }
}

import Foundation
import GatehouseModel

/// `$connect`'s Lambda (`REQUEST`) authorizer. Its identity sources must all be present (else
/// 401 without calling the function); the function gets the upgrade request as REST's
/// `REQUEST` authorizer event with the WebSocket `requestContext`, and answers with an IAM policy
/// evaluated on the route's ARN: a refusal is 403, a failing function 500. The principal and
/// context it returns are every later event's `requestContext.authorizer`.
struct WebSocketLambdaAuthorizerStep: GatewayStep {
    let lambda: LambdaIntegration

    func prepare(_ invocation: inout WebSocketInvocation) -> Bool { false }

    func attempt(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome { .wait }

    func run(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        let stage = invocation.stage
        guard let id = invocation.route.authorizerID, let authorizer = stage.authorizers[id] else { throw .authorizerConfigurationError }
        let identity = authorizer.identitySources.map { Self.value(of: $0, in: invocation) ?? "" }
        guard !identity.contains(where: \.isEmpty) else { throw .unauthorized }
        var event = WebSocketEvent.make(invocation, forAuthorizer: true)
        event["type"] = "REQUEST"
        event["methodArn"] = .string(invocation.sourceARN)
        event["stageVariables"] = .object(stage.variables.mapValues(JSON.string))
        let sourceARN = "arn:aws:execute-api:\(stage.region):\(invocation.accountID):\(stage.apiID)/authorizers/\(id)"
        let result = try await lambda.call(
            uri: authorizer.uri, region: stage.region, sourceARN: sourceARN, timeoutMillis: 10_000, payload: event.serialized(), log: &log)
        let (policy, _, decided) = try LambdaAuthorizer.decision(from: result, log: &log)
        guard case .allow = policy.evaluate(action: "execute-api:Invoke", resource: invocation.sourceARN, request: RequestFacts()) else {
            throw .forbidden
        }
        var context = JSON.object(decided.context.mapValues(JSON.string))
        if let principal = decided.principalID { context["principalId"] = .string(principal) }
        invocation.authorizer = context
        invocation.usageIdentifierKey = decided.usageIdentifierKey
        return .proceed
    }

    /// An identity source's value: `route.request.header.NAME`, `route.request.querystring.NAME`,
    /// `stageVariables.NAME` or `context.NAME`.
    static func value(of source: String, in invocation: WebSocketInvocation) -> String? {
        if let name = source.dropPrefix("route.request.header.") { return invocation.request?.header(name) }
        if let name = source.dropPrefix("route.request.querystring.") {
            return invocation.request?.queryItems.first { $0.name == name }?.value
        }
        if let name = source.dropPrefix("stageVariables.") { return invocation.stage.variables[name] }
        if let name = source.dropPrefix("context.") { return invocation.contextVariables[name] }
        return nil
    }
}

/// `$connect` with `AWS_IAM` authorization: the upgrade request must carry a SigV4 signature
/// for `execute-api` by known credentials, in its headers or as a presigned URL (what browsers,
/// which cannot set headers on an upgrade, send), and a role session's call must be allowed by its
/// role's identity policies (`execute-api:Invoke` on `…/{stage}/$connect`); otherwise 403.
struct WebSocketIAMAuthorizerStep: GatewayStep {
    let signatures: SignatureCheck?

    func attempt(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let signatures, let request = invocation.request else { throw .forbidden }
        guard let signed = try? signatures(request), signed.service == "execute-api" else { throw .forbidden }
        let caller = Principal(account: invocation.accountID, arn: signed.session ?? "arn:aws:iam::\(invocation.accountID):root")
        if let decision = caller.invokeDecision(on: invocation.sourceARN, rolePolicies: invocation.rolePolicies), decision != .allow {
            throw .forbidden
        }
        invocation.authorizer = ["principalId": .string(signed.accessKeyID)]
        return .proceed
    }
}

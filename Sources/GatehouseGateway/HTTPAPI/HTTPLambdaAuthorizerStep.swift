import Foundation
import GatehouseFunctions
import GatehouseModel

/// An HTTP API route's Lambda (`REQUEST`) authorizer: its identity sources must all be present
/// (else 401 `Unauthorized` without calling the function); the function gets the request in the
/// authorizer's payload format and answers either simply (`isAuthorized`, with 2.0 and
/// `EnableSimpleResponses`) or with an IAM policy evaluated on the route's ARN. A refusal is 403
/// `Forbidden`, a failing function 500. Decisions are cached per identity for the authorizer's TTL.
struct HTTPLambdaAuthorizerStep: GatewayStep {
    let lambda: LambdaIntegration
    let cache: AuthorizerCache

    func prepare(_ invocation: inout HTTPInvocation) -> Bool { false }

    func attempt(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome { .wait }

    func run(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        let stage = invocation.stage
        guard let id = invocation.route.authorizerID, let authorizer = stage.authorizers[id], let uri = authorizer.uri else {
            throw .internalServerError
        }
        let identity = authorizer.identitySources.map { $0.value(in: invocation) ?? "" }
        guard !identity.contains(where: \.isEmpty) else { throw .unauthorized }
        let key = AuthorizerCache.stagePrefix(api: stage.apiID, stage: stage.name) + id + "|" + identity.joined(separator: "\u{1F}")
        let entry: AuthorizerCache.Entry
        if authorizer.ttlSeconds > 0, let cached = cache.entry(key) {
            entry = cached
        } else {
            let event = authorizer.payloadFormatVersion == "2.0"
                ? Self.eventV2(invocation, identity: identity) : Self.eventV1(invocation, identity: identity)
            let sourceARN = "arn:aws:execute-api:\(stage.region):\(invocation.accountID):\(stage.apiID)/authorizers/\(id)"
            let result = try await lambda.call(
                uri: uri, region: stage.region, sourceARN: sourceARN, timeoutMillis: 10_000, payload: event.serialized(), log: &log)
            entry = try decision(result, simple: authorizer.simpleResponses, ttl: authorizer.ttlSeconds)
            if authorizer.ttlSeconds > 0 { cache.store(entry, for: key) }
        }
        guard case .allow = entry.policy.evaluate(action: "execute-api:Invoke", resource: invocation.sourceARN, request: RequestFacts()) else {
            throw .forbidden
        }
        let context = JSON.object(entry.result.context.mapValues(JSON.string))
        if authorizer.payloadFormatVersion == "2.0" {
            invocation.authorizer = ["lambda": context]
        } else {
            var authorizerContext = context
            if let principal = entry.result.principalID { authorizerContext["principalId"] = .string(principal) }
            invocation.authorizer = authorizerContext
        }
        return .proceed
    }

    /// The function's answer as a policy: a simple `isAuthorized` becomes allow or deny of the route.
    private func decision(_ result: InvocationResult, simple: Bool, ttl: Int) throws(GatewayError) -> AuthorizerCache.Entry {
        guard result.functionError == nil, let answer = try? JSON(parsing: Data(result.payload)) else { throw .internalServerError }
        let expires = Date().addingTimeInterval(Double(ttl))
        if simple {
            guard let allowed = answer["isAuthorized"]?.boolValue else { throw .internalServerError }
            var decided = AuthorizerResult()
            decided.context = (answer["context"]?.objectValue ?? [:]).compactMapValues { $0.stringValue ?? ($0.isNull ? nil : $0.serializedString) }
            let statement: JSON = ["Effect": .string(allowed ? "Allow" : "Deny"), "Action": "execute-api:Invoke", "Resource": "*"]
            guard let policy = try? IAMPolicy(["Version": "2012-10-17", "Statement": [statement]]) else { throw .internalServerError }
            return AuthorizerCache.Entry(policy: policy, policyText: "", result: decided, expires: expires)
        }
        var log: ExecutionLog?
        do throws(GatewayError) {
            let (policy, text, decided) = try LambdaAuthorizer.decision(from: result, log: &log)
            return AuthorizerCache.Entry(policy: policy, policyText: text, result: decided, expires: expires)
        } catch {
            throw .internalServerError
        }
    }

    /// The 2.0 authorizer event: the request as payload 2.0 has it, with the route's ARN and the
    /// identity as a list.
    static func eventV2(_ invocation: HTTPInvocation, identity: [String]) -> JSON {
        authorizerEvent(PayloadV2.event(invocation), arn: ("routeArn", invocation.sourceARN), identity: .array(identity.map(JSON.string)))
    }

    /// The 1.0 authorizer event: REST's REQUEST authorizer event with HTTP APIs' version, the
    /// identity joined by commas.
    static func eventV1(_ invocation: HTTPInvocation, identity: [String]) -> JSON {
        authorizerEvent(PayloadV1.event(invocation), arn: ("methodArn", invocation.sourceARN), identity: .string(identity.joined(separator: ",")))
    }

    /// A request event made an authorizer's: no body, the `REQUEST` type, the ARN and the identity.
    private static func authorizerEvent(_ request: JSON, arn: (member: String, value: String), identity: JSON) -> JSON {
        var event = request
        event["body"] = nil
        event["isBase64Encoded"] = nil
        event["type"] = "REQUEST"
        event[arn.member] = .string(arn.value)
        event["identitySource"] = identity
        return event
    }
}

extension GatewayError {
    /// An authorizer that refused: HTTP APIs answer 403 `Forbidden`.
    static let forbidden = GatewayError(responseType: "ACCESS_DENIED", status: 403, message: "Forbidden", errorType: nil)
}

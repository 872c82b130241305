import Foundation
import GatehouseFunctions
import GatehouseModel

/// The method's authorizer: `CUSTOM` (a Lambda authorizer, its results cached per identity for
/// the TTL) or `COGNITO_USER_POOLS` (a user pool JWT). A cached Lambda result lets the request
/// be answered without I/O.
struct AuthorizeStep: GatewayStep {
    let lambda: LambdaIntegration
    let cache: AuthorizerCache
    let cognito: CognitoAuthorizer

    /// Whether a method has an authorizer (and so this step).
    static func applies(to method: DeployedMethod) -> Bool {
        method.authorizationType == "CUSTOM" || method.authorizationType == "COGNITO_USER_POOLS"
    }

    /// A cached Lambda authorizer result for the request's identity, kept for `attempt`.
    func prepare(_ invocation: inout Invocation) -> Bool {
        invocation.cachedAuthorization = cachedDecision(for: invocation)
        return invocation.cachedAuthorization != nil
    }

    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let cached = invocation.cachedAuthorization else { return .wait }
        try apply(cached, to: &invocation, log: &log)
        return .proceed
    }

    func run(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        let started = ContinuousClock.now
        invocation.authorizerStarted = Date().timeIntervalSince1970
        defer { invocation.authorizerLatency = (ContinuousClock.now - started).milliseconds }
        try await authorize(&invocation, log: &log)
        return .proceed
    }

    /// The Lambda or Cognito authorizer of the method.
    private func authorize(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) {
        let method = invocation.match.method
        guard let id = method.authorizerID, let authorizer = invocation.stage.api.authorizers[id] else {
            log?.line("Execution failed due to configuration error: the method's authorizer does not exist")
            throw .authorizerConfigurationError
        }
        if method.authorizationType == "COGNITO_USER_POOLS" {
            invocation.authorizer = try await cognito.verify(invocation, authorizer, scopes: method.authorizationScopes, log: &log)
        } else {
            try await callLambda(authorizer, for: &invocation, log: &log)
        }
    }

    private func callLambda(_ authorizer: DeployedAuthorizer, for invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) {
        try apply(try await lambdaDecision(authorizer, for: invocation, cached: true, log: &log), to: &invocation, log: &log)
    }

    /// The cached Lambda authorizer result that will still be valid in a second, if the method
    /// has one: then the request can be answered without calling the function.
    private func cachedDecision(for invocation: Invocation) -> AuthorizerCache.Entry? {
        let method = invocation.match.method
        guard method.authorizationType == "CUSTOM", let id = method.authorizerID, let authorizer = invocation.stage.api.authorizers[id],
            authorizer.ttlSeconds > 0, let identity = LambdaAuthorizer(authorizer: authorizer).identity(of: invocation)
        else { return nil }
        return cache.entry(cacheKey(authorizer, invocation.stage, identity), now: Date().addingTimeInterval(1))
    }

    /// A stage's authorizer result for one identity, keyed in the cache.
    private func cacheKey(_ authorizer: DeployedAuthorizer, _ stage: DeployedStage, _ identity: [String]) -> String {
        stage.authorizerCachePrefix + authorizer.id + "|" + (identity.count == 1 ? identity[0] : identity.joined(separator: "\u{1F}"))
    }

    /// A Lambda authorizer's policy applied to the request's method ARN.
    func apply(_ entry: AuthorizerCache.Entry, to invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) {
        switch entry.policy.evaluate(action: "execute-api:Invoke", resource: invocation.methodARN, request: RequestFacts()) {
        case .allow:
            log?.line("Using valid authorizer policy for principal: \(entry.result.principalID ?? "")")
            invocation.authorizer = entry.result
        case .explicitDeny:
            throw .explicitDeny
        case .implicitDeny:
            throw .notAllowed
        }
    }

    /// What a Lambda authorizer answers for the request's identity: from the cache when
    /// `cached` allows and the TTL has not passed, else from its function.
    func lambdaDecision(_ authorizer: DeployedAuthorizer, for invocation: Invocation, cached: Bool, log: inout ExecutionLog?)
        async throws(GatewayError) -> AuthorizerCache.Entry
    {
        let lambdaAuthorizer = LambdaAuthorizer(authorizer: authorizer)
        guard let identity = lambdaAuthorizer.identity(of: invocation) else {
            log?.line("Unauthorized request: the identity source is missing or does not match the validation expression")
            throw .unauthorized
        }
        let key = cacheKey(authorizer, invocation.stage, identity)
        if cached, authorizer.ttlSeconds > 0, let entry = cache.entry(key) {
            log?.line("Using cached authorizer result for \(authorizer.id)")
            return entry
        }
        log?.line("Starting authorizer: \(authorizer.id) for request: \(invocation.requestID)")
        let event = lambdaAuthorizer.event(for: invocation, identity: identity)
        let sourceARN = "arn:aws:execute-api:\(invocation.stage.region):\(invocation.accountID):\(invocation.stage.apiID)/authorizers/\(authorizer.id)"
        let outcome: InvocationResult
        do {
            outcome = try await lambda.call(
                uri: invocation.substitutingStageVariables(authorizer.uri ?? ""), region: invocation.stage.region, sourceARN: sourceARN,
                timeoutMillis: 30_000, payload: event.serialized(), trace: invocation.trace, log: &log)
        } catch {
            throw .authorizerConfigurationError
        }
        let (policy, policyText, result) = try LambdaAuthorizer.decision(from: outcome, log: &log)
        let entry = AuthorizerCache.Entry(
            policy: policy, policyText: policyText, result: result, expires: Date().addingTimeInterval(Double(authorizer.ttlSeconds)))
        if authorizer.ttlSeconds > 0 { cache.store(entry, for: key) }
        log?.line("Successfully completed authorizer execution")
        return entry
    }
}

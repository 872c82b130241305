import Foundation
import GatehouseFunctions
import GatehouseModel

/// Checks a SigV4 signature on a data-plane request; answers the signer's access key id and
/// the service the signature is scoped to, or throws AWS's error.
public typealias SignatureCheck = @Sendable (IncomingRequest) throws(AWSError) -> (accessKeyID: String, service: String)

/// Authorization, in AWS's order: a PRIVATE API's VPC endpoint, the API's resource policy, then
/// the method's authorization type — `AWS_IAM` (a SigV4 signature for `execute-api`), `CUSTOM`
/// (a Lambda authorizer, its results cached per identity for the TTL) or
/// `COGNITO_USER_POOLS` (a user pool JWT). The decisions combine as AWS's tables say: an explicit
/// deny anywhere wins; without an authorizer the resource policy (when there is one) must
/// allow; with one, the resource policy only must not deny.
struct Authorize: Sendable {
    let lambda: LambdaIntegration
    let cache: AuthorizerCache
    let signatures: SignatureCheck?
    let cognito: CognitoAuthorizer
    /// The header carrying the VPC endpoint id of a call to a PRIVATE API.
    let vpceHeader: String

    /// Whether a method's authorization needs I/O (a function to call, keys to fetch).
    static func needsIO(_ method: DeployedMethod) -> Bool {
        method.authorizationType == "CUSTOM" || method.authorizationType == "COGNITO_USER_POOLS"
    }

    /// The checks that need no I/O: the endpoint, the resource policy, an IAM signature.
    func authenticate(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) {
        let api = invocation.stage.api
        let vpce = invocation.request.header(vpceHeader)
        if api.isPrivate, vpce == nil {
            log?.line("Private API called without a VPC endpoint (\(vpceHeader) header missing)")
            throw .invalidAPIKey
        }
        var principal: Principal?
        if invocation.match.method.authorizationType == "AWS_IAM" {
            principal = try signer(&invocation, log: &log)
        }
        guard let policy = api.policy else {
            // A private API refuses every call until a resource policy grants access.
            if api.isPrivate { throw .resourcePolicyDenied(invocation, principal: principal, explicit: false) }
            return
        }
        let facts = RequestFacts(principal: principal, sourceIP: invocation.request.remoteAddress, sourceVpce: vpce)
        let methodARN = invocation.methodARN
        let decision = policy.evaluate(action: "execute-api:Invoke", resource: methodARN, request: facts)
        let hasAuthorizer = Self.needsIO(invocation.match.method) || principal != nil
        switch decision {
        case .explicitDeny:
            log?.line("Execution failed: the resource policy denies \(methodARN) explicitly")
            throw .resourcePolicyDenied(invocation, principal: principal, explicit: true)
        case .implicitDeny where !hasAuthorizer || api.isPrivate:
            log?.line("Execution failed: the resource policy does not allow \(methodARN)")
            throw .resourcePolicyDenied(invocation, principal: principal, explicit: false)
        default:
            return
        }
    }

    /// The Lambda or Cognito authorizer of the method, if it has one.
    func authorize(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) {
        let method = invocation.match.method
        guard Self.needsIO(method) else { return }
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
    func cachedDecision(for invocation: Invocation) -> AuthorizerCache.Entry? {
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
                invocation, uri: authorizer.uri, sourceARN: sourceARN, timeoutMillis: 30_000, payload: event.serialized(), log: &log)
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

    /// The caller of an `AWS_IAM` method, from its SigV4 signature.
    private func signer(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> Principal {
        guard let signatures else { throw .missingAuthenticationToken }
        do throws(AWSError) {
            let signed = try signatures(invocation.request)
            guard signed.service == "execute-api" else {
                throw AWSError("InvalidSignatureException", status: 403, "Credential should be scoped to correct service: 'execute-api'. ")
            }
            let arn = "arn:aws:iam::\(invocation.accountID):root"
            invocation.identity["accessKey"] = signed.accessKeyID
            invocation.identity["accountId"] = invocation.accountID
            invocation.identity["caller"] = signed.accessKeyID
            invocation.identity["user"] = signed.accessKeyID
            invocation.identity["userArn"] = arn
            return Principal(account: invocation.accountID, arn: arn)
        } catch {
            log?.line("IAM authorization failed: \(error.message)")
            if error.code == "MissingAuthenticationTokenException" { throw .missingAuthenticationToken }
            throw GatewayError(responseType: "INVALID_SIGNATURE", status: 403, message: error.message, errorType: error.code)
        }
    }
}

extension GatewayError {
    /// The resource policy's answer, worded as AWS words it (the account masked but for its last digits).
    static func resourcePolicyDenied(_ invocation: Invocation, principal: Principal?, explicit: Bool) -> GatewayError {
        let account = invocation.accountID
        let resource = invocation.methodARN.replacingOccurrences(of: ":\(account):", with: ":\(account.masked(showingLast: 4)):")
        let user = principal?.arn ?? "anonymous"
        return .accessDenied(
            "User: \(user) is not authorized to perform: execute-api:Invoke on resource: \(resource)" + (explicit ? " with an explicit deny" : ""))
    }
}

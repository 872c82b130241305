import AsyncHTTPClient
import Foundation
import GatehouseFunctions
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
    let lambda: LambdaIntegration
    let stageLogs: StageLogs
    let accountID: String
    let apiKeys: APIKey
    let throttling: Throttling
    let authorization: Authorize
    /// Lambda authorizer results; `FlushStageAuthorizersCache` empties a stage's.
    public let authorizerCache: AuthorizerCache
    /// Request counts per usage plan and key; the control plane reads them for GetUsage.
    public let usage: QuotaMeter
    /// Token buckets; the deployer resolves usage plans' buckets from it.
    public let limiter: RateLimiter

    /// `relaxedLambdaPermissions` lets proxy integrations call functions whose policy does not
    /// allow API Gateway (AWS requires `lambda add-permission`).
    /// `signatures` checks SigV4 on `AWS_IAM` methods; `cognitoJWKS` maps user pool ids to where
    /// their keys are (a URL or a file) when not at the pool's public address; `vpceHeader`
    /// carries the VPC endpoint id of calls to PRIVATE APIs.
    public init(
        directory: StageDirectory, httpClient: HTTPClient, functions: LambdaIntegration.Functions, accountID: String, logs: any LogSink,
        relaxedLambdaPermissions: Bool = false, usage: QuotaMeter = QuotaMeter(), signatures: SignatureCheck? = nil,
        cognitoJWKS: [String: String] = [:], vpceHeader: String = "x-apigw-vpce-id"
    ) {
        let limiter = RateLimiter()
        self.limiter = limiter
        self.apiKeys = APIKey(limiter: limiter)
        self.throttling = Throttling(limiter: limiter)
        self.usage = usage
        self.stageLogs = StageLogs(sink: logs)
        self.directory = directory
        self.http = HTTPIntegration(client: httpClient)
        let lambda = LambdaIntegration(functions: functions, accountID: accountID, relaxedPermissions: relaxedLambdaPermissions)
        let cache = AuthorizerCache()
        self.lambda = lambda
        self.authorizerCache = cache
        self.authorization = Authorize(
            lambda: lambda, cache: cache, signatures: signatures,
            cognito: CognitoAuthorizer(client: httpClient, jwksLocations: cognitoJWKS), vpceHeader: vpceHeader)
        self.accountID = accountID
    }

    /// Where a request goes, decided from its method and invoke URL alone.
    public enum Route: Sendable {
        /// The gateway answers itself (no such stage, resource or method).
        case rejected(GatewayError, gatewayResponses: [String: DeployedGatewayResponse])
        /// With the snapshot the stage came from: the request reads functions and access rules from it too.
        case matched(DeployedStage, RoutingTable.Match, deployed: DeployedStages)

        /// Whether no backend is involved: a rejection, or a MOCK integration (perhaps behind an
        /// authorizer, whose cached result may still let it be answered at once).
        public var hasNoBackend: Bool {
            guard case .matched(_, let match, _) = self else { return true }
            return match.method.integration?.type == "MOCK"
        }

        /// Whether answering needs I/O (a backend call); without it the answer can be given at once.
        public var needsIO: Bool {
            guard case .matched(_, let match, _) = self else { return false }
            return (match.method.integration.map { $0.type != "MOCK" } ?? false) || Authorize.needsIO(match.method)
        }
    }

    /// How a request can be answered without I/O: nothing to wait for, or a cached authorizer
    /// result to use. Nil when answering needs I/O (a backend, an authorizer to call).
    public struct ImmediateAnswer: Sendable {
        let cachedAuthorization: AuthorizerCache.Entry?

        public static let nothingToWaitFor = ImmediateAnswer(cachedAuthorization: nil)
    }

    /// Whether `request` (its head; the body may not have arrived) can be answered without I/O.
    public func immediateAnswer(_ route: Route, head request: IncomingRequest, target: InvokeTarget) -> ImmediateAnswer? {
        guard route.needsIO else { return .nothingToWaitFor }
        guard route.hasNoBackend, case .matched(let stage, let match, _) = route else { return nil }
        // Ids and clocks are not needed to find the identity: a bare invocation will do.
        var bare = Invocation(request: request, target: target, stage: stage, match: match, requestID: "", extendedRequestID: "", requestTime: .distantPast)
        bare.accountID = accountID
        return authorization.cachedDecision(for: bare).map { ImmediateAnswer(cachedAuthorization: $0) }
    }

    public func route(method: String, target: InvokeTarget) -> Route {
        let deployed = directory.current
        guard let stage = deployed.stage(api: target.apiID, name: target.stage) else {
            return .rejected(.missingAuthenticationToken, gatewayResponses: [:])
        }
        guard let match = stage.routes.match(method: method, path: target.path) else {
            return .rejected(.missingAuthenticationToken, gatewayResponses: stage.api.gatewayResponses)
        }
        return .matched(stage, match, deployed: deployed)
    }

    public func handle(_ request: IncomingRequest, target: InvokeTarget) async -> OutgoingResponse {
        let route = route(method: request.method, target: target)
        guard route.needsIO, case .matched(let stage, let match, let deployed) = route else {
            return respondWithoutIO(request, target: target, route: route, answer: .nothingToWaitFor)
        }
        var invocation = invocation(request, target, stage, match, deployed)
        var log = executionLog(for: invocation)
        do throws(GatewayError) {
            try methodRequest(&invocation, log: &log)
            try await authorization.authorize(&invocation, log: &log)
            try admission(&invocation, log: &log)
            let response = try await integrate(invocation, log: &log)
            log?.methodResponse(response)
            return finished(response, invocation, log: log)
        } catch {
            log?.failure(error)
            return finished(GatewayResponses.render(error, customized: stage.api.gatewayResponses, invocation: invocation), invocation, log: log)
        }
    }

    /// An execution log for a request to a stage that logs, started with the Method Request lines.
    private func executionLog(for invocation: Invocation) -> ExecutionLog? {
        guard invocation.stage.logs else { return nil }
        var log = ExecutionLog(requestID: invocation.requestID, extendedRequestID: invocation.extendedRequestID)
        log.methodRequest(invocation)
        return log
    }

    /// The answer for a request that needs no I/O (see `immediateAnswer`), computed at once: the
    /// server calls this on the event loop, without a task per request.
    public func respondWithoutIO(_ request: IncomingRequest, target: InvokeTarget, route: Route, answer: ImmediateAnswer) -> OutgoingResponse {
        switch route {
        case .rejected(let error, let customized):
            var response = GatewayResponses.render(error, customized: customized)
            response.headers.append(("x-amzn-RequestId", RequestID.next()))
            response.headers.append(("x-amz-apigw-id", Self.extendedRequestID()))
            return response
        case .matched(let stage, let match, let deployed):
            var invocation = invocation(request, target, stage, match, deployed)
            var log = executionLog(for: invocation)
            do throws(GatewayError) {
                try methodRequest(&invocation, log: &log)
                if let cached = answer.cachedAuthorization { try authorization.apply(cached, to: &invocation, log: &log) }
                try admission(&invocation, log: &log)
                guard let integration = match.method.integration else { throw .configurationError }
                let response = try MockIntegration.invoke(invocation, integration, log: &log)
                log?.methodResponse(response)
                return finished(response, invocation, log: log)
            } catch {
                log?.failure(error)
                return finished(GatewayResponses.render(error, customized: stage.api.gatewayResponses, invocation: invocation), invocation, log: log)
            }
        }
    }

    private func invocation(
        _ request: IncomingRequest, _ target: InvokeTarget, _ stage: DeployedStage, _ match: RoutingTable.Match, _ deployed: DeployedStages
    ) -> Invocation {
        var invocation = Invocation(
            request: request, target: target, stage: stage, match: match, requestID: RequestID.next(),
            extendedRequestID: Self.extendedRequestID(), requestTime: Date())
        invocation.accountID = accountID
        invocation.access = deployed.access[stage.region] ?? AccessTable()
        return invocation
    }

    /// Method Request up to the authorizer, in AWS's order: payload size, throttles, the
    /// endpoint, resource policy and IAM signature.
    private func methodRequest(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) {
        guard invocation.request.body.count <= Self.maxPayloadBytes else { throw .requestTooLarge }
        try throttling.check(invocation, log: &log)
        try authorization.authenticate(&invocation, log: &log)
    }

    /// Method Request after the authorizer: the usage plan's key check, then the request validator.
    private func admission(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) {
        try apiKeys.check(&invocation, log: &log)
        try MethodRequest.validate(invocation, log: &log)
    }

    /// Every answer carries AWS's two request ids; a logging stage gets its log lines.
    private func finished(_ response: OutgoingResponse, _ invocation: Invocation, log: ExecutionLog? = nil) -> OutgoingResponse {
        var response = response
        response.headers.append(("x-amzn-RequestId", invocation.requestID))
        response.headers.append(("x-amz-apigw-id", invocation.extendedRequestID))
        if invocation.stage.logs {
            let latency = Date().timeIntervalSince(invocation.requestTime) * 1000
            stageLogs.write(invocation, response: response, log: log, latency: latency, integrationLatency: nil)
        }
        return response
    }

    /// Integration Request → Integration → Integration Response, by integration type.
    /// `log` collects an execution log when one is wanted (TestInvokeMethod).
    func integrate(_ invocation: Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse {
        guard let integration = invocation.match.method.integration else { throw .configurationError }
        switch integration.type {
        case "MOCK": return try MockIntegration.invoke(invocation, integration, log: &log)
        case "HTTP_PROXY": return try await http.proxy(invocation, integration)
        case "HTTP": return try await http.http(invocation, integration, log: &log)
        case "AWS_PROXY": return try await lambda.proxy(invocation, integration, log: &log)
        case "AWS": return try await lambda.invoke(invocation, integration, log: &log)
        default: throw .configurationError
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

    /// An id shaped like AWS's `x-amz-apigw-id` (`cDEFghIJoAMEbXg=`).
    static func extendedRequestID() -> String { RequestID.base64(count: 15) + "=" }
}

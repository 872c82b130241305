import AsyncHTTPClient
import Foundation
import GatehouseFunctions
import GatehouseModel

/// The data plane: answers requests to deployed stages.
///
/// A request loads the current `DeployedStages` once (an atomic load, no lock), routes to a
/// deployed method and goes down the method's list of steps (`Pipeline`: throttle →
/// authenticate → authorize → API key → validate → integrate). Requests that need no I/O are
/// answered on the event loop (`prepareWithoutIO`, `answerWithoutIO`); the rest in a task
/// (`handle`). The store is never touched here.
public struct Gateway: Sendable {
    /// API Gateway's payload limit.
    public static let maxPayloadBytes = 10 * 1024 * 1024

    public let directory: StageDirectory
    /// The steps methods compile to.
    public let pipeline: Pipeline
    let stageLogs: StageLogs
    let accountID: String
    /// Lambda authorizer results; `FlushStageAuthorizersCache` empties a stage's.
    public let authorizerCache: AuthorizerCache
    /// Stages' response caches; `FlushStageCache` empties one.
    public let responseCaches: ResponseCaches
    /// Request counts per usage plan and key; the control plane reads them for GetUsage.
    public let usage: QuotaMeter
    /// Token buckets; the deployer resolves usage plans' buckets from it.
    public let limiter: RateLimiter
    /// This node's open WebSocket connections.
    public let connections = ConnectionRegistry()
    public let webSocketSettings: WebSocketSettings
    /// How AWS services are reached (integrations, and requests passed on from the listener).
    public let services: AWSServices
    let http: HTTPIntegration
    /// Function calls (function URLs invoke through it) and SigV4 checks (their `AWS_IAM` callers).
    let lambda: LambdaIntegration
    let signatures: SignatureCheck?
    /// Where stages count their requests for CloudWatch; nil when metrics are off.
    public let metrics: MetricRecorder?
    /// Where the spans of sampled requests go; nil when no exporter is configured.
    let spans: (any SpanSink)?

    /// `relaxedLambdaPermissions` lets proxy integrations call functions whose policy does not
    /// allow API Gateway (AWS requires `lambda add-permission`).
    /// `signatures` checks SigV4 on `AWS_IAM` methods; `cognitoJWKS` maps user pool ids to where
    /// their keys are (a URL or a file) when not at the pool's public address; `vpceHeader`
    /// carries the VPC endpoint id of calls to PRIVATE APIs; `webSocketSettings` bounds WebSocket
    /// connections; `responseCaches` holds the stage caches; `upstreams` are what VPC links reach;
    /// `services` is how `AWS` integrations reach services other than Lambda.
    public init(
        directory: StageDirectory, httpClient: HTTPClient, catalog: FunctionCatalog, invoker: Invoker, async: AsyncInvocations,
        accountID: String, logs: any LogSink,
        relaxedLambdaPermissions: Bool = false, usage: QuotaMeter = QuotaMeter(), signatures: SignatureCheck? = nil,
        cognitoJWKS: [String: String] = [:], vpceHeader: String = "x-apigw-vpce-id", webSocketSettings: WebSocketSettings = WebSocketSettings(),
        responseCaches: ResponseCaches = ResponseCaches(), upstreams: UpstreamSets = UpstreamSets(), services: AWSServices = AWSServices(),
        metrics: MetricRecorder? = nil, spans: (any SpanSink)? = nil
    ) {
        self.metrics = metrics
        self.spans = spans
        let limiter = RateLimiter()
        let http = HTTPIntegration(client: httpClient, upstreams: upstreams)
        let keys = JWKSKeys(client: httpClient)
        let lambda = LambdaIntegration(
            functions: .init(catalog: catalog, invoker: invoker, async: async), accountID: accountID, relaxedPermissions: relaxedLambdaPermissions)
        let cache = AuthorizerCache()
        self.directory = directory
        self.services = services
        self.http = http
        self.lambda = lambda
        self.signatures = signatures
        self.limiter = limiter
        self.usage = usage
        self.stageLogs = StageLogs(sink: logs)
        self.authorizerCache = cache
        self.responseCaches = responseCaches
        self.accountID = accountID
        self.webSocketSettings = webSocketSettings
        self.pipeline = Pipeline(
            throttle: ThrottleStep(limiter: limiter),
            authenticate: AuthenticateStep(signatures: signatures, vpceHeader: vpceHeader),
            authorize: AuthorizeStep(lambda: lambda, cache: cache, cognito: CognitoAuthorizer(keys: keys, jwksLocations: cognitoJWKS)),
            apiKey: APIKeyStep(limiter: limiter),
            integrate: IntegrateStep(http: http, lambda: lambda, services: AWSServiceIntegration(services: services, http: http)), throttleHTTPAPI: HTTPThrottleStep(limiter: limiter),
            authorizeJWT: JWTAuthorizerStep(keys: keys, jwksLocations: cognitoJWKS),
            authorizeLambda: HTTPLambdaAuthorizerStep(lambda: lambda, cache: cache),
            authorizeIAM: HTTPIAMAuthorizerStep(signatures: signatures),
            integrateHTTPAPI: HTTPIntegrateStep(http: http, lambda: lambda),
            throttleWebSocket: WebSocketThrottleStep(limiter: limiter), authorizeWebSocketLambda: WebSocketLambdaAuthorizerStep(lambda: lambda),
            authorizeWebSocketIAM: WebSocketIAMAuthorizerStep(signatures: signatures), webSocketAPIKey: WebSocketAPIKeyStep(),
            integrateWebSocket: WebSocketIntegrateStep(http: http, lambda: lambda))
    }

    /// Where a request goes, decided from its method and invoke URL alone.
    public enum Route: Sendable {
        /// The gateway answers itself (no such stage, resource or method).
        case rejected(GatewayError, gatewayResponses: [String: DeployedGatewayResponse])
        /// With the snapshot the stage came from: the request reads the access rules from it too.
        case matched(DeployedStage, RoutingTable.Match, deployed: DeployedStages)
    }

    public func route(method: String, target: InvokeTarget) -> Route {
        let deployed = directory.current
        guard let stage = deployed.stage(api: target.apiID, name: target.stage)?.pickRelease() else {
            return .rejected(target.domainPath == nil ? .missingAuthenticationToken : .unmappedDomainPath, gatewayResponses: [:])
        }
        guard let match = stage.routes.match(method: method, path: target.path) else {
            return .rejected(.missingAuthenticationToken, gatewayResponses: stage.api.gatewayResponses)
        }
        return .matched(stage, match, deployed: deployed)
    }

    /// A request routed and ready to be answered without I/O once its body has arrived.
    public struct Prepared: Sendable {
        fileprivate var route: Route
        fileprivate var invocation: Invocation?
    }

    /// Whether the request whose head this is can be answered without I/O: a rejection, or a
    /// method none of whose steps needs I/O for it (a MOCK, behind at most a cached authorizer).
    public func prepareWithoutIO(_ head: IncomingRequest, target: InvokeTarget) -> Prepared? {
        // HTTP APIs have no integration that answers without I/O.
        guard directory.current.httpStages[target.apiID] == nil else { return nil }
        let route = route(method: head.method, target: target)
        guard case .matched(let stage, let match, let deployed) = route else { return Prepared(route: route, invocation: nil) }
        var invocation = invocation(head, target, stage, match, deployed)
        guard match.method.steps.prepare(&invocation) else { return nil }
        return Prepared(route: route, invocation: invocation)
    }

    /// The answer to a prepared request, computed at once: the server calls this on the event loop.
    public func answerWithoutIO(_ prepared: Prepared, body: Data) -> OutgoingResponse {
        guard var invocation = prepared.invocation else { return rejection(prepared.route) }
        invocation.request.body = body
        stamp(&invocation)
        var log = executionLog(for: invocation)
        let result = Result { () throws(GatewayError) in
            // Prepared requests never wait; if one did, its method was compiled wrong.
            guard let response = try invocation.match.method.steps.answerWithoutIO(&invocation, log: &log) else { throw .configurationError }
            return response
        }
        return finished(result, invocation, log: log)
    }

    /// Answers a request, awaiting the steps that need I/O.
    public func handle(_ request: IncomingRequest, target: InvokeTarget) async -> OutgoingResponse {
        if let stages = directory.current.httpStages[target.apiID] { return await handleHTTPAPI(request, target: target, stages: stages) }
        let route = route(method: request.method, target: target)
        guard case .matched(let stage, let match, let deployed) = route else { return rejection(route) }
        var invocation = invocation(request, target, stage, match, deployed)
        stamp(&invocation)
        var log = executionLog(for: invocation)
        let result: Result<OutgoingResponse, GatewayError>
        do throws(GatewayError) {
            result = .success(try await match.method.steps.answer(&invocation, log: &log))
        } catch {
            result = .failure(error)
        }
        return finished(result, invocation, log: log)
    }

    private func invocation(
        _ request: IncomingRequest, _ target: InvokeTarget, _ stage: DeployedStage, _ match: RoutingTable.Match, _ deployed: DeployedStages
    ) -> Invocation {
        var invocation = Invocation(request: request, target: target, stage: stage, match: match, requestID: "", extendedRequestID: "", requestTime: .distantPast)
        invocation.accountID = accountID
        invocation.access = deployed.access[stage.region] ?? AccessTable()
        invocation.vpcLinks = deployed.vpcLinks
        invocation.rolePolicies = deployed.rolePolicies
        if !deployed.webACLs.isEmpty { invocation.webACL = deployed.webACLs["\(stage.apiID)/\(stage.name)"] }
        return invocation
    }

    /// AWS's two request ids and the time, given when the request is answered.
    private func stamp(_ invocation: inout Invocation) {
        invocation.requestID = RequestID.next()
        invocation.extendedRequestID = Self.extendedRequestID()
        invocation.requestTime = Date()
        invocation.startTrace()
    }

    /// A request the gateway answers without routing it to a method.
    private func rejection(_ route: Route) -> OutgoingResponse {
        guard case .rejected(let error, let customized) = route else { return GatewayResponses.render(.configurationError, customized: [:]) }
        var response = GatewayResponses.render(error, customized: customized)
        response.headers.append(("x-amzn-RequestId", RequestID.next()))
        response.headers.append(("x-amz-apigw-id", Self.extendedRequestID()))
        return response
    }

    /// An execution log for a request to a stage that logs, started with the Method Request lines.
    private func executionLog(for invocation: Invocation) -> ExecutionLog? {
        guard invocation.stage.logs else { return nil }
        var log = ExecutionLog(requestID: invocation.requestID, extendedRequestID: invocation.extendedRequestID)
        log.methodRequest(invocation)
        return log
    }

    /// The method response, or the error's gateway response; AWS's two request ids on it; a
    /// logging stage's log lines written.
    private func finished(_ result: Result<OutgoingResponse, GatewayError>, _ invocation: Invocation, log: ExecutionLog?) -> OutgoingResponse {
        var log = log
        var response: OutgoingResponse
        switch result {
        case .success(let answer):
            response = answer
            log?.methodResponse(response)
        case .failure(let error):
            log?.failure(error)
            response = GatewayResponses.render(error, customized: invocation.stage.api.gatewayResponses, invocation: invocation)
        }
        response.headers.append(("x-amzn-RequestId", invocation.requestID))
        response.headers.append(("x-amz-apigw-id", invocation.extendedRequestID))
        if invocation.stage.logs || invocation.stage.metrics != nil {
            let latency = Date().timeIntervalSince(invocation.requestTime) * 1000
            let stage = invocation.stage
            let detailed = stage.detailedMetrics.isEmpty ? nil : stage.detailedMetrics["\(invocation.match.method.httpMethod) \(invocation.match.resource.path)"]
            for metrics in [stage.metrics, detailed] {
                metrics?.record(status: response.status, latency: latency, integrationLatency: invocation.integrationLatency, cacheHit: invocation.cacheHit)
            }
            if invocation.stage.logs {
                stageLogs.write(invocation, response: response, log: log, latency: latency, integrationLatency: invocation.integrationLatency)
            }
        }
        if let spans, invocation.trace.sampled { Self.recordSpans(invocation, response: response, into: spans) }
        return response
    }

    /// An id shaped like AWS's `x-amz-apigw-id` (`cDEFghIJoAMEbXg=`).
    static func extendedRequestID() -> String { RequestID.base64(count: 15) + "=" }
}

import Foundation
import GatehouseModel

/// One request on its way through a deployed stage: what came in, where it routed, and the
/// identifiers AWS puts on every answer.
public struct Invocation: Sendable {
    public var request: IncomingRequest
    public var target: InvokeTarget
    public var stage: DeployedStage
    public var match: RoutingTable.Match
    public var requestID: String
    /// `x-amz-apigw-id`.
    public var extendedRequestID: String
    public var requestTime: Date
    /// The request's X-Ray trace, passed on to the integration.
    public var trace = TraceHeader.unstamped
    /// The stage's web ACL, when one is associated with it.
    public var webACL: WebACLMatcher?
    /// The caller's span, when its trace header named one.
    public var callerSpanID: String?
    /// When an authorizer that needed I/O started (epoch seconds) and how long it took (ms).
    public var authorizerStarted: Double?
    public var authorizerLatency: Double?
    /// When the integration started (epoch seconds) and how long it took (ms), once it ran.
    public var integrationStarted: Double?
    public var integrationLatency: Double?
    /// Whether the stage cache answered; nil where it does not apply.
    public var cacheHit: Bool?
    /// API keys, usage plans and the account throttle of the stage's region.
    public var access = AccessTable()
    public var accountID = ""
    /// REST VPC links' upstream set names, by link id.
    public var vpcLinks: [String: String] = [:]
    /// IAM roles' identity policies, by `{account}/{role name in lower case}`.
    public var rolePolicies: [String: [IAMPolicy]] = [:]
    /// What authentication established about the caller (`apiKey`, `apiKeyId`, `user`…),
    /// shown as `$context.identity.*`.
    public var identity: [String: String] = [:]
    /// What the method's authorizer answered.
    public var authorizer = AuthorizerResult()
    /// A Lambda authorizer's cached result, found while preparing the request.
    var cachedAuthorization: AuthorizerCache.Entry?
    /// The stage cache's answer, found while preparing the request.
    var cachedResponse: OutgoingResponse?

    /// Whether the request's body is binary: its Content-Type is one of the API's binary media types.
    var hasBinaryBody: Bool { ContentHandling.isBinary(request.header("Content-Type"), stage.api.binaryMediaTypes) }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{resource path}`: the source
    /// ARN a Lambda function's policy sees.
    var resourceARN: String { methodARN(path: match.resource.path) }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` with the request's
    /// own path, as authorizers and resource policies see the method.
    var methodARN: String { methodARN(path: target.path) }

    private func methodARN(path: String) -> String {
        "arn:aws:execute-api:\(stage.region):\(accountID):\(stage.apiID)/\(stage.name)/\(request.method)\(path)"
    }

    /// `method.request.{path,querystring,header}.NAME`, `stageVariables.NAME`, `context.NAME`
    /// or a `'literal'`, as request parameter mappings name their sources.
    public func value(of source: String) -> String? {
        ParameterSource(source).value(in: self)
    }

    /// `text` with `${stageVariables.x}` replaced by the stage's variables.
    public func substitutingStageVariables(_ text: String) -> String {
        guard text.contains("${stageVariables.") else { return text }
        var result = text
        for (name, value) in stage.variables {
            result = result.replacingOccurrences(of: "${stageVariables.\(name)}", with: value)
        }
        return result
    }
}

/// A request value as mappings and identity sources name it: `method.request.{path,querystring,header}.NAME`,
/// `stageVariables.NAME`, `context.NAME` or a `'literal'`. Parse once (per deployment) where the
/// same source is read on every request.
enum ParameterSource: Sendable {
    case literal(String)
    case path(String)
    case querystring(String)
    case header(String)
    case stageVariable(String)
    case context(String)
    case unknown

    init(_ source: String) {
        if let literal = GatewayResponses.literal(source) {
            self = .literal(literal)
        } else if let name = source.dropPrefix("method.request.path.") {
            self = .path(name)
        } else if let name = source.dropPrefix("method.request.querystring.") {
            self = .querystring(name)
        } else if let name = source.dropPrefix("method.request.header.") {
            self = .header(name)
        } else if let name = source.dropPrefix("stageVariables.") {
            self = .stageVariable(name)
        } else if let name = source.dropPrefix("context.") {
            self = .context(name)
        } else {
            self = .unknown
        }
    }

    func value(in invocation: Invocation) -> String? {
        switch self {
        case .literal(let text): text
        case .path(let name): invocation.match.pathParameters[name]
        case .querystring(let name): invocation.request.queryItems.first { $0.name == name }?.value
        case .header(let name): invocation.request.header(name)
        case .stageVariable(let name): invocation.stage.variables[name]
        case .context(let name): invocation.contextVariables[name]
        case .unknown: nil
        }
    }
}

extension String {
    /// The text with all but its last `count` characters replaced by `*`, as AWS shows account
    /// ids and API keys in messages and logs.
    func masked(showingLast count: Int) -> String {
        String(repeating: "*", count: max(self.count - count, 0)) + suffix(count)
    }
}

extension Invocation {
    /// Takes the request's X-Ray trace (or starts one, sampled when the stage has
    /// `tracingEnabled`) and gives the gateway a segment of its own in it.
    mutating func startTrace() {
        let incoming = TraceHeader(request.header("X-Amzn-Trace-Id"), sampled: stage.tracingEnabled)
        callerSpanID = incoming.parent
        trace = incoming.child()
    }
}

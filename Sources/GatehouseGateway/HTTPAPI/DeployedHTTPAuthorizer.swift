import GatehouseModel

/// An HTTP API authorizer as deployed: a JWT authorizer's issuer and audiences, a Lambda
/// (`REQUEST`) authorizer's function, payload format, response kind and cache, and the identity
/// sources either reads.
struct DeployedHTTPAuthorizer: Sendable {
    var id: String
    var type: String
    var identitySources: [HTTPIdentitySource]
    var issuer: String?
    var audience: [String]
    var uri: String?
    var payloadFormatVersion: String
    var simpleResponses: Bool
    var ttlSeconds: Int

    init(_ json: JSON) {
        id = json["AuthorizerId"]?.stringValue ?? ""
        type = json["AuthorizerType"]?.stringValue ?? ""
        identitySources = (json["IdentitySource"]?.arrayValue ?? []).compactMap { $0.stringValue.map(HTTPIdentitySource.init) }
        issuer = json["JwtConfiguration"]?["Issuer"]?.stringValue
        audience = json["JwtConfiguration"]?["Audience"]?.arrayValue?.compactMap(\.stringValue) ?? []
        uri = json["AuthorizerUri"]?.stringValue
        payloadFormatVersion = json["AuthorizerPayloadFormatVersion"]?.stringValue ?? "2.0"
        simpleResponses = json["EnableSimpleResponses"] == true
        ttlSeconds = json["AuthorizerResultTtlInSeconds"]?.intValue ?? 0
    }
}

/// Where an HTTP API authorizer reads an identity: `$request.header.NAME`,
/// `$request.querystring.NAME`, `$context.NAME` or `$stageVariables.NAME`.
enum HTTPIdentitySource: Sendable {
    case header(String)
    case querystring(String)
    case context(String)
    case stageVariable(String)
    case unknown

    init(_ text: String) {
        if let name = text.dropPrefix("$request.header.") {
            self = .header(name)
        } else if let name = text.dropPrefix("$request.querystring.") {
            self = .querystring(name)
        } else if let name = text.dropPrefix("$context.") {
            self = .context(name)
        } else if let name = text.dropPrefix("$stageVariables.") {
            self = .stageVariable(name)
        } else {
            self = .unknown
        }
    }

    func value(in invocation: HTTPInvocation) -> String? {
        switch self {
        case .header(let name): invocation.request.header(name)
        case .querystring(let name): invocation.request.queryItems.first { $0.name == name }?.value
        case .context(let name): name == "routeKey" ? invocation.route.routeKey : name == "requestId" ? invocation.requestID : nil
        case .stageVariable(let name): invocation.stage.variables[name]
        case .unknown: nil
        }
    }
}

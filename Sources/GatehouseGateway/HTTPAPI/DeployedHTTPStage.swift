import Foundation
import GatehouseModel

/// One stage of an HTTP API as callers see it: the deployment it points at, compiled — routes in
/// a table, each with its integration and list of steps — plus the stage's settings.
public final class DeployedHTTPStage: Sendable {
    public let apiID: String
    public let region: String
    /// `$default` or a name; a named stage's requests carry it as their first path segment.
    public let name: String
    public let deploymentID: String
    public let variables: [String: String]
    let routes: HTTPRouteTable
    /// The API's authorizers by id.
    let authorizers: [String: DeployedHTTPAuthorizer]
    /// The API's CORS configuration, when it has one.
    let cors: CORSRules?
    /// `DefaultRouteSettings`' throttle, and `RouteSettings`' by route key.
    let defaultThrottle: Throttle?
    let routeThrottles: [String: Throttle]
    /// `AccessLogSettings`: the format and the log group.
    let accessLog: (format: String, group: String)?
    /// Where its requests are counted for CloudWatch; nil when metrics are off.
    let metrics: StageMetrics?
    /// Detailed metrics by route key, for the routes whose settings enable them.
    let routeMetrics: [String: StageMetrics]

    public init(
        apiID: String, stage: JSON, snapshot: JSON, pipeline: Pipeline, region: String, metrics: StageMetrics? = nil,
        routeMetrics: [String: StageMetrics] = [:]
    ) {
        self.apiID = apiID
        self.metrics = metrics
        self.routeMetrics = routeMetrics
        self.region = region
        name = stage["StageName"]?.stringValue ?? "$default"
        deploymentID = stage["DeploymentId"]?.stringValue ?? ""
        variables = (stage["StageVariables"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        cors = CORSRules(snapshot["Api"]?["CorsConfiguration"])
        defaultThrottle = Throttle(routeSettings: stage["DefaultRouteSettings"])
        routeThrottles = (stage["RouteSettings"]?.objectValue ?? [:]).compactMapValues { Throttle(routeSettings: $0) }
        accessLog = StageLogs.accessLog(of: stage)
        let integrations = (snapshot["Integrations"] ?? []).indexed(by: "IntegrationId", DeployedHTTPIntegration.init)
        let routes = (snapshot["Routes"]?.arrayValue ?? []).compactMap { route -> DeployedRoute? in
            guard var deployed = DeployedRoute(route, integrations: integrations) else { return nil }
            deployed.steps = pipeline.steps(for: deployed)
            return deployed
        }
        self.routes = HTTPRouteTable(routes)
        authorizers = (snapshot["Authorizers"] ?? []).indexed(by: "AuthorizerId", DeployedHTTPAuthorizer.init)
    }
}

/// A route as deployed: its key, authorization and integration, and the steps a request to it
/// goes through.
struct DeployedRoute: Sendable {
    var routeKey: String
    /// The method of the key (`ANY` for `ANY /x`), or nil for `$default`.
    var method: String?
    /// The path of the key (`/pets/{id}`), or nil for `$default`.
    var path: String?
    var authorizationType: String
    var authorizerID: String?
    /// The scopes a JWT must hold one of (none: any token of the authorizer will do).
    var authorizationScopes: [String]
    var integration: DeployedHTTPIntegration?
    var steps: [any GatewayStep<HTTPInvocation>] = []

    init?(_ json: JSON, integrations: [String: DeployedHTTPIntegration]) {
        guard let key = json["RouteKey"]?.stringValue else { return nil }
        routeKey = key
        if key != "$default" {
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            method = parts[0]
            path = parts[1]
        }
        authorizationType = json["AuthorizationType"]?.stringValue ?? "NONE"
        authorizerID = json["AuthorizerId"]?.stringValue
        authorizationScopes = json["AuthorizationScopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let target = json["Target"]?.stringValue ?? ""
        integration = target.hasPrefix("integrations/") ? integrations[String(target.dropFirst("integrations/".count))] : nil
    }
}

/// How a route reaches its backend: a function (`AWS_PROXY`, payload format 1.0 or 2.0) or an
/// HTTP endpoint (`HTTP_PROXY`).
struct DeployedHTTPIntegration: Sendable {
    var type: String
    var uri: String
    var method: String
    var payloadFormatVersion: String
    var timeoutMillis: Int
    /// `INTERNET`, or `VPC_LINK`: a private integration whose URI is a load balancer listener's ARN.
    var connectionType: String
    /// `CredentialsArn`: the role API Gateway assumes to call the backend.
    var credentials: String?
    /// How the request is changed on its way to the backend.
    var requestParameters: ParameterMapping
    /// How the response is changed on its way back, by the backend's status code.
    var responseParameters: [Int: ParameterMapping]

    init(_ json: JSON) {
        type = json["IntegrationType"]?.stringValue ?? ""
        uri = json["IntegrationUri"]?.stringValue ?? ""
        method = json["IntegrationMethod"]?.stringValue ?? "ANY"
        payloadFormatVersion = json["PayloadFormatVersion"]?.stringValue ?? "1.0"
        timeoutMillis = json["TimeoutInMillis"]?.intValue ?? 30_000
        credentials = json["CredentialsArn"]?.stringValue
        connectionType = json["ConnectionType"]?.stringValue ?? "INTERNET"
        requestParameters = ParameterMapping((json["RequestParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue))
        var responses: [Int: ParameterMapping] = [:]
        for (status, mapping) in json["ResponseParameters"]?.objectValue ?? [:] {
            if let code = Int(status) { responses[code] = ParameterMapping((mapping.objectValue ?? [:]).compactMapValues(\.stringValue)) }
        }
        responseParameters = responses
    }
}

/// An HTTP API's routes: the route for a method and path — its exact method, else `ANY`, most
/// specific path first (`PathTrie`), else the `$default` route.
struct HTTPRouteTable: Sendable {
    private let trie: PathTrie<[String: DeployedRoute]>
    private let defaultRoute: DeployedRoute?

    init(_ routes: [DeployedRoute]) {
        var byPath: [String: [String: DeployedRoute]] = [:]
        for route in routes {
            guard let path = route.path, let method = route.method else { continue }
            byPath[path, default: [:]][method] = route
        }
        trie = PathTrie(byPath.map { ($0.key, $0.value) })
        defaultRoute = routes.first { $0.routeKey == "$default" }
    }

    /// The route a request goes to and its path parameters, or nil (AWS answers 404 Not Found).
    func match(method: String, path: String) -> (route: DeployedRoute, pathParameters: [String: String])? {
        if let (methods, parameters) = trie.match(path, accepts: { $0[method] != nil || $0["ANY"] != nil }),
            let route = methods[method] ?? methods["ANY"]
        {
            return (route, parameters)
        }
        return defaultRoute.map { ($0, [:]) }
    }
}

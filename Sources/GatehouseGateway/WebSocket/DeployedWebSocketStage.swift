import Foundation
import GatehouseModel

/// One stage of a WebSocket API as clients see it: the deployment it points at, compiled —
/// routes by key, each with its integration and steps — plus the stage's settings.
public final class DeployedWebSocketStage: Sendable {
    public let apiID: String
    public let region: String
    public let name: String
    public let deploymentID: String
    public let variables: [String: String]
    /// `RouteSelectionExpression`: which member of a message names its route.
    let routeSelection: SelectionExpression
    /// Whether `$connect`'s API key comes from what its authorizer returned
    /// (`$context.authorizer.usageIdentifierKey`) rather than the `x-api-key` header.
    let apiKeyFromAuthorizer: Bool
    let routes: [String: WebSocketRoute]
    let authorizers: [String: DeployedWebSocketAuthorizer]
    /// `DefaultRouteSettings`, and `RouteSettings` by route key.
    let defaultSettings: WebSocketRouteSettings
    let routeSettings: [String: WebSocketRouteSettings]
    /// `AccessLogSettings`: the format and the log group.
    let accessLog: (format: String, group: String)?
    /// Where its events are counted for CloudWatch; nil when metrics are off.
    let metrics: WebSocketMetrics?

    init(apiID: String, stage: JSON, snapshot: JSON, pipeline: Pipeline, region: String, recorder: MetricRecorder? = nil, account: String = "") {
        self.apiID = apiID
        metrics = recorder.map {
            WebSocketMetrics(recorder: $0, account: account, region: region, apiID: apiID, stage: stage["StageName"]?.stringValue ?? "")
        }
        self.region = region
        name = stage["StageName"]?.stringValue ?? ""
        deploymentID = stage["DeploymentId"]?.stringValue ?? ""
        variables = (stage["StageVariables"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        routeSelection = SelectionExpression(snapshot["Api"]?["RouteSelectionExpression"]?.stringValue ?? "$request.body.action")
        apiKeyFromAuthorizer = snapshot["Api"]?["ApiKeySelectionExpression"]?.stringValue == "$context.authorizer.usageIdentifierKey"
        defaultSettings = WebSocketRouteSettings(stage["DefaultRouteSettings"])
        routeSettings = (stage["RouteSettings"]?.objectValue ?? [:]).mapValues(WebSocketRouteSettings.init)
        accessLog = StageLogs.accessLog(of: stage)
        let integrations = (snapshot["Integrations"] ?? []).indexed(by: "IntegrationId", DeployedWebSocketIntegration.init)
        var routes: [String: WebSocketRoute] = [:]
        for json in snapshot["Routes"]?.arrayValue ?? [] {
            guard var route = WebSocketRoute(json, integrations: integrations) else { continue }
            route.steps = pipeline.steps(for: route)
            routes[route.key] = route
        }
        self.routes = routes
        authorizers = (snapshot["Authorizers"] ?? []).indexed(by: "AuthorizerId", DeployedWebSocketAuthorizer.init)
    }

    /// The route a message goes to: the key its selection expression reads (never one of the
    /// `$` routes), else `$default`; nil when neither exists.
    func route(for message: String) -> WebSocketRoute? {
        if let key = routeSelection.evaluate(body: message), !key.hasPrefix("$"), let route = routes[key] { return route }
        return routes["$default"]
    }

    /// A route's settings: its own `RouteSettings` entry where it sets one, else the default's.
    func settings(for routeKey: String) -> WebSocketRouteSettings {
        routeSettings[routeKey].map { $0.over(defaultSettings) } ?? defaultSettings
    }
}

/// A route as deployed: its key, authorization and integration, whether it answers (a
/// `$default` route response makes it two-way), and the steps an event to it goes through.
struct WebSocketRoute: Sendable {
    var key: String
    var authorizationType: String
    var authorizerID: String?
    var apiKeyRequired: Bool
    var integration: DeployedWebSocketIntegration?
    var twoWay: Bool
    var steps: [any GatewayStep<WebSocketInvocation>] = []

    init?(_ json: JSON, integrations: [String: DeployedWebSocketIntegration]) {
        guard let key = json["RouteKey"]?.stringValue else { return nil }
        self.key = key
        authorizationType = json["AuthorizationType"]?.stringValue ?? "NONE"
        authorizerID = json["AuthorizerId"]?.stringValue
        apiKeyRequired = json["ApiKeyRequired"] == true
        let target = json["Target"]?.stringValue ?? ""
        integration = target.hasPrefix("integrations/") ? integrations[String(target.dropFirst("integrations/".count))] : nil
        twoWay = (json["Responses"]?.arrayValue ?? []).contains { $0["RouteResponseKey"] == "$default" }
    }
}

/// A WebSocket API's integration: a function (`AWS_PROXY`, or `AWS` through templates), an HTTP
/// endpoint (`HTTP_PROXY`, or `HTTP` through templates) or `MOCK`, with its integration responses.
struct DeployedWebSocketIntegration: Sendable {
    var type: String
    var uri: String
    var method: String
    var timeoutMillis: Int
    /// `CredentialsArn`: the role API Gateway assumes to call the backend.
    var credentials: String?
    /// `WHEN_NO_MATCH`, `WHEN_NO_TEMPLATES` or `NEVER`: what a message no template matches does.
    var passthroughBehavior: String
    var requestTemplates: [String: MappingTemplate]
    var templateSelection: SelectionExpression
    var responses: [DeployedWebSocketIntegrationResponse]

    init(_ json: JSON) {
        type = json["IntegrationType"]?.stringValue ?? ""
        uri = json["IntegrationUri"]?.stringValue ?? ""
        method = json["IntegrationMethod"]?.stringValue ?? "POST"
        timeoutMillis = json["TimeoutInMillis"]?.intValue ?? 29_000
        credentials = json["CredentialsArn"]?.stringValue
        passthroughBehavior = json["PassthroughBehavior"]?.stringValue ?? "WHEN_NO_MATCH"
        requestTemplates = (json["RequestTemplates"]?.objectValue ?? [:]).compactMapValues { $0.stringValue.map(MappingTemplate.init) }
        templateSelection = SelectionExpression(json["TemplateSelectionExpression"]?.stringValue ?? "\\$default")
        responses = (json["Responses"]?.arrayValue ?? []).map(DeployedWebSocketIntegrationResponse.init)
    }

    /// The integration response for a backend's status code (HTTP, MOCK) or a function's error
    /// message: the first whose `/pattern/` key matches, else `$default`.
    func response(for selector: String) -> DeployedWebSocketIntegrationResponse? {
        responses.first { $0.pattern?.matches(selector) == true } ?? responses.first { $0.key == "$default" }
    }
}

/// An integration response: its key (`$default` or `/regex/`) and the templates that shape what
/// the route sends back.
struct DeployedWebSocketIntegrationResponse: Sendable {
    var key: String
    var pattern: SelectionPattern?
    var templates: [String: MappingTemplate]
    var templateSelection: SelectionExpression

    init(_ json: JSON) {
        key = json["IntegrationResponseKey"]?.stringValue ?? "$default"
        pattern = key.count > 1 && key.hasPrefix("/") && key.hasSuffix("/") ? SelectionPattern(String(key.dropFirst().dropLast())) : nil
        templates = (json["ResponseTemplates"]?.objectValue ?? [:]).compactMapValues { $0.stringValue.map(MappingTemplate.init) }
        templateSelection = SelectionExpression(json["TemplateSelectionExpression"]?.stringValue ?? "\\$default")
    }
}

/// A WebSocket API's authorizer: a `REQUEST` Lambda authorizer on `$connect`, with the identity
/// sources it needs (`route.request.header.Auth`, `route.request.querystring.token`…).
struct DeployedWebSocketAuthorizer: Sendable {
    var id: String
    var uri: String
    var identitySources: [String]

    init(_ json: JSON) {
        id = json["AuthorizerId"]?.stringValue ?? ""
        uri = json["AuthorizerUri"]?.stringValue ?? ""
        identitySources = (json["IdentitySource"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// A route's stage settings: throttle and execution logging.
struct WebSocketRouteSettings: Sendable {
    var throttle: Throttle?
    /// `INFO` or `ERROR`; nil when off.
    var loggingLevel: String?
    var dataTrace: Bool

    init(_ json: JSON?) {
        throttle = Throttle(routeSettings: json)
        let level = json?["LoggingLevel"]?.stringValue
        loggingLevel = level == "OFF" ? nil : level
        dataTrace = json?["DataTraceEnabled"] == true
    }

    /// These settings where they set something, `defaults` elsewhere.
    func over(_ defaults: WebSocketRouteSettings) -> WebSocketRouteSettings {
        var merged = self
        if merged.throttle == nil { merged.throttle = defaults.throttle }
        if merged.loggingLevel == nil { merged.loggingLevel = defaults.loggingLevel }
        merged.dataTrace = merged.dataTrace || defaults.dataTrace
        return merged
    }
}

import Foundation
import GatehouseModel

/// What AWS checks of a WebSocket API and its parts, and the defaults it fills in. Messages are
/// AWS's where recorded (`docs/aws/websocket-behaviour.md`), Gatehouse's own otherwise.
enum WebSocketChecks {
    /// The route keys every WebSocket API may have; custom keys must not start with `$`.
    static let predefinedRouteKeys: Set<String> = ["$connect", "$disconnect", "$default"]

    /// `$request.body.{path}` (or `${request.body.{path}}`): the only route selection WebSocket APIs take.
    static func checkRouteSelection(_ expression: String) throws(AWSError) {
        let pattern = #"^(\$request\.body\.[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*|\$\{request\.body\.[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*\})$"#
        guard expression.range(of: pattern, options: .regularExpression) != nil else {
            throw .badRequest(
                "Invalid route selection expression specified: \(expression). A WebSocket API selects routes by a member of the message body, as in $request.body.action")
        }
    }

    static func checkAPI(_ api: JSON) throws(AWSError) {
        try checkRouteSelection(api["RouteSelectionExpression"]?.stringValue ?? "")
        let keySelection = api["ApiKeySelectionExpression"]?.stringValue ?? "$request.header.x-api-key"
        guard keySelection == "$request.header.x-api-key" || keySelection == "$context.authorizer.usageIdentifierKey" else {
            throw .badRequest(
                "Invalid API key selection expression specified: \(keySelection). Use $request.header.x-api-key or $context.authorizer.usageIdentifierKey")
        }
        if api["CorsConfiguration"] != nil { throw .badRequest("CORS configuration is supported only for HTTP APIs") }
    }

    /// A route: `$connect`, `$disconnect`, `$default` or a key of the API's own; authorization
    /// (IAM or a Lambda authorizer) on `$connect` only.
    static func checkRoute(_ route: JSON) throws(AWSError) {
        let key = route["RouteKey"]?.stringValue ?? ""
        if key.hasPrefix("$"), !predefinedRouteKeys.contains(key) { throw .badRequest("The provided route key is not formatted properly") }
        let authorization = route["AuthorizationType"]?.stringValue ?? "NONE"
        if authorization == "JWT" { throw .badRequest("JWT authorization is supported only for HTTP APIs") }
        if authorization != "NONE", key != "$connect" { throw .badRequest("Currently, authorization is restricted to the $connect route only") }
        if let selection = route["RouteResponseSelectionExpression"]?.stringValue, selection != "$default" {
            throw .badRequest("Invalid route response selection expression specified: \(selection). Currently only $default is supported")
        }
    }

    static func checkRouteResponse(_ response: JSON) throws(AWSError) {
        let key = response["RouteResponseKey"]?.stringValue ?? ""
        guard key == "$default" else {
            throw .badRequest("Invalid route response key specified: \(key). Currently only $default is supported")
        }
    }

    /// An integration of any of the five types, with AWS's WebSocket defaults: payload format
    /// 1.0, a 29 second timeout, `WHEN_NO_MATCH`, `POST` to functions, and the expression its
    /// integration responses are selected by.
    static func checkIntegration(_ integration: inout JSON, input: JSON) throws(AWSError) {
        let type = integration["IntegrationType"]?.stringValue ?? ""
        if type != "MOCK", integration["IntegrationUri"]?.stringValue?.isEmpty != false {
            throw .badRequest("An integration URI is required for \(type) integrations")
        }
        let version = integration["PayloadFormatVersion"]?.stringValue ?? "1.0"
        guard version == "1.0" else {
            throw .badRequest("Invalid payload format version specified: \(version). WebSocket APIs support 1.0 only")
        }
        integration["PayloadFormatVersion"] = "1.0"
        if input["TimeoutInMillis"] == nil, integration["TimeoutInMillis"] == 30000 { integration["TimeoutInMillis"] = 29000 }
        if let timeout = integration["TimeoutInMillis"]?.intValue, !(50...29000).contains(timeout) {
            throw .badRequest("Invalid integration timeout specified: \(timeout). It must be between 50 and 29000 milliseconds")
        }
        integration["PassthroughBehavior"] = integration["PassthroughBehavior"] ?? "WHEN_NO_MATCH"
        switch type {
        case "AWS", "AWS_PROXY":
            let method = integration["IntegrationMethod"]?.stringValue ?? "POST"
            guard method == "POST" else { throw .badRequest("Lambda integrations must use the POST method") }
            integration["IntegrationMethod"] = "POST"
        case "HTTP", "HTTP_PROXY":
            integration["IntegrationMethod"] = integration["IntegrationMethod"] ?? "POST"
        default:
            break
        }
        switch type {
        case "AWS": integration["IntegrationResponseSelectionExpression"] = "${integration.response.body.errorMessage}"
        case "HTTP", "MOCK": integration["IntegrationResponseSelectionExpression"] = "${integration.response.statuscode}"
        default: break
        }
    }

    /// `$default`, or a `/regex/` matched against a status code or a function's error message.
    static func checkIntegrationResponse(_ response: JSON) throws(AWSError) {
        let key = response["IntegrationResponseKey"]?.stringValue ?? ""
        let isPattern = key.count > 2 && key.hasPrefix("/") && key.hasSuffix("/")
        guard key == "$default" || isPattern else {
            throw .badRequest("Invalid integration response key specified: \(key). Use $default or a /regex/ such as /2\\d\\d/")
        }
        if isPattern, (try? NSRegularExpression(pattern: String(key.dropFirst().dropLast()))) == nil {
            throw .badRequest("Invalid integration response key specified: \(key). The pattern is not a valid regular expression")
        }
    }

    /// A Lambda (`REQUEST`) authorizer whose identity comes from the `$connect` request.
    static func checkAuthorizer(_ authorizer: JSON) throws(AWSError) {
        guard authorizer["AuthorizerType"] == "REQUEST" else {
            throw .badRequest(
                "Invalid authorizer type specified for a WebSocket API: \(authorizer["AuthorizerType"]?.stringValue ?? "null"). Use REQUEST")
        }
        guard authorizer["AuthorizerUri"]?.stringValue?.isEmpty == false else {
            throw .badRequest("AuthorizerUri is required for REQUEST authorizers")
        }
        let prefixes = ["route.request.header.", "route.request.querystring.", "stageVariables.", "context."]
        for source in authorizer["IdentitySource"]?.arrayValue ?? [] {
            let text = source.stringValue ?? ""
            guard prefixes.contains(where: { text.hasPrefix($0) && text.count > $0.count }) else {
                throw .badRequest(
                    "Invalid identity source specified: \(text). Use route.request.header.{name}, route.request.querystring.{name}, stageVariables.{name} or context.{name}")
            }
        }
    }
}

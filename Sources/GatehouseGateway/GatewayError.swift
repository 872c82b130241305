import Foundation
import GatehouseModel

/// A request the gateway answers itself, by gateway response type, as AWS does.
public struct GatewayError: Error, Sendable, Equatable {
    /// The gateway response type (`MISSING_AUTHENTICATION_TOKEN`, `INTEGRATION_TIMEOUT`…).
    public var responseType: String
    public var status: Int
    public var message: String
    /// The `x-amzn-ErrorType` AWS sends with this answer, when it sends one.
    public var errorType: String?
    /// What request validation found (`$context.error.validationErrorString`).
    public var validationErrorString: String? = nil
    /// The member AWS's default body puts the message in: `message`, or `Message` for denials.
    public var bodyKey = "message"
    /// AWS answers some errors with `{"message": null}`.
    public var nullMessage = false
    /// The `www-authenticate` challenge an HTTP API's JWT authorizer answers with.
    public var challenge: String? = nil

    /// `$context.error.messageString`: the message as a JSON string (or `null`).
    var messageString: String { nullMessage ? "null" : JSON.quoted(message) }

    public static let missingAuthenticationToken = GatewayError(
        responseType: "MISSING_AUTHENTICATION_TOKEN", status: 403, message: "Missing Authentication Token",
        errorType: "MissingAuthenticationTokenException")
    public static let requestTooLarge = GatewayError(
        responseType: "REQUEST_TOO_LARGE", status: 413, message: "Request Too Long", errorType: "BadRequestException")
    public static let integrationTimeout = GatewayError(
        responseType: "INTEGRATION_TIMEOUT", status: 504, message: "Endpoint request timed out", errorType: nil)
    /// A custom domain name's path that no mapping (or no stage) takes.
    public static let unmappedDomainPath = GatewayError(
        responseType: "MISSING_AUTHENTICATION_TOKEN", status: 403, message: "Forbidden", errorType: "ForbiddenException")
    /// The backend could not be reached or answered garbage.
    public static let integrationFailure = GatewayError(
        responseType: "INTEGRATION_FAILURE", status: 500, message: "Internal server error",
        errorType: "InternalServerErrorException")
    /// The deployed configuration cannot answer (no integration, no matching integration response…).
    public static let configurationError = GatewayError(
        responseType: "API_CONFIGURATION_ERROR", status: 500, message: "Internal server error",
        errorType: "InternalServerErrorException")
}

/// Renders gateway errors through the stage's gateway responses: a customized response type
/// wins, then the DEFAULT_4XX/DEFAULT_5XX customization, then AWS's default. Templates are
/// Velocity with `$context.error.*`; `gatewayresponse.header.*` parameters take literals,
/// `method.request.*`, `stageVariables.*` and `context.*` values.
enum GatewayResponses {
    static let defaultTemplate = MappingTemplate("{\"message\":$context.error.messageString}")
    static let capitalizedTemplate = MappingTemplate("{\"Message\":$context.error.messageString}")

    static func render(_ error: GatewayError, customized: [String: DeployedGatewayResponse], invocation: Invocation? = nil) -> OutgoingResponse {
        let family = error.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"
        let custom = customized[error.responseType] ?? customized[family]
        var response = OutgoingResponse(status: custom?.statusCode ?? error.status)
        let (contentType, template) = MappingTemplate.select(from: custom?.responseTemplates ?? [:], accept: invocation?.request.header("Accept"))
            ?? ("application/json", error.bodyKey == "Message" ? capitalizedTemplate : defaultTemplate)
        let errorContext = TemplateVariables.ErrorContext(
            message: error.message, messageString: error.messageString, responseType: error.responseType,
            validationErrorString: error.validationErrorString ?? "")
        let body = render(template, invocation, errorContext) ?? render(defaultTemplate, invocation, errorContext) ?? ""
        response.body = Data(body.utf8)
        response.headers.append(("Content-Type", contentType))
        if let errorType = error.errorType { response.headers.append(("x-amzn-ErrorType", errorType)) }
        for (target, source) in (custom?.responseParameters ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let name = target.dropPrefix("gatewayresponse.header."),
                let value = literal(source) ?? invocation?.value(of: source)
            else { continue }
            response.setHeader(name, value)
        }
        return response
    }

    private static func render(_ template: MappingTemplate, _ invocation: Invocation?, _ error: TemplateVariables.ErrorContext) -> String? {
        var variables = TemplateVariables(for: template, invocation: invocation, payload: Data(), error: error).values
        return try? template.render(&variables)
    }

    /// The text of a `'quoted'` static mapping value, or nil if it is not one.
    static func literal(_ expression: String) -> String? {
        guard expression.count >= 2, expression.hasPrefix("'"), expression.hasSuffix("'") else { return nil }
        return String(expression.dropFirst().dropLast())
    }
}

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

    public static let missingAuthenticationToken = GatewayError(
        responseType: "MISSING_AUTHENTICATION_TOKEN", status: 403, message: "Missing Authentication Token",
        errorType: "MissingAuthenticationTokenException")
    public static let requestTooLarge = GatewayError(
        responseType: "REQUEST_TOO_LARGE", status: 413, message: "Request Too Long", errorType: nil)
    public static let integrationTimeout = GatewayError(
        responseType: "INTEGRATION_TIMEOUT", status: 504, message: "Endpoint request timed out", errorType: nil)
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
/// wins, then the DEFAULT_4XX/DEFAULT_5XX customization, then AWS's default.
enum GatewayResponses {
    static func render(_ error: GatewayError, customized: [String: JSON]) -> OutgoingResponse {
        let family = error.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"
        let custom = customized[error.responseType] ?? customized[family]
        let status = custom?["statusCode"]?.stringValue.flatMap(Int.init) ?? error.status
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let errorType = error.errorType { headers.append(("x-amzn-ErrorType", errorType)) }
        for (name, value) in custom?["responseParameters"]?.objectValue ?? [:] {
            guard name.hasPrefix("gatewayresponse.header."), let literal = value.stringValue.flatMap(Self.literal) else { continue }
            headers.append((String(name.dropFirst("gatewayresponse.header.".count)), literal))
        }
        let template = custom?["responseTemplates"]?["application/json"]?.stringValue
            ?? "{\"message\":$context.error.messageString}"
        let body = template
            .replacingOccurrences(of: "$context.error.messageString", with: JSON.string(error.message).serializedString)
            .replacingOccurrences(of: "$context.error.message", with: error.message)
            .replacingOccurrences(of: "$context.error.responseType", with: error.responseType)
        return OutgoingResponse(status: status, headers: headers, body: Data(body.utf8))
    }

    /// The text of a `'quoted'` static mapping value, or nil if it is not one.
    static func literal(_ expression: String) -> String? {
        guard expression.count >= 2, expression.hasPrefix("'"), expression.hasSuffix("'") else { return nil }
        return String(expression.dropFirst().dropLast())
    }
}

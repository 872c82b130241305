import Foundation
import GatehouseModel

/// One request on its way through an HTTP API route: what came in, where it routed, and the id
/// and time AWS gives it.
struct HTTPInvocation: Sendable {
    var request: IncomingRequest
    var stage: DeployedHTTPStage
    var route: DeployedRoute
    /// Path parameters by name, percent-decoded.
    var pathParameters: [String: String]
    /// The path as the client sent it, a named stage's prefix included (`rawPath`).
    var rawPath: String
    /// `apigw-requestid`.
    var requestID: String
    var requestTime: Date
    var accountID: String
    /// What the route's authorizer established (`requestContext.authorizer`).
    var authorizer: JSON?
    /// The account's throttle in the API's region.
    var accountThrottle = Throttle.accountDefault
    /// How long the integration took (ms), once it ran.
    var integrationLatency: Double?
    /// The identity policies of the account's roles, for `AWS_IAM` routes.
    var rolePolicies: [String: [IAMPolicy]] = [:]

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path below the stage}`:
    /// what an IAM policy of the caller must allow.
    var invokeARN: String {
        let prefix = "/\(stage.name)"
        let path = stage.name != "$default" && rawPath.hasPrefix(prefix) ? String(rawPath.dropFirst(prefix.count)) : rawPath
        return "arn:aws:execute-api:\(stage.region):\(accountID):\(stage.apiID)/\(stage.name)/\(request.method)\(path)"
    }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}{path}` (`…/$default` for
    /// the `$default` route): the source ARN a function's policy sees.
    var sourceARN: String {
        let route = self.route.method.map { "\($0)\(self.route.path ?? "")" } ?? "$default"
        return "arn:aws:execute-api:\(stage.region):\(accountID):\(stage.apiID)/\(stage.name)/\(route)"
    }
}

extension GatewayError {
    /// What an HTTP API answers when no route matches, or a stage does not exist.
    static let notFound = GatewayError(responseType: "RESOURCE_NOT_FOUND", status: 404, message: "Not Found", errorType: nil)
    /// A function error, a malformed result, a missing function or permission.
    static let internalServerError = GatewayError(
        responseType: "INTEGRATION_FAILURE", status: 500, message: "Internal Server Error", errorType: nil)
    /// An integration that did not answer within its timeout.
    static let serviceUnavailable = GatewayError(
        responseType: "INTEGRATION_TIMEOUT", status: 503, message: "Service Unavailable", errorType: nil)
}

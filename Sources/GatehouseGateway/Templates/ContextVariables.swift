import Foundation
import GatehouseModel
import Velocity

extension Invocation {
    /// The request's `$context` variables, flat (`identity.sourceIp`): the one source for
    /// mapping templates, parameter mappings, access logs and the proxy event's `requestContext`.
    /// Identity fields the caller did not establish are absent.
    var contextVariables: [String: String] {
        let host = request.header("Host") ?? ""
        let domainName = String(host.prefix { $0 != ":" })
        var variables: [String: String] = [
            "requestId": requestID, "extendedRequestId": extendedRequestID,
            "requestTime": requestTime.clfTime,
            "requestTimeEpoch": String(Int64((requestTime.timeIntervalSince1970 * 1000).rounded(.down))),
            "httpMethod": request.method, "resourcePath": match.resource.path, "resourceId": match.resource.id,
            "path": target.domainPath ?? "/\(stage.name)\(target.path)", "protocol": "HTTP/1.1", "stage": stage.name, "apiId": stage.apiID,
            "deploymentId": stage.deploymentID, "accountId": accountID,
            "domainName": domainName, "domainPrefix": String(domainName.prefix { $0 != "." }),
            "identity.sourceIp": request.remoteAddress ?? "127.0.0.1",
        ]
        if stage.release != .only { variables["isCanaryRequest"] = stage.release == .canary ? "true" : "false" }
        if let agent = request.header("User-Agent") { variables["identity.userAgent"] = agent }
        for (name, value) in identity { variables["identity." + name] = value }
        if let principal = authorizer.principalID { variables["authorizer.principalId"] = principal }
        for (name, value) in authorizer.context { variables["authorizer." + name] = value }
        for (name, value) in authorizer.claims { variables["authorizer.claims." + name] = value }
        return variables
    }
}

/// What a mapping template reads of the request it renders for: a REST method's `Invocation`
/// or a WebSocket route's `WebSocketInvocation`.
protocol TemplateSource: Sendable {
    /// `$context`, flat (`identity.sourceIp`).
    var contextVariables: [String: String] { get }
    var stageVariables: [String: String] { get }
    /// What `$input.params()` shows.
    var requestParameters: RequestParameters { get }
}

extension Invocation: TemplateSource {
    var stageVariables: [String: String] { stage.variables }
    var requestParameters: RequestParameters { RequestParameters(self) }
}

/// The variables a mapping template sees: `$input`, `$util`, `$context`, `$stageVariables`.
struct TemplateVariables {
    /// The error a gateway response is rendering (`$context.error.*`).
    struct ErrorContext {
        var message: String
        var messageString: String
        var responseType: String
        var validationErrorString: String = ""
    }

    static let util = VelocityValue.object(UtilVariable())

    var values: [String: VelocityValue] = [:]
    /// What a mapping template (request or response) `#set` in `$context.responseOverride`,
    /// read after rendering.
    var responseOverride: ResponseOverride?

    /// Builds only the roots the template mentions.
    init(for template: MappingTemplate, invocation: (any TemplateSource)?, payload: Data, error: ErrorContext? = nil, responseOverride: Bool = false) {
        if template.mentions.contains(.input) {
            values["input"] = .object(InputVariable(body: payload, parameters: invocation?.requestParameters ?? RequestParameters()))
        }
        if template.mentions.contains(.util) { values["util"] = Self.util }
        if template.mentions.contains(.stageVariables) {
            var map = VelocityMap()
            for (name, value) in (invocation?.stageVariables ?? [:]).sorted(by: { $0.key < $1.key }) { map[name] = .string(value) }
            values["stageVariables"] = .map(map)
        }
        if template.mentions.contains(.context) {
            let override = responseOverride ? ResponseOverride() : nil
            values["context"] = .object(ContextVariable(invocation: invocation, error: error, responseOverride: override))
            self.responseOverride = override
        }
    }
}

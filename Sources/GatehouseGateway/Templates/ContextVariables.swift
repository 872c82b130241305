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
            "requestTime": Self.clfTime(requestTime),
            "requestTimeEpoch": String(Int64((requestTime.timeIntervalSince1970 * 1000).rounded(.down))),
            "httpMethod": request.method, "resourcePath": match.resource.path, "resourceId": match.resource.id,
            "path": "/\(stage.name)\(target.path)", "protocol": "HTTP/1.1", "stage": stage.name, "apiId": stage.apiID,
            "deploymentId": stage.deploymentID, "accountId": accountID,
            "domainName": domainName, "domainPrefix": String(domainName.prefix { $0 != "." }),
            "identity.sourceIp": request.remoteAddress ?? "127.0.0.1",
        ]
        if let agent = request.header("User-Agent") { variables["identity.userAgent"] = agent }
        for (name, value) in identity { variables["identity." + name] = value }
        if let principal = authorizer.principalID { variables["authorizer.principalId"] = principal }
        for (name, value) in authorizer.context { variables["authorizer." + name] = value }
        for (name, value) in authorizer.claims { variables["authorizer.claims." + name] = value }
        return variables
    }

    /// `25/Nov/2026:15:04:05 +0000`, the CLF time AWS puts in `requestTime`.
    static func clfTime(_ date: Date) -> String { date.utc("dd/MMM/yyyy:HH:mm:ss Z") }
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

    /// Builds only the roots the template mentions.
    static func make(
        for template: MappingTemplate, invocation: Invocation?, payload: Data, error: ErrorContext? = nil, responseOverride: Bool = false
    ) -> [String: VelocityValue] {
        var variables: [String: VelocityValue] = [:]
        if template.mentions.contains(.input) {
            variables["input"] = .object(InputVariable(body: payload, parameters: invocation.map(RequestParameters.init) ?? RequestParameters()))
        }
        if template.mentions.contains(.util) { variables["util"] = util }
        if template.mentions.contains(.stageVariables) {
            var map = VelocityMap()
            for (name, value) in (invocation?.stage.variables ?? [:]).sorted(by: { $0.key < $1.key }) { map[name] = .string(value) }
            variables["stageVariables"] = .map(map)
        }
        if template.mentions.contains(.context) {
            var context = nested(invocation?.contextVariables ?? [:])
            if let error {
                context["error"] = [
                    "message": .string(error.message), "messageString": .string(error.messageString),
                    "responseType": .string(error.responseType), "validationErrorString": .string(error.validationErrorString),
                ]
            }
            if responseOverride { context["responseOverride"] = ["header": .map(VelocityMap())] }
            variables["context"] = .map(context)
        }
        return variables
    }

    /// `["identity.sourceIp": …]` as `{identity: {sourceIp: …}}`.
    private static func nested(_ flat: [String: String]) -> VelocityMap {
        var map = VelocityMap()
        for (key, value) in flat.sorted(by: { $0.key < $1.key }) {
            guard let dot = key.firstIndex(of: ".") else {
                map[key] = .string(value)
                continue
            }
            let group = String(key[..<dot])
            guard case .map(var inner) = map[group] ?? .map(VelocityMap()) else { continue }
            inner[String(key[key.index(after: dot)...])] = .string(value)
            map[group] = .map(inner)
        }
        return map
    }
}

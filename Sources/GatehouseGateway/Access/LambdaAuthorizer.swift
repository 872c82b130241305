import Foundation
import GatehouseFunctions
import GatehouseModel

/// A Lambda authorizer (TOKEN or REQUEST): the identity it reads, the event its function gets,
/// and what its answer means. Failures are AWS's: no identity or a token failing the validation
/// expression is 401 without calling the function; the function raising `Unauthorized` is 401;
/// anything else wrong with the answer is 500 with a null message.
struct LambdaAuthorizer: Sendable {
    let authorizer: DeployedAuthorizer

    /// The identity values the authorizer needs, in order; nil when one is missing or empty.
    func identity(of invocation: Invocation) -> [String]? {
        var values: [String] = []
        values.reserveCapacity(authorizer.sources.count)
        for source in authorizer.sources {
            guard let value = source.value(in: invocation), !value.isEmpty else { return nil }
            values.append(value)
        }
        if authorizer.type == "TOKEN" {
            guard let token = values.first else { return nil }
            if let validation = authorizer.validation, !validation.matches(token) { return nil }
        }
        return values
    }

    /// The event the function receives.
    func event(for invocation: Invocation, identity: [String]) -> JSON {
        let methodARN = JSON.string(invocation.methodARN)
        if authorizer.type == "TOKEN" {
            return ["type": "TOKEN", "authorizationToken": .string(identity.first ?? ""), "methodArn": methodARN]
        }
        var event = ProxyEvent.make(invocation)
        event["type"] = "REQUEST"
        event["methodArn"] = methodARN
        event["body"] = nil
        event["isBase64Encoded"] = nil
        return event
    }

    /// The policy and result in the function's answer.
    static func decision(from result: InvocationResult, log: inout ExecutionLog?) throws(GatewayError) -> (IAMPolicy, String, AuthorizerResult) {
        let text = String(decoding: result.payload, as: UTF8.self)
        let payload = Data(result.payload)
        if result.functionError != nil {
            let message = (try? JSON(parsing: payload))?["errorMessage"]?.stringValue
            log?.line("Authorizer function failed: \(text)")
            throw message == "Unauthorized" ? .unauthorized : .authorizerConfigurationError
        }
        log?.line("Authorizer result body before parsing: \(text)")
        guard case .object(let answer)? = try? JSON(parsing: payload), let document = answer["policyDocument"] else {
            log?.line("Execution failed due to configuration error: Could not parse policy")
            throw .authorizerConfigurationError
        }
        let policy: IAMPolicy
        do throws(IAMPolicy.Malformed) {
            policy = try IAMPolicy(document)
        } catch {
            log?.line("Execution failed due to configuration error: Could not parse policy: \(error.message)")
            throw .authorizerConfigurationError
        }
        var decided = AuthorizerResult(principalID: answer["principalId"]?.stringValue)
        for (key, value) in answer["context"]?.objectValue ?? [:] {
            switch value {
            case .string(let text): decided.context[key] = text
            case .number(let number): decided.context[key] = Int64(exactly: number).map(String.init) ?? String(number)
            case .bool(let flag): decided.context[key] = flag ? "true" : "false"
            case .null: continue
            default:
                log?.line("Execution failed due to configuration error: Invalid context value for key \(key)")
                throw .authorizerConfigurationError
            }
        }
        decided.usageIdentifierKey = answer["usageIdentifierKey"]?.stringValue
        return (policy, document.serializedString, decided)
    }
}

extension GatewayError {
    public static let unauthorized = GatewayError(
        responseType: "UNAUTHORIZED", status: 401, message: "Unauthorized", errorType: "UnauthorizedException")
    /// The authorizer's function failed or answered something that is not a policy: AWS says `{"message": null}`.
    public static let authorizerConfigurationError: GatewayError = {
        var error = GatewayError(
            responseType: "AUTHORIZER_CONFIGURATION_ERROR", status: 500, message: "", errorType: "AuthorizerConfigurationException")
        error.nullMessage = true
        return error
    }()
    /// A policy denied the method explicitly.
    public static let explicitDeny = GatewayError.accessDenied("User is not authorized to access this resource with an explicit deny")
    /// No statement allowed the method.
    public static let notAllowed = GatewayError.accessDenied("User is not authorized to access this resource")

    static func accessDenied(_ message: String) -> GatewayError {
        var error = GatewayError(responseType: "ACCESS_DENIED", status: 403, message: message, errorType: "AccessDeniedException")
        error.bodyKey = "Message"
        return error
    }
}

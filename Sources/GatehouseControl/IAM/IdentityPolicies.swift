import Foundation
import GatehouseModel
import GatehouseStore

/// Calls signed with a role's temporary credentials (a function's worker, an AssumeRole session)
/// are decided by the role's identity policies — its inline policies and the AWS managed policies
/// attached to it — as AWS's evaluation logic decides: an explicit deny wins, then an allow, else
/// an implicit deny. A role IAM does not know is not restricted, unless IAM is strict (as a role
/// that does not exist is accepted by default). The configured keys are always allowed.
enum IdentityPolicies {
    /// The error that refuses `operation` for the role session `temporary`, or nil when allowed.
    static func denial(
        _ temporary: TemporaryCredentials.Entry, service: ServiceDefinition, operation: String, context: OperationContext,
        request: IncomingRequest, strict: Bool
    ) async throws -> AWSError? {
        let signing = service.model.signingName
        if signing == "sts", operation == "GetCallerIdentity" { return nil }  // Allowed to everyone on AWS.
        let parts = temporary.arn.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        let roleName = String(parts[1])
        let role = try await context.store.document(DocumentKey(kind: DocumentKind.iamRole, parent: temporary.account, id: roleName.lowercased()))
        guard let role else { return strict ? denied(temporary, signing, action(signing, operation, request), "*", explicit: false) : nil }
        let (action, resource) = (action(signing, operation, request), resource(signing, context, request))
        let facts = RequestFacts(principal: Principal(arn: temporary.arn), sourceIP: request.remoteAddress)
        switch ManagedPolicies.decide(ManagedPolicies.of(role: role), action: action, resource: resource, request: facts) {
        case .allow: return nil
        case .explicitDeny: return denied(temporary, signing, action, resource, explicit: true)
        case .implicitDeny: return denied(temporary, signing, action, resource, explicit: false)
        }
    }

    /// The IAM action of a call: API Gateway's are its HTTP methods (`apigateway:GET`), the
    /// `@connections` API's `execute-api:ManageConnections`, the others' their operation names.
    private static func action(_ signing: String, _ operation: String, _ request: IncomingRequest) -> String {
        switch signing {
        case "apigateway": "apigateway:\(request.method)"
        case "execute-api": "execute-api:ManageConnections"
        default: "\(signing):\(operation)"
        }
    }

    private static func resource(_ signing: String, _ context: OperationContext, _ request: IncomingRequest) -> String {
        let region = context.caller.region, account = context.caller.accountId
        switch signing {
        case "apigateway":
            return "arn:aws:apigateway:\(region)::\(request.rawPath)"
        case "lambda":
            guard let name = context.input["FunctionName"]?.stringValue else { return "*" }
            return LambdaARN(parsing: name, region: region, account: account).description
        case "logs":
            guard let group = context.input["logGroupName"]?.stringValue else { return "*" }
            return "arn:aws:logs:\(region):\(account):log-group:\(group):*"
        case "execute-api":
            let api = context.endpointScope["ApiId"] ?? "*", stage = context.endpointScope["Stage"] ?? "*"
            return "arn:aws:execute-api:\(region):\(account):\(api)/\(stage)/\(request.method)/@connections/\(context.input["ConnectionId"]?.stringValue ?? "*")"
        default:
            return "*"
        }
    }

    /// AWS's answer: `AccessDeniedException` (`AccessDenied` for the query services) naming the
    /// caller, the action and the resource.
    private static func denied(_ temporary: TemporaryCredentials.Entry, _ signing: String, _ action: String, _ resource: String, explicit: Bool) -> AWSError {
        let reason = explicit ? "with an explicit deny in an identity-based policy" : "because no identity-based policy allows the \(action) action"
        let code = ["iam", "sts"].contains(signing) ? "AccessDenied" : "AccessDeniedException"
        return AWSError(code, status: 403, "User: \(temporary.arn) is not authorized to perform: \(action) on resource: \(resource) \(reason)")
    }
}

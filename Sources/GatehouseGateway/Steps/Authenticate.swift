import Foundation
import GatehouseModel

/// Checks a SigV4 signature on a data-plane request; answers the signer's access key id, the
/// service the signature is scoped to and, for a role session's key, the session's ARN
/// (`arn:aws:sts::{account}:assumed-role/{role}/{session}`), or throws AWS's error.
public typealias SignatureCheck = @Sendable (IncomingRequest) throws(AWSError) -> (accessKeyID: String, service: String, session: String?)

/// The checks before any authorizer, in AWS's order, none needing I/O: a PRIVATE API's VPC
/// endpoint, an `AWS_IAM` method's SigV4 signature, then the API's resource policy. An explicit
/// deny wins; without an authorizer the resource policy (when there is one) must allow; with
/// one, it only must not deny.
struct AuthenticateStep: GatewayStep {
    let signatures: SignatureCheck?
    /// The header carrying the VPC endpoint id of a call to a PRIVATE API.
    let vpceHeader: String

    /// The checks that need no I/O: the endpoint, the resource policy, an IAM signature.
    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        let api = invocation.stage.api
        let vpce = invocation.request.header(vpceHeader)
        if api.isPrivate, vpce == nil {
            log?.line("Private API called without a VPC endpoint (\(vpceHeader) header missing)")
            throw .invalidAPIKey
        }
        var principal: Principal?
        if invocation.match.method.authorizationType == "AWS_IAM" {
            let signer = try signer(&invocation, log: &log)
            try Self.checkIdentityPolicies(of: signer, invocation, log: &log)
            principal = signer
        }
        guard let policy = api.policy else {
            // A private API refuses every call until a resource policy grants access.
            if api.isPrivate { throw .resourcePolicyDenied(invocation, principal: principal, explicit: false) }
            return .proceed
        }
        let facts = RequestFacts(principal: principal, sourceIP: invocation.request.remoteAddress, sourceVpce: vpce)
        let methodARN = invocation.methodARN
        let decision = policy.evaluate(action: "execute-api:Invoke", resource: methodARN, request: facts)
        let hasAuthorizer = AuthorizeStep.applies(to: invocation.match.method) || principal != nil
        switch decision {
        case .explicitDeny:
            log?.line("Execution failed: the resource policy denies \(methodARN) explicitly")
            throw .resourcePolicyDenied(invocation, principal: principal, explicit: true)
        case .implicitDeny where !hasAuthorizer || api.isPrivate:
            log?.line("Execution failed: the resource policy does not allow \(methodARN)")
            throw .resourcePolicyDenied(invocation, principal: principal, explicit: false)
        default:
            return .proceed
        }
    }

    /// A role session may call what its role's identity policies allow.
    private static func checkIdentityPolicies(of principal: Principal, _ invocation: Invocation, log: inout ExecutionLog?) throws(GatewayError) {
        guard let decision = principal.invokeDecision(on: invocation.methodARN, rolePolicies: invocation.rolePolicies), decision != .allow else { return }
        log?.line("Execution failed: the role's identity policies do not allow execute-api:Invoke on \(invocation.methodARN)")
        throw .resourcePolicyDenied(invocation, principal: principal, explicit: decision == .explicitDeny)
    }

    /// The caller of an `AWS_IAM` method, from its SigV4 signature.
    private func signer(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> Principal {
        guard let signatures else { throw .missingAuthenticationToken }
        do throws(AWSError) {
            let signed = try signatures(invocation.request)
            guard signed.service == "execute-api" else {
                throw AWSError("InvalidSignatureException", status: 403, "Credential should be scoped to correct service: 'execute-api'. ")
            }
            let arn = signed.session ?? "arn:aws:iam::\(invocation.accountID):root"
            invocation.identity["accessKey"] = signed.accessKeyID
            invocation.identity["accountId"] = invocation.accountID
            invocation.identity["caller"] = signed.accessKeyID
            invocation.identity["user"] = signed.accessKeyID
            invocation.identity["userArn"] = arn
            return Principal(account: invocation.accountID, arn: arn)
        } catch {
            log?.line("IAM authorization failed: \(error.message)")
            if error.code == "MissingAuthenticationTokenException" { throw .missingAuthenticationToken }
            throw GatewayError(responseType: "INVALID_SIGNATURE", status: 403, message: error.message, errorType: error.code)
        }
    }
}

extension GatewayError {
    /// The resource policy's answer, worded as AWS words it (the account masked but for its last digits).
    static func resourcePolicyDenied(_ invocation: Invocation, principal: Principal?, explicit: Bool) -> GatewayError {
        let account = invocation.accountID
        let resource = invocation.methodARN.replacingOccurrences(of: ":\(account):", with: ":\(account.masked(showingLast: 4)):")
        let user = principal?.arn ?? "anonymous"
        return .accessDenied(
            "User: \(user) is not authorized to perform: execute-api:Invoke on resource: \(resource)" + (explicit ? " with an explicit deny" : ""))
    }
}

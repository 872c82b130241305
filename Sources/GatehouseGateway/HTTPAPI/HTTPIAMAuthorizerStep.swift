import GatehouseModel

/// An HTTP API route with `AWS_IAM` authorization: the request must carry a SigV4 signature for
/// `execute-api` by known credentials, in the `Authorization` header or a presigned URL. A
/// missing signature answers 403 `Forbidden`; a bad one
/// 403 with the signature check's own message, as on AWS. A role session's call must also be
/// allowed by its role's identity policies (`execute-api:Invoke` on the request's ARN), else 403 `Forbidden`.
struct HTTPIAMAuthorizerStep: GatewayStep {
    let signatures: SignatureCheck?

    func attempt(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let signatures else { throw .forbidden }
        let signed: (accessKeyID: String, service: String, session: String?)
        do throws(AWSError) {
            signed = try signatures(invocation.request)
            guard signed.service == "execute-api" else {
                throw AWSError("InvalidSignatureException", status: 403, "Credential should be scoped to correct service: 'execute-api'. ")
            }
        } catch {
            if error.code == AWSError.missingAuthenticationToken.code { throw .forbidden }
            throw GatewayError(responseType: "ACCESS_DENIED", status: 403, message: error.message, errorType: error.code)
        }
        let caller = Principal(account: invocation.accountID, arn: signed.session ?? "arn:aws:iam::\(invocation.accountID):root")
        if let decision = caller.invokeDecision(on: invocation.invokeARN, rolePolicies: invocation.rolePolicies), decision != .allow {
            throw .forbidden
        }
        invocation.authorizer = [
            "iam": [
                "accessKey": .string(signed.accessKeyID), "accountId": .string(invocation.accountID),
                "userArn": .string(caller.arn ?? ""), "userId": .string(invocation.accountID),
            ],
        ]
        return .proceed
    }
}

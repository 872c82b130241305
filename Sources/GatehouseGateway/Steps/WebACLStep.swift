import GatehouseModel

/// The stage's web ACL, first of all steps as on AWS: a request a rule (or the default action)
/// blocks is answered 403 `{"message":"Forbidden"}` (the `WAF_FILTERED` gateway response).
struct WebACLStep: GatewayStep {
    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let acl = invocation.webACL else { return .proceed }
        let (allowed, rule) = acl.verdict(invocation.request)
        guard allowed else {
            log?.line("Request blocked by the stage's web ACL" + (rule.map { " (rule \($0))" } ?? " (default action)"))
            throw GatewayError(responseType: "WAF_FILTERED", status: 403, message: "Forbidden", errorType: "ForbiddenException")
        }
        return .proceed
    }
}

import GatehouseModel

/// The stage's web ACL, first of all steps as on AWS: a request a rule (or the default action)
/// blocks is answered with the rule's custom response, else 403 `{"message":"Forbidden"}` (the
/// `WAF_FILTERED` gateway response).
struct WebACLStep: GatewayStep {
    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let acl = invocation.webACL, let (custom, rule) = acl.verdict(invocation.request) else { return .proceed }
        log?.line("Request blocked by the stage's web ACL" + (rule.map { " (rule \($0))" } ?? " (default action)"))
        if let custom { return .answer(custom) }
        throw GatewayError(responseType: "WAF_FILTERED", status: 403, message: "Forbidden", errorType: "ForbiddenException")
    }
}

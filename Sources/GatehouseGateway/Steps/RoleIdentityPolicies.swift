import GatehouseModel

extension Principal {
    /// What the identity policies of this caller's role decide on `execute-api:Invoke` of
    /// `resource`: nil for a caller that is not a role session, or whose role IAM does not know
    /// (such callers are not restricted). `rolePolicies` is keyed `{account}/{role, lower case}`.
    func invokeDecision(on resource: String, rolePolicies: [String: [IAMPolicy]]) -> IAMPolicy.Decision? {
        guard let role = assumedRoleName, let policies = rolePolicies["\(account)/\(role.lowercased())"] else { return nil }
        return ManagedPolicies.decide(policies, action: "execute-api:Invoke", resource: resource, request: RequestFacts(principal: self))
    }
}

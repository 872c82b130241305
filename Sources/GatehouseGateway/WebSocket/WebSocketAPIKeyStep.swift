import GatehouseModel

/// `$connect` with `ApiKeyRequired`: the key the API's `ApiKeySelectionExpression` names (the
/// `x-api-key` header, or what the authorizer returned as `usageIdentifierKey`) must be known,
/// enabled and in a usage plan of this stage, within the plan's throttle and quota — else the
/// upgrade is refused: 403 `Forbidden`, or 429.
struct WebSocketAPIKeyStep: GatewayStep {
    func attempt(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        let stage = invocation.stage
        let value = stage.apiKeyFromAuthorizer ? invocation.usageIdentifierKey : invocation.request?.header("x-api-key")
        guard let value, let (key, plan) = invocation.access.plan(forKey: value, api: stage.apiID, stage: stage.name) else {
            log?.line("API Key \(APIKeyStep.masked(value)) not authorized for API Stage \(stage.apiID)/\(stage.name)")
            throw .invalidAPIKey
        }
        if let throttle = plan.throttle, !plan.bucket.take(throttle) { throw .throttled }
        guard plan.usage.record(quota: plan.quota) else { throw .quotaExceeded }
        invocation.apiKey = (value, key.id)
        return .proceed
    }
}

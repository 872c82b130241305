import GatehouseModel

/// The usage-plan check of a method with `apiKeyRequired`: a known, enabled API key (from the
/// `x-api-key` header, or the authorizer's `usageIdentifierKey` when the API's key source is
/// `AUTHORIZER`) in a usage plan of this stage, within the plan's throttles and quota. Methods
/// that do not require a key do not have this step: they are neither checked nor counted, as on AWS.
struct APIKeyStep: GatewayStep {
    let limiter: RateLimiter

    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {        let stageName = "\(invocation.stage.apiID)/\(invocation.stage.name)"
        let value = invocation.stage.api.apiKeySource == "AUTHORIZER"
            ? invocation.authorizer.usageIdentifierKey : invocation.request.header("x-api-key")
        guard let value, let key = invocation.access.enabledKey(value) else {
            log?.line("API Key \(Self.masked(value)) not authorized because method '\(invocation.request.method) \(invocation.match.resource.path)' requires API Key and API Key is not valid")
            throw .invalidAPIKey
        }
        guard let plan = invocation.access.plans[invocation.stage.apiID]?[invocation.stage.name]?[key.id] else {
            log?.line("API Key \(Self.masked(value)) not authorized because method '\(invocation.request.method) \(invocation.match.resource.path)' requires API Key and API Key is not associated with a Usage Plan for API Stage \(stageName): API Stage is not in a Usage Plan")
            throw .invalidAPIKey
        }
        invocation.identity["apiKey"] = value
        invocation.identity["apiKeyId"] = key.id
        if !plan.methodThrottles.isEmpty, case let method = "\(invocation.match.resource.path)/\(invocation.request.method)",
            let throttle = plan.methodThrottles[method], !limiter.take("plan/\(plan.planID)/\(key.id)\(method)", throttle)
        {
            log?.line("API Key \(Self.masked(value)) exceeded throttle limit for API Stage \(stageName): Key throttle limit exceeded for Usage Plan ID \(plan.planID), Resource \(invocation.match.resource.path), HttpMethod \(invocation.request.method). Limit: \(throttle.rateLimit) Burst: \(throttle.burstLimit)")
            throw .throttled
        }
        if let throttle = plan.throttle, !plan.bucket.take(throttle) {
            log?.line("API Key \(Self.masked(value)) exceeded throttle limit for API Stage \(stageName): Key throttle limit exceeded for Usage Plan ID \(plan.planID). Limit: \(throttle.rateLimit) Burst: \(throttle.burstLimit)")
            throw .throttled
        }
        guard plan.usage.record(quota: plan.quota) else {
            log?.line("Key quota exhausted for Usage Plan ID \(plan.planID). Q Limit: \(plan.quota?.limit ?? 0) Period: \(plan.quota?.period ?? "")")
            throw .quotaExceeded
        }
        log?.line("Usage Plan check succeeded for API Key \(Self.masked(value)) and API Stage \(stageName)")
        return .proceed
    }

    /// `**********F0yrv6`: AWS logs only a key's last characters.
    static func masked(_ value: String?) -> String {
        value?.masked(showingLast: 6) ?? ""
    }
}

extension AccessTable {
    /// The enabled key with this value.
    func enabledKey(_ value: String) -> APIKey? {
        guard !value.isEmpty, let key = keys[value], key.enabled else { return nil }
        return key
    }

    /// An enabled key with this value and its usage plan on the stage, if it is in one.
    func plan(forKey value: String, api: String, stage: String) -> (key: APIKey, plan: StagePlan)? {
        guard let key = enabledKey(value), let plan = plans[api]?[stage]?[key.id] else { return nil }
        return (key, plan)
    }
}

extension GatewayError {
    public static let invalidAPIKey = GatewayError(
        responseType: "INVALID_API_KEY", status: 403, message: "Forbidden", errorType: "ForbiddenException")
    public static let throttled = GatewayError(
        responseType: "THROTTLED", status: 429, message: "Too Many Requests", errorType: "TooManyRequestsException")
    public static let quotaExceeded = GatewayError(
        responseType: "QUOTA_EXCEEDED", status: 429, message: "Limit Exceeded", errorType: "LimitExceededException")
}

import GatehouseModel

/// Stage and account throttling: the method's `methodSettings` throttle (its own, else `*/*`),
/// one bucket per method, then the account's bucket for the region.
struct ThrottleStep: GatewayStep {
    let limiter: RateLimiter

    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        let stage = invocation.stage
        let path = invocation.match.resource.path, method = invocation.request.method
        if let (_, throttle) = stage.throttle(resourcePath: path, method: method),
            !limiter.take("stage/\(stage.apiID)/\(stage.name)\(path)/\(method)", throttle)
        {
            log?.line("Method throttle limit exceeded for RestApi \(stage.apiID), Stage \(stage.name), Resource \(path), HttpMethod \(method). Limit: \(throttle.rateLimit) Burst: \(throttle.burstLimit)")
            throw .throttled
        }
        guard limiter.takeForAccount(region: stage.region, invocation.access.accountThrottle) else {
            log?.line("Account throttle limit exceeded")
            throw .throttled
        }
        return .proceed
    }
}

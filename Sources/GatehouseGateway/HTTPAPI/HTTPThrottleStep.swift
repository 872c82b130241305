import GatehouseModel

/// HTTP API throttling: the route's `RouteSettings` throttle (else the stage's
/// `DefaultRouteSettings`), one bucket per route of a stage, then the account's bucket for the
/// region. Past either, 429 `{"message":"Too Many Requests"}`.
struct HTTPThrottleStep: GatewayStep {
    let limiter: RateLimiter

    func attempt(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        let stage = invocation.stage, routeKey = invocation.route.routeKey
        if let throttle = stage.routeThrottles[routeKey] ?? stage.defaultThrottle,
            !limiter.take("http/\(stage.apiID)/\(stage.name)/\(routeKey)", throttle)
        {
            throw .throttled
        }
        guard limiter.takeForAccount(region: stage.region, invocation.accountThrottle) else { throw .throttled }
        return .proceed
    }
}

extension Throttle {
    /// From a v2 `RouteSettings` object (`ThrottlingRateLimit`, `ThrottlingBurstLimit`); nil
    /// when it sets neither.
    init?(routeSettings json: JSON?) {
        guard let json, json["ThrottlingRateLimit"] != nil || json["ThrottlingBurstLimit"] != nil else { return nil }
        self.init(rateLimit: json["ThrottlingRateLimit"]?.doubleValue ?? 10_000, burstLimit: json["ThrottlingBurstLimit"]?.intValue ?? 5_000)
    }
}

import GatehouseModel

/// WebSocket throttling, for connections and messages alike: the route's `RouteSettings`
/// throttle (else the stage's `DefaultRouteSettings`), one bucket per route of a stage, then the
/// account's bucket for the region. Past either, 429 `Too Many Requests`.
struct WebSocketThrottleStep: GatewayStep {
    let limiter: RateLimiter

    func attempt(_ invocation: inout WebSocketInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        let stage = invocation.stage, routeKey = invocation.route.key
        if let throttle = stage.settings(for: routeKey).throttle, !limiter.take("ws/\(stage.apiID)/\(stage.name)/\(routeKey)", throttle) {
            throw .throttled
        }
        guard limiter.takeForAccount(region: stage.region, invocation.access.accountThrottle) else { throw .throttled }
        return .proceed
    }
}

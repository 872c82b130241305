import GatehouseModel

/// The integration behind the stage cache: a live entry answers without calling the backend
/// (on the event loop); a miss integrates and keeps the method response for the TTL.
/// `Cache-Control: max-age=0` from a caller allowed to invalidate refetches and replaces the
/// entry; from another caller it is ignored (with a `Warning` header, by default) or refused
/// with 403, as the method's `unauthorizedCacheControlHeaderStrategy` says.
struct CachedIntegrateStep: GatewayStep {
    let integrate: IntegrateStep
    let caching: MethodCaching

    var runsInTests: Bool { true }

    func prepare(_ invocation: inout Invocation) -> Bool {
        if caching.applies(to: invocation), !wantsInvalidation(invocation) || !mayInvalidate(invocation) {
            invocation.cachedResponse = caching.cache.response(for: caching.key(for: invocation))
            if invocation.cachedResponse != nil { return true }
        }
        return integrate.prepare(&invocation)
    }

    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard caching.applies(to: invocation) else { return try integrate.attempt(&invocation, log: &log) }
        var warning = false
        if wantsInvalidation(invocation) {
            if mayInvalidate(invocation) {
                return stored(try integrate.attempt(&invocation, log: &log), key: caching.key(for: invocation))
            }
            switch caching.unauthorizedStrategy {
            case "FAIL_WITH_403":
                log?.line("Execution failed: the caller may not invalidate the cache (Cache-Control: max-age=0)")
                throw .accessDenied(
                    "User: anonymous is not authorized to perform: execute-api:InvalidateCache on resource: \(invocation.methodARN)")
            case "SUCCEED_WITHOUT_RESPONSE_HEADER": break
            default: warning = true
            }
        }
        // A hit found while preparing needs no key again.
        invocation.cacheHit = true
        if let hit = invocation.cachedResponse { return .answer(warned(hit, warning)) }
        let key = caching.key(for: invocation)
        if let hit = caching.cache.response(for: key) { return .answer(warned(hit, warning)) }
        invocation.cacheHit = false
        switch stored(try integrate.attempt(&invocation, log: &log), key: key) {
        case .answer(let response): return .answer(warned(response, warning))
        case let outcome: return outcome
        }
    }

    func run(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        let outcome = try await integrate.run(&invocation, log: &log)
        // A request the cache does not apply to (a POST to an `ANY` method) is not kept either.
        guard caching.applies(to: invocation) else { return outcome }
        _ = stored(outcome, key: caching.key(for: invocation))
        guard case .answer(let response) = outcome, wantsInvalidation(invocation), !mayInvalidate(invocation),
            caching.unauthorizedStrategy == "SUCCEED_WITH_RESPONSE_HEADER"
        else { return outcome }
        return .answer(warned(response, true))
    }

    /// Keeps an integration's answer in the cache, whatever its status (AWS caches errors too).
    private func stored(_ outcome: StepOutcome, key: String) -> StepOutcome {
        if case .answer(let response) = outcome {
            caching.cache.store(response, for: key, seconds: caching.seconds)
        }
        return outcome
    }

    private func wantsInvalidation(_ invocation: Invocation) -> Bool {
        guard let control = invocation.request.header("Cache-Control") else { return false }
        return control.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "max-age=0" }
    }

    /// Whether the caller may invalidate: anyone when authorization is not required, else a
    /// caller the method's IAM authorization identified.
    private func mayInvalidate(_ invocation: Invocation) -> Bool {
        !caching.requireAuthorization || invocation.identity["caller"] != nil
    }

    private func warned(_ response: OutgoingResponse, _ warning: Bool) -> OutgoingResponse {
        guard warning else { return response }
        var response = response
        response.headers.append(("Warning", "199 Cache-control headers were ignored because the caller was unauthorized."))
        return response
    }
}

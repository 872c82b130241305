import GatehouseModel

/// How one deployed method uses its stage's cache: its `methodSettings` caching entries (its own,
/// else the stage's `*/*`, which covers GET only) and its integration's cache key.
struct MethodCaching: Sendable {
    let cache: StageCache
    /// `cacheTtlInSeconds`.
    let seconds: Int
    /// Whether `Cache-Control: max-age=0` needs `execute-api:InvalidateCache` (an IAM caller).
    let requireAuthorization: Bool
    /// `unauthorizedCacheControlHeaderStrategy`: `FAIL_WITH_403`, `SUCCEED_WITH_RESPONSE_HEADER`
    /// or `SUCCEED_WITHOUT_RESPONSE_HEADER`.
    let unauthorizedStrategy: String
    /// The integration's `cacheNamespace`, else the resource id.
    let namespace: String
    /// The integration's `cacheKeyParameters`.
    let keyParameters: [ParameterSource]
    /// Only GET requests are cached: the setting is the stage-wide one, or the method is `ANY`.
    let onlyGET: Bool

    /// The caching of `method` on `resource`, or nil when its settings leave it uncached.
    init?(cache: StageCache, methodSettings: [String: JSON], resource: DeployedResource, method: DeployedMethod) {
        guard let (key, setting) = DeployedStage.setting(methodSettings, resourcePath: resource.path, method: method.httpMethod),
            setting["cachingEnabled"]?.boolValue == true,
            key != "*/*" || ["GET", "ANY"].contains(method.httpMethod)
        else { return nil }
        seconds = setting["cacheTtlInSeconds"]?.intValue ?? 300
        guard seconds > 0 else { return nil }
        self.cache = cache
        requireAuthorization = setting["requireAuthorizationForCacheControl"]?.boolValue ?? true
        unauthorizedStrategy = setting["unauthorizedCacheControlHeaderStrategy"]?.stringValue ?? "SUCCEED_WITH_RESPONSE_HEADER"
        namespace = method.integration?.cacheNamespace ?? resource.id
        keyParameters = (method.integration?.cacheKeyParameters ?? []).map(ParameterSource.init)
        onlyGET = key == "*/*" || method.httpMethod == "ANY"
    }

    /// Whether `invocation` is cached at all.
    func applies(to invocation: Invocation) -> Bool {
        !onlyGET || invocation.request.method == "GET"
    }

    /// The entry's key: the namespace, the request's method and each key parameter's value
    /// (an absent one is a value of its own, as on AWS).
    func key(for invocation: Invocation) -> String {
        var key = namespace + "\u{1F}" + invocation.request.method
        for parameter in keyParameters {
            key += parameter.value(in: invocation).map { "\u{1F}=" + $0 } ?? "\u{1F}"
        }
        return key
    }
}

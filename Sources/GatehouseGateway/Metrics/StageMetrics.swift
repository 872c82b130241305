import GatehouseModel

/// A stage's CloudWatch metrics in `AWS/ApiGateway`, as AWS publishes them. REST APIs, by
/// `ApiName` and `Stage`: `Count`, `4XXError` and `5XXError` (0 or 1 a request, so `Sum`
/// counts the errors and `Average` is the error rate), `Latency` and `IntegrationLatency` (ms),
/// `CacheHitCount` and `CacheMissCount` where the stage cache applies; with detailed metrics
/// (`methodSettings` `metrics/enabled`), by `Resource` and `Method` too. HTTP APIs, by `ApiId`
/// and `Stage` (and `Route` where route settings enable detailed metrics): `Count`, `4xx`, `5xx`,
/// `Latency`, `IntegrationLatency`, `DataProcessed` (bytes).
public struct StageMetrics: Sendable {
    let count: MetricCell
    let clientErrors: MetricCell
    let serverErrors: MetricCell
    let latency: MetricCell
    let integrationLatency: MetricCell
    let cacheHits: MetricCell?
    let cacheMisses: MetricCell?
    let dataProcessed: MetricCell?

    /// A REST API stage's; with `method` (`GET /pets`), that method's detailed metrics (by `Resource` and `Method` too).
    public static func rest(
        recorder: MetricRecorder, account: String, region: String, apiName: String, stage: String, method: (path: String, verb: String)? = nil
    ) -> StageMetrics {
        var dimensions = ["ApiName": apiName, "Stage": stage]
        if let method {
            dimensions["Resource"] = method.path
            dimensions["Method"] = method.verb
        }
        let cell = cells(recorder, account, region, dimensions)
        return StageMetrics(
            count: cell("Count", "Count", false), clientErrors: cell("4XXError", "Count", false), serverErrors: cell("5XXError", "Count", false),
            latency: cell("Latency", "Milliseconds", true), integrationLatency: cell("IntegrationLatency", "Milliseconds", true),
            cacheHits: cell("CacheHitCount", "Count", false), cacheMisses: cell("CacheMissCount", "Count", false), dataProcessed: nil)
    }

    /// An HTTP API stage's; with `route` (`GET /pets`), that route's detailed metrics (by `Route` too).
    public static func http(recorder: MetricRecorder, account: String, region: String, apiID: String, stage: String, route: String? = nil) -> StageMetrics {
        var dimensions = ["ApiId": apiID, "Stage": stage]
        dimensions["Route"] = route
        let cell = cells(recorder, account, region, dimensions)
        return StageMetrics(
            count: cell("Count", "Count", false), clientErrors: cell("4xx", "Count", false), serverErrors: cell("5xx", "Count", false),
            latency: cell("Latency", "Milliseconds", true), integrationLatency: cell("IntegrationLatency", "Milliseconds", true),
            cacheHits: nil, cacheMisses: nil, dataProcessed: cell("DataProcessed", "Bytes", false))
    }

    private static func cells(
        _ recorder: MetricRecorder, _ account: String, _ region: String, _ dimensions: [String: String]
    ) -> (String, String, Bool) -> MetricCell {
        { name, unit, histogram in
            recorder.cell(
                MetricIdentity(account: account, region: region, namespace: "AWS/ApiGateway", name: name, dimensions: dimensions),
                unit: unit, histogram: histogram)
        }
    }

    /// One request: its status, latency, the integration's (when it ran one), whether the cache
    /// answered (when it applies) and the bytes it moved in and out.
    func record(status: Int, latency milliseconds: Double, integrationLatency integration: Double?, cacheHit: Bool? = nil, bytes: Int = 0) {
        count.record(1)
        clientErrors.record((400..<500).contains(status) ? 1 : 0)
        serverErrors.record(status >= 500 ? 1 : 0)
        latency.record(milliseconds)
        if let integration { integrationLatency.record(integration) }
        if let cacheHit { (cacheHit ? cacheHits : cacheMisses)?.record(1) }
        dataProcessed?.record(Double(bytes))
    }
}

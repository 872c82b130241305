import Atomics
import GatehouseFunctions
import GatehouseModel

/// One stage as callers see it: the deployment it points at, compiled, plus its variables.
/// A class: every request holds the stage it routed to, and sharing one reference is cheaper
/// than copying its fields.
public final class DeployedStage: Sendable {
    public let apiID: String
    /// The region the API lives in (for ARNs).
    public let region: String
    public let name: String
    public let deploymentID: String
    public let variables: [String: String]
    public let api: DeployedAPI
    public let routes: RoutingTable
    /// Where access logs go (`accessLogSettings`): the format and the log group.
    public let accessLog: (format: String, group: String)?
    /// `methodSettings` logging levels by key (`*/*`, `states/GET`): `INFO` or `ERROR`.
    public let loggingLevels: [String: String]
    /// `methodSettings` throttles by the same keys.
    public let throttles: [String: Throttle]
    /// The stage document this was compiled from, to tell when it changed.
    public let source: JSON
    /// The start of this stage's keys in the authorizer cache.
    let authorizerCachePrefix: String
    /// Which side of a canary release this is: `$context.isCanaryRequest` and the log stream.
    public let release: Release
    /// The stage's canary (`canarySettings`), taking `percentTraffic` of its requests.
    public let canary: Canary?
    /// Where its requests are counted for CloudWatch; nil when metrics are off.
    public let metrics: StageMetrics?
    /// Detailed metrics by method (`GET /pets`), for the methods whose settings enable them.
    let detailedMetrics: [String: StageMetrics]
    /// `tracingEnabled`: requests that bring no trace start a sampled one.
    public let tracingEnabled: Bool

    /// Which deployment of a stage answers a request.
    public enum Release: Sendable {
        /// A stage without a canary.
        case only
        /// The stage's own deployment, beside a canary.
        case base
        /// The canary's deployment.
        case canary
    }

    /// A canary release: the share of requests it takes (0–100) and the stage compiled from its
    /// deployment, with the canary's stage variable overrides.
    public struct Canary: Sendable {
        public let percentTraffic: Double
        public let stage: DeployedStage
    }

    /// The stage that answers one request: the canary with its configured probability, else this.
    public func pickRelease() -> DeployedStage {
        guard let canary, canary.percentTraffic > 0, Double.random(in: 0..<100) < canary.percentTraffic else { return self }
        return canary.stage
    }

    /// `API-Gateway-Execution-Logs_{apiId}/{stage}`, with `/Canary` for the canary's requests.
    var executionLogGroup: String {
        "API-Gateway-Execution-Logs_\(apiID)/\(name)" + (release == .canary ? "/Canary" : "")
    }

    /// The execution logging level for a method (`INFO`, `ERROR`), or nil when off.
    public func loggingLevel(resourcePath: String, method: String) -> String? {
        let level = Self.setting(loggingLevels, resourcePath: resourcePath, method: method)?.value
        return level == "OFF" ? nil : level
    }

    /// The stage's throttle for a method and the `methodSettings` key it comes from.
    public func throttle(resourcePath: String, method: String) -> (key: String, value: Throttle)? {
        Self.setting(throttles, resourcePath: resourcePath, method: method)
    }

    /// A method's `methodSettings` entry, keyed `path/METHOD` (or `~1`-escaped), else `*/*`'s.
    static func setting<T>(_ settings: [String: T], resourcePath: String, method: String) -> (key: String, value: T)? {
        guard !settings.isEmpty else { return nil }
        let path = resourcePath.dropFirst()
        for candidate in ["\(path)/\(method)", "~1\(path.replacingOccurrences(of: "/", with: "~1"))/\(method)", "*/*"] {
            if let value = settings[candidate] { return (candidate, value) }
        }
        return nil
    }

    /// Whether any request to this stage writes a log.
    public var logs: Bool { accessLog != nil || !loggingLevels.values.allSatisfy { $0 == "OFF" } }

    /// A stage with no settings (the console's Test buttons run on one).
    public init(
        apiID: String, name: String, deploymentID: String, variables: [String: String], api: DeployedAPI, pipeline: Pipeline,
        region: String = "us-east-1"
    ) {
        self.apiID = apiID
        self.region = region
        self.name = name
        self.deploymentID = deploymentID
        self.variables = variables
        var api = api
        api.compileSteps(pipeline)
        self.api = api
        routes = RoutingTable(resources: api.resources)
        authorizerCachePrefix = AuthorizerCache.stagePrefix(api: apiID, stage: name)
        accessLog = nil
        loggingLevels = [:]
        throttles = [:]
        source = .null
        release = .only
        canary = nil
        metrics = nil
        detailedMetrics = [:]
        tracingEnabled = false
    }

    /// The stage document `stage` of a deployment whose snapshot is `snapshot`; with
    /// `canarySnapshot`, the snapshot of its `canarySettings.deploymentId`, the canary too.
    /// `cache` is the stage's response cache when `cacheClusterEnabled`; the canary uses it only
    /// with `useStageCache`.
    public convenience init(
        apiID: String, stage: JSON, snapshot: JSON, canarySnapshot: JSON? = nil, cache: StageCache? = nil, pipeline: Pipeline,
        region: String = "us-east-1", metrics: StageMetrics? = nil, detailedMetrics: [String: StageMetrics] = [:]
    ) {
        let settings = stage["canarySettings"]
        guard let canarySnapshot, let canaryDeployment = settings?["deploymentId"]?.stringValue else {
            self.init(
                apiID: apiID, stage: stage, snapshot: snapshot, cache: cache, pipeline: pipeline, region: region, release: .only, canary: nil,
                metrics: metrics, detailedMetrics: detailedMetrics)
            return
        }
        let overrides = (settings?["stageVariableOverrides"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        let canaryStage = DeployedStage(
            apiID: apiID, stage: stage, snapshot: canarySnapshot, cache: settings?["useStageCache"] == true ? cache : nil, pipeline: pipeline,
            region: region, release: .canary, canary: nil, metrics: metrics, detailedMetrics: detailedMetrics, deploymentID: canaryDeployment,
            variableOverrides: overrides)
        let percent = settings?["percentTraffic"]?.doubleValue ?? 0
        self.init(
            apiID: apiID, stage: stage, snapshot: snapshot, cache: cache, pipeline: pipeline, region: region, release: .base,
            canary: Canary(percentTraffic: percent, stage: canaryStage), metrics: metrics, detailedMetrics: detailedMetrics)
    }

    private init(
        apiID: String, stage: JSON, snapshot: JSON, cache: StageCache?, pipeline: Pipeline, region: String, release: Release, canary: Canary?,
        metrics: StageMetrics?, detailedMetrics: [String: StageMetrics], deploymentID: String? = nil, variableOverrides: [String: String] = [:]
    ) {
        self.apiID = apiID
        self.metrics = metrics
        self.detailedMetrics = detailedMetrics
        tracingEnabled = stage["tracingEnabled"]?.boolValue ?? false
        self.region = region
        self.release = release
        self.canary = canary
        name = stage["stageName"]?.stringValue ?? ""
        self.deploymentID = deploymentID ?? stage["deploymentId"]?.stringValue ?? ""
        variables = (stage["variables"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            .merging(variableOverrides) { _, override in override }
        var api = DeployedAPI(snapshot: snapshot)
        let methodSettings = stage["methodSettings"]?.objectValue ?? [:]
        api.compileSteps(pipeline) { resource, method in
            cache.flatMap { MethodCaching(cache: $0, methodSettings: methodSettings, resource: resource, method: method) }
        }
        self.api = api
        routes = RoutingTable(resources: api.resources)
        authorizerCachePrefix = AuthorizerCache.stagePrefix(api: apiID, stage: name)
        source = stage
        if let format = stage["accessLogSettings"]?["format"]?.stringValue,
            let destination = stage["accessLogSettings"]?["destinationArn"]?.stringValue
        {
            // arn:aws:logs:{region}:{account}:log-group:{name}
            accessLog = (format, StageLogs.logGroup(fromARN: destination))
        } else {
            accessLog = nil
        }
        loggingLevels = methodSettings.compactMapValues { $0["loggingLevel"]?.stringValue }
        throttles = methodSettings.compactMapValues { settings in
            Throttle(.object(["rateLimit": settings["throttlingRateLimit"] ?? .null, "burstLimit": settings["throttlingBurstLimit"] ?? .null]
                .filter { $0.value != .null }))
        }
    }
}

/// Everything the data plane serves: every deployed stage, by API id then stage name, with the
/// access rules of each region. An immutable value, replaced whole.
public final class DeployedStages: Revisioned {
    public let stages: [String: [String: DeployedStage]]
    /// HTTP APIs' stages, by API id then stage name (`$default` included).
    public let httpStages: [String: [String: DeployedHTTPStage]]
    /// WebSocket APIs' stages, by API id then stage name.
    public let webSocketStages: [String: [String: DeployedWebSocketStage]]
    /// API keys, usage plans and account throttles, by region.
    public let access: [String: AccessTable]
    /// Custom domain names with their mappings.
    public let domains: CustomDomains
    /// REST VPC links' upstream set names (the load balancer names of their targets), by link id.
    public let vpcLinks: [String: String]
    /// IAM roles' identity policies, by `{account}/{role name in lower case}`.
    public let rolePolicies: [String: [IAMPolicy]]
    /// Web ACLs by the REST stage they are associated with (`{api}/{stage}`).
    public let webACLs: [String: WebACLMatcher]
    public let revision: Int64

    public init(
        stages: [String: [String: DeployedStage]] = [:], httpStages: [String: [String: DeployedHTTPStage]] = [:],
        webSocketStages: [String: [String: DeployedWebSocketStage]] = [:], access: [String: AccessTable] = [:],
        domains: CustomDomains = CustomDomains(), vpcLinks: [String: String] = [:], rolePolicies: [String: [IAMPolicy]] = [:],
        webACLs: [String: WebACLMatcher] = [:],
        revision: Int64 = -1
    ) {
        self.stages = stages
        self.httpStages = httpStages
        self.webSocketStages = webSocketStages
        self.access = access
        self.domains = domains
        self.vpcLinks = vpcLinks
        self.rolePolicies = rolePolicies
        self.webACLs = webACLs
        self.revision = revision
    }

    public func stage(api: String, name: String) -> DeployedStage? { stages[api]?[name] }

    /// Which deployed stage a request is for: an invoke URL in either form, or a custom domain name.
    public func target(host: String?, rawPath: String) -> InvokeTarget? {
        InvokeTarget(host: host, rawPath: rawPath) ?? domains.target(host: host, rawPath: rawPath)
    }
}

/// Where the data plane reads the current stages from.
public typealias StageDirectory = Published<DeployedStages>

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
    private static func setting<T>(_ settings: [String: T], resourcePath: String, method: String) -> (key: String, value: T)? {
        guard !settings.isEmpty else { return nil }
        let key = "\(resourcePath.dropFirst())/\(method)"
        for candidate in [key, "~1" + key.replacingOccurrences(of: "/", with: "~1"), "*/*"] {
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
    }

    /// The stage document `stage` of a deployment whose snapshot is `snapshot`.
    public init(apiID: String, stage: JSON, snapshot: JSON, pipeline: Pipeline, region: String = "us-east-1") {
        self.apiID = apiID
        self.region = region
        name = stage["stageName"]?.stringValue ?? ""
        deploymentID = stage["deploymentId"]?.stringValue ?? ""
        variables = (stage["variables"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        var api = DeployedAPI(snapshot: snapshot)
        api.compileSteps(pipeline)
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
        let settings = stage["methodSettings"]?.objectValue ?? [:]
        loggingLevels = settings.compactMapValues { $0["loggingLevel"]?.stringValue }
        throttles = settings.compactMapValues { settings in
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
    public let revision: Int64

    public init(
        stages: [String: [String: DeployedStage]] = [:], httpStages: [String: [String: DeployedHTTPStage]] = [:],
        webSocketStages: [String: [String: DeployedWebSocketStage]] = [:], access: [String: AccessTable] = [:],
        revision: Int64 = -1
    ) {
        self.stages = stages
        self.httpStages = httpStages
        self.webSocketStages = webSocketStages
        self.access = access
        self.revision = revision
    }

    public func stage(api: String, name: String) -> DeployedStage? { stages[api]?[name] }
}

/// Where the data plane reads the current stages from.
public typealias StageDirectory = Published<DeployedStages>

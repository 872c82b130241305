import Atomics
import GatehouseFunctions
import GatehouseModel

/// One stage as callers see it: the deployment it points at, compiled, plus its variables.
public struct DeployedStage: Sendable {
    public var apiID: String
    /// The region the API lives in (for ARNs).
    public var region = "us-east-1"
    public var name: String
    public var deploymentID: String
    public var variables: [String: String]
    public var api: DeployedAPI
    public var routes: RoutingTable

    public init(apiID: String, name: String, deploymentID: String, variables: [String: String], api: DeployedAPI) {
        self.apiID = apiID
        self.name = name
        self.deploymentID = deploymentID
        self.variables = variables
        self.api = api
        routes = RoutingTable(resources: api.resources)
    }

    public init(apiID: String, stage: JSON, snapshot: JSON) {
        self.init(
            apiID: apiID, name: stage["stageName"]?.stringValue ?? "", deploymentID: stage["deploymentId"]?.stringValue ?? "",
            variables: (stage["variables"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            api: DeployedAPI(snapshot: snapshot))
    }
}

/// A function as integrations see it: every runnable version, its aliases and who may invoke it.
public struct DeployedFunction: Sendable {
    public var latest: FunctionSpec
    /// Published versions by number.
    public var versions: [String: FunctionSpec]
    /// Alias name → version.
    public var aliases: [String: String]
    /// The statements of its resource-based policy.
    public var statements: [JSON]

    public init(latest: FunctionSpec, versions: [String: FunctionSpec], aliases: [String: String], statements: [JSON]) {
        self.latest = latest
        self.versions = versions
        self.aliases = aliases
        self.statements = statements
    }

    /// The version a qualifier (`$LATEST`, a number, an alias) names.
    public func spec(qualifier: String?) -> FunctionSpec? {
        guard let qualifier, qualifier != "$LATEST" else { return latest }
        let version = aliases[qualifier] ?? qualifier
        return version == "$LATEST" ? latest : versions[version]
    }
}

/// Everything the data plane serves: every deployed stage, by API id then stage name, and the
/// functions integrations may call, by `region:name`. An immutable value, replaced whole.
public final class DeployedStages: AtomicReference, Sendable {
    public let stages: [String: [String: DeployedStage]]
    public let functions: [String: DeployedFunction]
    public let revision: Int64

    public init(stages: [String: [String: DeployedStage]] = [:], functions: [String: DeployedFunction] = [:], revision: Int64 = -1) {
        self.stages = stages
        self.functions = functions
        self.revision = revision
    }

    public func stage(api: String, name: String) -> DeployedStage? { stages[api]?[name] }
}

/// Where the data plane reads the current stages from. The deployer publishes a new set with
/// one atomic store; requests load it with one atomic load and never wait for a writer.
public final class StageDirectory: Sendable {
    private let current = ManagedAtomic(DeployedStages())

    public init() {}

    public var stages: DeployedStages { current.load(ordering: .acquiring) }

    public func publish(_ stages: DeployedStages) {
        current.store(stages, ordering: .releasing)
    }
}

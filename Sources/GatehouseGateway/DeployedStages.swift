import Atomics
import GatehouseModel

/// One stage as callers see it: the deployment it points at, compiled, plus its variables.
public struct DeployedStage: Sendable {
    public var apiID: String
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

/// Every deployed stage, by API id then stage name: an immutable value, replaced whole.
public final class DeployedStages: AtomicReference, Sendable {
    public let stages: [String: [String: DeployedStage]]
    public let revision: Int64

    public init(stages: [String: [String: DeployedStage]] = [:], revision: Int64 = -1) {
        self.stages = stages
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

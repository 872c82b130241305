import GatehouseControl
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import GatehouseStore
import Logging

/// Keeps the data plane's `StageDirectory` in step with the store: when the store's revision
/// moves, it rebuilds the set of deployed stages and publishes it with one atomic swap. A stage
/// whose deployment and variables did not change keeps its compiled routes.
///
/// The control plane calls `refresh()` after each write, so a deployment is live before
/// CreateDeployment answers; `run()` also polls, so nodes sharing a store see each other's writes.
actor Deployer {
    private let store: any Store
    private let directory: StageDirectory
    /// Where usage plans' counters and buckets live between access tables.
    private let meter: QuotaMeter
    private let limiter: RateLimiter
    private let logger: Logger

    init(store: any Store, directory: StageDirectory, meter: QuotaMeter, limiter: RateLimiter, logger: Logger) {
        self.store = store
        self.directory = directory
        self.meter = meter
        self.limiter = limiter
        self.logger = logger
    }

    func refresh() async throws {
        let revision = try await store.revision()
        let previous = directory.stages
        guard revision != previous.revision else { return }
        var stages: [String: [String: DeployedStage]] = [:]
        for region in try await store.parents(ofKind: "restapi") {
            for api in try await store.documents(kind: "restapi", parent: region) {
                guard let apiID = api["id"]?.stringValue else { continue }
                for stage in try await store.documents(kind: "stage", parent: apiID) {
                    guard let deployed = try await compile(stage, apiID: apiID, region: region, previous: previous) else { continue }
                    stages[apiID, default: [:]][deployed.name] = deployed
                }
            }
        }
        directory.publish(DeployedStages(stages: stages, functions: try await functions(), access: try await access(), revision: revision))
    }

    /// API keys, usage plans (with their keys) and the account's throttle, by region.
    private func access() async throws -> [String: AccessTable] {
        typealias Kind = APIGateway.Kind
        var regions = Set(try await store.parents(ofKind: Kind.apiKey))
        regions.formUnion(try await store.parents(ofKind: Kind.usagePlan))
        regions.formUnion(try await store.parents(ofKind: "account"))
        var tables: [String: AccessTable] = [:]
        for region in regions {
            let plans = try await store.documents(kind: Kind.usagePlan, parent: region)
            var planKeys: [String: [String]] = [:]
            for plan in plans {
                guard let id = plan["id"]?.stringValue else { continue }
                planKeys[id] = try await store.documents(kind: Kind.usagePlanKey, parent: id).compactMap { $0["id"]?.stringValue }
            }
            tables[region] = AccessTable(
                keys: try await store.documents(kind: Kind.apiKey, parent: region), plans: plans, planKeys: planKeys,
                account: try await store.document(DocumentKey(kind: "account", parent: region, id: "account")), meter: meter, limiter: limiter)
        }
        return tables
    }

    /// Every function with its versions, aliases and policy, by `region:name`.
    private func functions() async throws -> [String: DeployedFunction] {
        var functions: [String: DeployedFunction] = [:]
        for region in try await store.parents(ofKind: Lambda.Kind.function) {
            for document in try await store.documents(kind: Lambda.Kind.function, parent: region) {
                guard let configuration = document["configuration"], let name = configuration["FunctionName"]?.stringValue else { continue }
                let parent = "\(region):\(name)"
                var versions: [String: FunctionSpec] = [:]
                var qualifiedStatements: [String: [JSON]] = [:]
                for version in try await store.documents(kind: Lambda.Kind.version, parent: parent) {
                    let spec = Lambda.spec(version, document: document, region: region)
                    versions[spec.version] = spec
                    qualifiedStatements[spec.version] = version["Policy"]?["Statement"]?.arrayValue
                }
                var aliases: [String: String] = [:]
                for alias in try await store.documents(kind: Lambda.Kind.alias, parent: parent) {
                    guard let aliasName = alias["Name"]?.stringValue else { continue }
                    aliases[aliasName] = alias["FunctionVersion"]?.stringValue ?? "$LATEST"
                    qualifiedStatements[aliasName] = alias["Policy"]?["Statement"]?.arrayValue
                }
                functions["\(region):\(name)"] = DeployedFunction(
                    latest: Lambda.spec(configuration, document: document, region: region), versions: versions, aliases: aliases,
                    statements: document["Policy"]?["Statement"]?.arrayValue ?? [], qualifiedStatements: qualifiedStatements)
            }
        }
        return functions
    }

    private func compile(_ stage: JSON, apiID: String, region: String, previous: DeployedStages) async throws -> DeployedStage? {
        guard let name = stage["stageName"]?.stringValue, let deploymentID = stage["deploymentId"]?.stringValue else { return nil }
        if let known = previous.stage(api: apiID, name: name), known.deploymentID == deploymentID, known.source == stage, known.region == region {
            return known
        }
        guard let snapshot = try await store.document(DocumentKey(kind: "snapshot", parent: apiID, id: deploymentID)) else {
            return nil
        }
        return DeployedStage(apiID: apiID, stage: stage, snapshot: snapshot, region: region)
    }

    /// Polls the store until the task is cancelled.
    func run(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            do {
                try await refresh()
            } catch {
                logger.error("could not load deployed stages: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}

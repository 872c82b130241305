import GatehouseFunctions
import GatehouseModel
import Logging

/// What the deployer reads: the store's documents and its revision.
public protocol ConfigurationSource: DocumentReader {
    func revision() async throws -> Int64
}

/// Keeps the data plane in step with the store. For each committed change it recompiles only
/// what the change touched — one stage, one API's stages, one function, one region's access
/// rules — and publishes new tables with one atomic swap each, in revision order; a table never
/// replaces a newer one. At start, and when the store is found ahead (another node wrote to
/// it), everything is compiled afresh.
public actor Deployer {
    private let source: any ConfigurationSource
    private let directory: StageDirectory
    private let catalog: FunctionCatalog
    private let meter: QuotaMeter
    private let limiter: RateLimiter
    private let pipeline: Pipeline
    private let caches: ResponseCaches
    private let logger: Logger
    /// One compilation at a time: a change and a full reload never interleave.
    private let gate = AsyncGate()

    private var revision: Int64 = -1
    private var stages: [String: [String: DeployedStage]] = [:]
    private var httpStages: [String: [String: DeployedHTTPStage]] = [:]
    private var webSocketStages: [String: [String: DeployedWebSocketStage]] = [:]
    /// The region of each API with stages (REST and HTTP alike), for their ARNs.
    private var apiRegions: [String: String] = [:]
    private var access: [String: AccessTable] = [:]
    /// The region of each usage plan, for changes to its keys.
    private var planRegions: [String: String] = [:]
    private var functions: [String: FunctionVersions] = [:]
    /// Function URLs by URL id.
    private var functionURLs: [String: FunctionURL] = [:]
    private var domains = CustomDomains()
    private var vpcLinks: [String: String] = [:]
    private var rolePolicies: [String: [IAMPolicy]] = [:]
    private var webACLs: [String: WebACLMatcher] = [:]
    private let recorder: MetricRecorder?
    private let accountID: String

    public init(
        source: any ConfigurationSource, directory: StageDirectory, catalog: FunctionCatalog, gateway: Gateway, logger: Logger
    ) {
        self.source = source
        self.directory = directory
        self.catalog = catalog
        meter = gateway.usage
        limiter = gateway.limiter
        pipeline = gateway.pipeline
        caches = gateway.responseCaches
        recorder = gateway.metrics
        accountID = gateway.accountID
        self.logger = logger
    }

    /// Compiles everything the store holds.
    public func reload() async throws {
        try await gate.withGate { try await self.compileAll() }
    }

    /// Recompiles what `change` touched and publishes it.
    public func apply(_ change: StoreChange) async {
        do {
            try await gate.withGate { try await self.compile(change) }
        } catch {
            logger.error("could not deploy revision \(change.revision): \(error); reloading everything")
            try? await reload()
        }
    }

    /// Reloads when the store is ahead of what was compiled (another node wrote), until the task
    /// is cancelled. A local change is briefly ahead too, between its commit and its
    /// announcement: only a gap that outlasts a grace period means a write this node was not told of.
    public func watch(every interval: Duration = .seconds(1), grace: Duration = .milliseconds(250)) async {
        while (try? await Task.sleep(for: interval)) != nil {
            do {
                let current = try await source.revision()
                guard current > revision else { continue }
                try await Task.sleep(for: grace)
                if current > revision { try await reload() }
            } catch {
                logger.error("could not check the store's revision: \(error)")
            }
        }
    }

    // MARK: Compiling

    private func compileAll() async throws {
        let revision = try await source.revision()
        stages = [:]
        httpStages = [:]
        webSocketStages = [:]
        apiRegions = [:]
        for region in try await source.parents(ofKind: DocumentKind.restAPI) {
            for api in try await source.documents(kind: DocumentKind.restAPI, parent: region) {
                guard let apiID = api["id"]?.stringValue else { continue }
                apiRegions[apiID] = region
                try await compileStages(of: apiID)
            }
        }
        for region in try await source.parents(ofKind: DocumentKind.httpAPI) {
            for api in try await source.documents(kind: DocumentKind.httpAPI, parent: region) {
                guard let apiID = api["ApiId"]?.stringValue else { continue }
                apiRegions[apiID] = region
                for stage in try await source.documents(kind: DocumentKind.v2Stage, parent: apiID) {
                    try await compileHTTPStage(api: apiID, name: stage["StageName"]?.stringValue ?? "", document: stage)
                }
            }
        }
        var regions = Set<String>()
        for kind in [DocumentKind.apiKey, DocumentKind.usagePlan, DocumentKind.account] {
            regions.formUnion(try await source.parents(ofKind: kind))
        }
        access = [:]
        planRegions = [:]
        for region in regions { try await compileAccess(region) }
        try await compileDomains()
        try await compileVpcLinks()
        try await compileRoles()
        try await compileWebACLs()
        functions = [:]
        functionURLs = [:]
        for region in try await source.parents(ofKind: DocumentKind.function) {
            for document in try await source.documents(kind: DocumentKind.function, parent: region) {
                guard let name = document["configuration"]?["FunctionName"]?.stringValue else { continue }
                try await compileFunction("\(region):\(name)")
            }
        }
        publish(revision)
    }

    private func compile(_ change: StoreChange) async throws {
        var accessRegions = Set<String>()
        var touchedFunctions = Set<String>()
        var touchedDomains = false, touchedLinks = false, touchedRoles = false, touchedWAF = false
        for change in change.changes {
            switch change {
            case .document(let key):
                switch key.kind {
                case DocumentKind.stage:
                    try await compileStage(api: key.parent, name: key.id)
                case DocumentKind.restAPI where try await source.document(key) == nil,
                    DocumentKind.httpAPI where try await source.document(key) == nil:
                    forget(api: key.id)
                case DocumentKind.v2Stage:
                    try await compileHTTPStage(api: key.parent, name: key.id)
                case DocumentKind.apiKey, DocumentKind.usagePlan, DocumentKind.account:
                    accessRegions.insert(key.parent)
                case DocumentKind.usagePlanKey:
                    accessRegions.formUnion(planRegions[key.parent].map { [$0] } ?? Array(access.keys))
                case DocumentKind.function:
                    touchedFunctions.insert("\(key.parent):\(key.id)")
                case DocumentKind.functionVersion, DocumentKind.functionAlias, DocumentKind.eventInvokeConfig, DocumentKind.functionURL:
                    touchedFunctions.insert(key.parent)
                case DocumentKind.restDomainName, DocumentKind.basePathMapping, DocumentKind.domainName, DocumentKind.apiMapping:
                    touchedDomains = true
                case DocumentKind.restVpcLink:
                    touchedLinks = true
                case DocumentKind.iamRole:
                    touchedRoles = true
                case DocumentKind.webACL, DocumentKind.wafIPSet, DocumentKind.wafRegexPatternSet, DocumentKind.webACLAssociation:
                    touchedWAF = true
                default:
                    // The live API (resources, methods…) is not what callers see: only deployments are.
                    break
                }
            case .allOwned(let parent):
                if stages[parent] != nil || httpStages[parent] != nil || webSocketStages[parent] != nil { forget(api: parent) }
                if let region = planRegions[parent] { accessRegions.insert(region) }
                if parent.contains(":") { touchedFunctions.insert(parent) }
            }
        }
        for region in accessRegions { try await compileAccess(region) }
        for function in touchedFunctions { try await compileFunction(function) }
        if touchedDomains { try await compileDomains() }
        if touchedLinks { try await compileVpcLinks() }
        if touchedRoles { try await compileRoles() }
        if touchedWAF { try await compileWebACLs() }
        publish(change.revision)
    }

    private func forget(api: String) {
        stages[api] = nil
        httpStages[api] = nil
        webSocketStages[api] = nil
        apiRegions[api] = nil
        caches.removeAll(api: api)
    }

    private func compileStages(of apiID: String) async throws {
        for stage in try await source.documents(kind: DocumentKind.stage, parent: apiID) {
            guard let name = stage["stageName"]?.stringValue else { continue }
            try await compileStage(api: apiID, name: name, document: stage)
        }
    }

    /// One stage: its deployment's snapshot compiled with the stage's settings (and its canary's,
    /// published with it in one swap), or nothing when the stage is gone.
    private func compileStage(api apiID: String, name: String, document: JSON? = nil) async throws {
        let stage: JSON?
        if let document { stage = document } else { stage = try await source.document(DocumentKey(kind: DocumentKind.stage, parent: apiID, id: name)) }
        guard let stage, let deploymentID = stage["deploymentId"]?.stringValue,
            let snapshot = try await source.document(DocumentKey(kind: DocumentKind.snapshot, parent: apiID, id: deploymentID)),
            let region = try await region(of: apiID)
        else {
            stages[apiID]?[name] = nil
            caches.remove(api: apiID, stage: name)
            return
        }
        var cache: StageCache?
        if stage["cacheClusterEnabled"] == true {
            cache = caches.cache(api: apiID, stage: name, size: stage["cacheClusterSize"]?.stringValue ?? "0.5")
        } else {
            caches.remove(api: apiID, stage: name)
        }
        var canarySnapshot: JSON?
        if let canaryDeployment = stage["canarySettings"]?["deploymentId"]?.stringValue {
            canarySnapshot = try await source.document(DocumentKey(kind: DocumentKind.snapshot, parent: apiID, id: canaryDeployment))
        }
        let metrics = recorder.map { recorder in
            StageMetrics.rest(
                recorder: recorder, account: accountID, region: region, apiName: snapshot["restApi"]?["name"]?.stringValue ?? apiID, stage: name)
        }
        stages[apiID, default: [:]][name] = DeployedStage(
            apiID: apiID, stage: stage, snapshot: snapshot, canarySnapshot: canarySnapshot, cache: cache, pipeline: pipeline, region: region,
            metrics: metrics, detailedMetrics: detailedMetrics(stage: stage, snapshot: snapshot, apiID: apiID, region: region))
    }

    /// Detailed metrics for each method whose `methodSettings` enable them (`metrics/enabled`), by `GET /pets`.
    private func detailedMetrics(stage: JSON, snapshot: JSON, apiID: String, region: String) -> [String: StageMetrics] {
        guard let recorder, let settings = stage["methodSettings"]?.objectValue, !settings.isEmpty else { return [:] }
        let apiName = snapshot["restApi"]?["name"]?.stringValue ?? apiID
        var detailed: [String: StageMetrics] = [:]
        for resource in snapshot["resources"]?.arrayValue ?? [] {
            let path = resource["path"]?.stringValue ?? "/"
            for verb in (resource["resourceMethods"]?.objectValue ?? [:]).keys {
                guard DeployedStage.setting(settings, resourcePath: path, method: verb)?.value["metricsEnabled"]?.boolValue == true else { continue }
                detailed["\(verb) \(path)"] = StageMetrics.rest(
                    recorder: recorder, account: accountID, region: region, apiName: apiName, stage: stage["stageName"]?.stringValue ?? "",
                    method: (path, verb))
            }
        }
        return detailed
    }

    /// One stage of an HTTP or WebSocket API, from its deployment's snapshot; nothing when the
    /// stage is gone or not deployed yet (an auto-deploying stage of an API without routes).
    private func compileHTTPStage(api apiID: String, name: String, document: JSON? = nil) async throws {
        let stage: JSON?
        if let document { stage = document } else { stage = try await source.document(DocumentKey(kind: DocumentKind.v2Stage, parent: apiID, id: name)) }
        httpStages[apiID]?[name] = nil
        webSocketStages[apiID]?[name] = nil
        guard let stage, let deploymentID = stage["DeploymentId"]?.stringValue,
            let snapshot = try await source.document(DocumentKey(kind: DocumentKind.v2Snapshot, parent: apiID, id: deploymentID)),
            let region = try await region(of: apiID, kind: DocumentKind.httpAPI)
        else { return }
        if snapshot["Api"]?["ProtocolType"] == "WEBSOCKET" {
            webSocketStages[apiID, default: [:]][name] = DeployedWebSocketStage(
                apiID: apiID, stage: stage, snapshot: snapshot, pipeline: pipeline, region: region, recorder: recorder, account: accountID)
        } else {
            let metrics = recorder.map { StageMetrics.http(recorder: $0, account: accountID, region: region, apiID: apiID, stage: name) }
            var routeMetrics: [String: StageMetrics] = [:]
            if let recorder {
                // `DetailedMetricsEnabled` in the route's settings, else the stage's defaults.
                for key in (snapshot["Routes"]?.arrayValue ?? []).compactMap({ $0["RouteKey"]?.stringValue }) {
                    let enabled = stage["RouteSettings"]?[key]?["DetailedMetricsEnabled"] ?? stage["DefaultRouteSettings"]?["DetailedMetricsEnabled"]
                    guard enabled == true else { continue }
                    routeMetrics[key] = StageMetrics.http(recorder: recorder, account: accountID, region: region, apiID: apiID, stage: name, route: key)
                }
            }
            httpStages[apiID, default: [:]][name] = DeployedHTTPStage(
                apiID: apiID, stage: stage, snapshot: snapshot, pipeline: pipeline, region: region, metrics: metrics, routeMetrics: routeMetrics)
        }
    }

    /// The region an API lives in, looked up once.
    private func region(of apiID: String, kind: String = DocumentKind.restAPI) async throws -> String? {
        if let region = apiRegions[apiID] { return region }
        for region in try await source.parents(ofKind: kind)
        where try await source.document(DocumentKey(kind: kind, parent: region, id: apiID)) != nil {
            apiRegions[apiID] = region
            return region
        }
        return nil
    }

    /// Every custom domain name's mappings: REST base path mappings and v2 API mappings.
    private func compileDomains() async throws {
        var mappings: [(domain: String, basePath: String, apiID: String, stage: String?)] = []
        for region in try await source.parents(ofKind: DocumentKind.restDomainName) {
            for domain in try await source.documents(kind: DocumentKind.restDomainName, parent: region) {
                guard let name = domain["domainName"]?.stringValue else { continue }
                for mapping in try await source.documents(kind: DocumentKind.basePathMapping, parent: "\(region)/\(name)") {
                    mappings.append((name, mapping["basePath"]?.stringValue ?? "", mapping["restApiId"]?.stringValue ?? "", mapping["stage"]?.stringValue))
                }
            }
        }
        for region in try await source.parents(ofKind: DocumentKind.domainName) {
            for domain in try await source.documents(kind: DocumentKind.domainName, parent: region) {
                guard let name = domain["DomainName"]?.stringValue else { continue }
                for mapping in try await source.documents(kind: DocumentKind.apiMapping, parent: "\(region)/\(name)") {
                    mappings.append((name, mapping["ApiMappingKey"]?.stringValue ?? "", mapping["ApiId"]?.stringValue ?? "", mapping["Stage"]?.stringValue))
                }
            }
        }
        domains = CustomDomains(mappings)
    }

    /// Every REST VPC link's upstream set: the load balancer name of its target.
    private func compileVpcLinks() async throws {
        var links: [String: String] = [:]
        for region in try await source.parents(ofKind: DocumentKind.restVpcLink) {
            for link in try await source.documents(kind: DocumentKind.restVpcLink, parent: region) {
                guard let id = link["id"]?.stringValue, let target = link["targetArns"]?.arrayValue?.first?.stringValue else { continue }
                links[id] = LoadBalancerARN.name(in: target)
            }
        }
        vpcLinks = links
    }

    /// Every web ACL associated with a REST stage, compiled with the IP sets it names, by `{api}/{stage}`.
    private func compileWebACLs() async throws {
        var compiled: [String: WebACLMatcher] = [:]
        for parent in try await source.parents(ofKind: DocumentKind.webACLAssociation) {
            let acls = try await source.documents(kind: DocumentKind.webACL, parent: parent)
            var references = WebACLMatcher.References()
            for set in try await source.documents(kind: DocumentKind.wafIPSet, parent: parent) {
                references.ipSets[set["ARN"]?.stringValue ?? ""] = (set["Addresses"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(IPRange.init) }
            }
            for set in try await source.documents(kind: DocumentKind.wafRegexPatternSet, parent: parent) {
                references.patternSets[set["ARN"]?.stringValue ?? ""] = (set["RegularExpressionList"]?.arrayValue ?? []).compactMap { $0["RegexString"]?.stringValue }
            }
            for association in try await source.documents(kind: DocumentKind.webACLAssociation, parent: parent) {
                guard let acl = acls.first(where: { $0["ARN"] == association["WebACLArn"] }),
                    let api = association["RestApiId"]?.stringValue, let stage = association["Stage"]?.stringValue
                else { continue }
                compiled["\(api)/\(stage)"] = WebACLMatcher(acl: acl, references: references)
            }
        }
        webACLs = compiled
    }

    /// Every IAM role's identity policies, compiled once, for role sessions' `AWS_IAM` calls.
    private func compileRoles() async throws {
        var roles: [String: [IAMPolicy]] = [:]
        for account in try await source.parents(ofKind: DocumentKind.iamRole) {
            for role in try await source.documents(kind: DocumentKind.iamRole, parent: account) {
                guard let name = role["RoleName"]?.stringValue else { continue }
                roles["\(account)/\(name.lowercased())"] = ManagedPolicies.of(role: role)
            }
        }
        rolePolicies = roles
    }

    /// A region's API keys, usage plans (with their keys) and account throttle.
    private func compileAccess(_ region: String) async throws {
        let plans = try await source.documents(kind: DocumentKind.usagePlan, parent: region)
        var planKeys: [String: [String]] = [:]
        for plan in plans {
            guard let id = plan["id"]?.stringValue else { continue }
            planRegions[id] = region
            planKeys[id] = try await source.documents(kind: DocumentKind.usagePlanKey, parent: id).compactMap { $0["id"]?.stringValue }
        }
        access[region] = AccessTable(
            keys: try await source.documents(kind: DocumentKind.apiKey, parent: region), plans: plans, planKeys: planKeys,
            account: try await source.document(DocumentKey(kind: DocumentKind.account, parent: region, id: "account")),
            meter: meter, limiter: limiter)
    }

    /// One function (`{region}:{name}`) with its versions, aliases, policies and `Event` settings,
    /// or nothing when it is gone.
    private func compileFunction(_ key: String) async throws {
        guard let colon = key.firstIndex(of: ":") else { return }
        let region = String(key[..<colon]), name = String(key[key.index(after: colon)...])
        functionURLs = functionURLs.filter { $0.value.function != key }
        guard let document = try await source.document(DocumentKey(kind: DocumentKind.function, parent: region, id: name)),
            let configuration = document["configuration"]
        else {
            functions[key] = nil
            return
        }
        var versions: [String: FunctionSpec] = [:]
        var qualifiedStatements: [String: [JSON]] = [:]
        for version in try await source.documents(kind: DocumentKind.functionVersion, parent: key) {
            let spec = FunctionSpec(configuration: version, function: document, region: region)
            versions[spec.version] = spec
            qualifiedStatements[spec.version] = version["Policy"]?["Statement"]?.arrayValue
        }
        var aliases: [String: String] = [:]
        for alias in try await source.documents(kind: DocumentKind.functionAlias, parent: key) {
            guard let aliasName = alias["Name"]?.stringValue else { continue }
            aliases[aliasName] = alias["FunctionVersion"]?.stringValue ?? "$LATEST"
            qualifiedStatements[aliasName] = alias["Policy"]?["Statement"]?.arrayValue
        }
        for url in try await source.documents(kind: DocumentKind.functionURL, parent: key) {
            if let id = url["UrlId"]?.stringValue { functionURLs[id] = FunctionURL(function: key, region: region, document: url) }
        }
        var configs: [String: EventInvokeConfig] = [:]
        for config in try await source.documents(kind: DocumentKind.eventInvokeConfig, parent: key) {
            if let qualifier = config["Qualifier"]?.stringValue { configs[qualifier] = EventInvokeConfig(config) }
        }
        functions[key] = FunctionVersions(
            latest: FunctionSpec(configuration: configuration, function: document, region: region), versions: versions, aliases: aliases,
            statements: document["Policy"]?["Statement"]?.arrayValue ?? [], qualifiedStatements: qualifiedStatements,
            eventInvokeConfigs: configs)
    }

    private func publish(_ revision: Int64) {
        self.revision = max(self.revision, revision)
        directory.publish(DeployedStages(
            stages: stages, httpStages: httpStages, webSocketStages: webSocketStages, access: access, domains: domains, vpcLinks: vpcLinks, rolePolicies: rolePolicies,
            webACLs: webACLs, revision: self.revision))
        catalog.publish(FunctionTable(functions: functions, urls: functionURLs, revision: self.revision))
    }
}

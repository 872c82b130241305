import Foundation
import GatehouseFunctions
import GatehouseModel
import Logging
import Testing

@testable import GatehouseGateway

/// The deployer: what the data plane serves follows the store's documents, as the control plane
/// writes them, and only deployments change what callers see.
@Suite struct DeployerTests {
    /// Documents in memory, listed oldest first, with a revision that moves on every write.
    final class MemoryStore: ConfigurationSource, @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [DocumentKey: (seq: Int, json: JSON)] = [:]
        private var seq = 0
        private var current: Int64 = 0

        var currentRevision: Int64 { lock.withLock { current } }

        /// Writes a document; answers the change as the store would announce it.
        @discardableResult
        func put(_ key: DocumentKey, _ json: JSON) -> StoreChange {
            lock.withLock {
                seq += 1
                current += 1
                entries[key] = (entries[key]?.seq ?? seq, json)
                return StoreChange(revision: current, changes: [.document(key)])
            }
        }

        @discardableResult
        func delete(_ key: DocumentKey) -> StoreChange {
            lock.withLock {
                current += 1
                entries[key] = nil
                return StoreChange(revision: current, changes: [.document(key)])
            }
        }

        /// Deletes everything `parent` owns, as deleting an API does.
        @discardableResult
        func deleteAll(ownedBy parent: String) -> StoreChange {
            lock.withLock {
                current += 1
                entries = entries.filter { $0.key.parent != parent }
                return StoreChange(revision: current, changes: [.allOwned(by: parent)])
            }
        }

        func revision() async throws -> Int64 { currentRevision }

        func document(_ key: DocumentKey) async throws -> JSON? { lock.withLock { entries[key]?.json } }

        func documents(kind: String, parent: String) async throws -> [JSON] {
            lock.withLock { entries.filter { $0.key.kind == kind && $0.key.parent == parent }.sorted { $0.value.seq < $1.value.seq }.map(\.value.json) }
        }

        func parents(ofKind kind: String) async throws -> [String] {
            lock.withLock { Array(Set(entries.keys.filter { $0.kind == kind }.map(\.parent))).sorted() }
        }
    }

    let store = MemoryStore()
    let test = TestGateway()
    let catalog = FunctionCatalog(FunctionTable())
    let deployer: Deployer

    init() {
        deployer = Deployer(source: store, directory: test.gateway.directory, catalog: catalog, gateway: test.gateway, logger: Logger(label: "test"))
    }

    var served: DeployedStages { test.gateway.directory.current }

    // MARK: Documents as the control plane stores them

    static func stageKey(_ api: String, _ name: String) -> DocumentKey { DocumentKey(kind: DocumentKind.stage, parent: api, id: name) }
    static func functionKey(_ name: String) -> DocumentKey { DocumentKey(kind: DocumentKind.function, parent: "us-east-1", id: name) }

    /// A MOCK `GET {path}` answering 200.
    static func resource(_ path: String) -> JSON {
        [
            "id": .string("r" + path.dropFirst()), "path": .string(path),
            "resourceMethods": ["GET": ["httpMethod": "GET", "authorizationType": "NONE", "methodIntegration": [
                "type": "MOCK", "requestTemplates": ["application/json": "{\"statusCode\": 200}"],
                "integrationResponses": ["200": ["statusCode": "200", "responseTemplates": ["application/json": .string("{\"path\": \"\(path)\"}")]]],
            ]]],
        ]
    }

    func createAPI(_ id: String, region: String = "us-east-1") {
        store.put(DocumentKey(kind: DocumentKind.restAPI, parent: region, id: id), ["id": .string(id), "name": "demo"])
        store.put(DocumentKey(kind: DocumentKind.resource, parent: id, id: "root"), ["id": "root", "path": "/"])
    }

    @discardableResult
    func deploy(_ api: String, deployment: String, paths: [String]) -> StoreChange {
        store.put(
            DocumentKey(kind: DocumentKind.snapshot, parent: api, id: deployment),
            ["restApi": ["id": .string(api)], "resources": .array(paths.map(Self.resource))])
    }

    @discardableResult
    func stage(_ api: String, _ name: String, deployment: String) -> StoreChange {
        store.put(Self.stageKey(api, name), ["stageName": .string(name), "deploymentId": .string(deployment)])
    }

    @discardableResult
    func function(_ name: String, handler: String = "app.handler", revision: String = "1") -> StoreChange {
        store.put(Self.functionKey(name), ["configuration": [
            "FunctionName": .string(name), "Version": "$LATEST", "Runtime": "python3.11", "Handler": .string(handler), "CodeSha256": "x",
            "RevisionId": .string(revision),
        ]])
    }

    /// Whether `api`'s stage routes `GET path`.
    func routes(_ api: String, _ stage: String, _ path: String) -> Bool {
        served.stage(api: api, name: stage)?.routes.match(method: "GET", path: path) != nil
    }

    // MARK: Tests

    @Test func reloadingPublishesEveryStageAndFunction() async throws {
        createAPI("api1")
        createAPI("api2", region: "eu-west-1")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        deploy("api2", deployment: "d2", paths: ["/cats"])
        stage("api1", "dev", deployment: "d1")
        stage("api1", "prod", deployment: "d1")
        stage("api2", "prod", deployment: "d2")
        function("fn")
        try await deployer.reload()

        #expect(routes("api1", "dev", "/pets") && routes("api1", "prod", "/pets") && routes("api2", "prod", "/cats"))
        #expect(served.stage(api: "api2", name: "prod")?.region == "eu-west-1")
        #expect(served.stage(api: "api1", name: "dev")?.deploymentID == "d1")
        #expect(served.revision == store.currentRevision)
        let fn = try #require(catalog.current.functions["us-east-1:fn"])
        #expect(fn.latest.runtime == "python3.11")
        #expect(fn.latest.handler == "app.handler")
        #expect(catalog.current.revision == store.currentRevision)
    }

    @Test func pointingAStageAtANewDeploymentPublishesItsRoutes() async throws {
        createAPI("api1")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        stage("api1", "prod", deployment: "d1")
        try await deployer.reload()
        deploy("api1", deployment: "d2", paths: ["/cats"])

        await deployer.apply(stage("api1", "prod", deployment: "d2"))
        #expect(routes("api1", "prod", "/cats"))
        #expect(!routes("api1", "prod", "/pets"))
        #expect(served.stage(api: "api1", name: "prod")?.deploymentID == "d2")
        let response = await test.gateway.handle(
            IncomingRequest(method: "GET", rawPath: "/cats"), target: InvokeTarget(apiID: "api1", stage: "prod", path: "/cats"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"path": "/cats"}"#)
    }

    @Test func editingTheLiveAPIChangesNothingCallersSee() async throws {
        createAPI("api1")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        stage("api1", "prod", deployment: "d1")
        try await deployer.reload()
        let before = try #require(served.stage(api: "api1", name: "prod"))

        await deployer.apply(store.put(DocumentKey(kind: DocumentKind.resource, parent: "api1", id: "rdogs"), Self.resource("/dogs")))
        #expect(served.stage(api: "api1", name: "prod") === before)
        #expect(!routes("api1", "prod", "/dogs"))
        #expect(routes("api1", "prod", "/pets"))
    }

    @Test func deletingAStageRemovesIt() async throws {
        createAPI("api1")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        stage("api1", "dev", deployment: "d1")
        stage("api1", "prod", deployment: "d1")
        try await deployer.reload()

        await deployer.apply(store.delete(Self.stageKey("api1", "dev")))
        #expect(served.stage(api: "api1", name: "dev") == nil)
        #expect(routes("api1", "prod", "/pets"))
    }

    @Test func deletingEverythingAnAPIOwnsRemovesItsStages() async throws {
        createAPI("api1")
        createAPI("api2")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        deploy("api2", deployment: "d2", paths: ["/cats"])
        stage("api1", "dev", deployment: "d1")
        stage("api1", "prod", deployment: "d1")
        stage("api2", "prod", deployment: "d2")
        try await deployer.reload()

        await deployer.apply(store.deleteAll(ownedBy: "api1"))
        #expect(served.stages["api1"] == nil)
        #expect(routes("api2", "prod", "/cats"))
    }

    @Test func deletingTheAPIDocumentRemovesItsStages() async throws {
        createAPI("api1")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        stage("api1", "prod", deployment: "d1")
        try await deployer.reload()

        await deployer.apply(store.delete(DocumentKey(kind: DocumentKind.restAPI, parent: "us-east-1", id: "api1")))
        #expect(served.stage(api: "api1", name: "prod") == nil)
    }

    @Test func aFunctionChangeUpdatesTheCatalog() async throws {
        function("fn")
        try await deployer.reload()
        #expect(catalog.current.functions["us-east-1:fn"]?.latest.revision == "1")

        await deployer.apply(function("fn", handler: "other.handler", revision: "2"))
        #expect(catalog.current.functions["us-east-1:fn"]?.latest.handler == "other.handler")
        #expect(catalog.current.functions["us-east-1:fn"]?.latest.revision == "2")

        await deployer.apply(function("fn2"))
        #expect(catalog.current.functions.keys.sorted() == ["us-east-1:fn", "us-east-1:fn2"])

        await deployer.apply(store.delete(Self.functionKey("fn")))
        #expect(catalog.current.functions.keys.sorted() == ["us-east-1:fn2"])
    }

    @Test func revisionsOnlyGoForward() async throws {
        createAPI("api1")
        deploy("api1", deployment: "d1", paths: ["/pets"])
        stage("api1", "prod", deployment: "d1")
        try await deployer.reload()
        let newest = served
        let revision = newest.revision
        #expect(revision == store.currentRevision)

        test.gateway.directory.publish(DeployedStages(revision: revision - 1))
        #expect(served === newest)

        await deployer.apply(StoreChange(revision: revision - 3, changes: []))
        #expect(served.revision == revision)
        #expect(routes("api1", "prod", "/pets"))
    }

    @Test func aPublishedSnapshotIsNeverReplacedByAnOlderOne() {
        let published = Published(FunctionTable(revision: 5))
        published.publish(FunctionTable(revision: 3))
        #expect(published.current.revision == 5)
        let newer = FunctionTable(revision: 7)
        published.publish(newer)
        #expect(published.current === newer)
        published.publish(FunctionTable(revision: 6))
        #expect(published.current === newer)
    }
}

import AsyncHTTPClient
import Foundation
import GatehouseFunctions
import GatehouseModel
import Logging

@testable import GatehouseGateway

/// A real gateway for unit tests: its stages are published by hand, its functions never run
/// (no worker can start without a code store), `Event` invocations land in `queue`.
struct TestGateway {
    let gateway: Gateway
    let queue = MemoryQueue()

    static let shared = TestGateway()

    init(webSocketSettings: WebSocketSettings = WebSocketSettings()) {
        let catalog = FunctionCatalog(FunctionTable())
        let logs = DiscardingLogSink()
        let pool = WorkerPool(
            settings: .init(runtimeAPIAddress: "127.0.0.1:1", gatehouseEndpoint: "http://127.0.0.1:1", credentials: { _ in WorkerCredentials(accessKeyID: "test", secretAccessKey: "test") }),
            code: CodeStore(directory: NSTemporaryDirectory() + "gatehouse-tests-\(UUID().uuidString)"), logs: logs)
        let invoker = Invoker(pool: pool, logs: logs)
        let async = AsyncInvocations(queue: queue, invoker: invoker, catalog: catalog, logger: Logger(label: "test"))
        gateway = Gateway(
            directory: StageDirectory(DeployedStages()), httpClient: HTTPClient.shared,
            catalog: catalog, invoker: invoker, async: async, accountID: "123456789012", logs: logs, webSocketSettings: webSocketSettings)
    }

    var pipeline: Pipeline { gateway.pipeline }

    /// A stage of API `a1b2c3` deployed from `resources`, published for requests to reach;
    /// `snapshot` adds the snapshot's other members (`requestValidators`, `authorizers`…).
    @discardableResult
    func deploy(
        _ resources: [JSON], stage: JSON = ["stageName": "prod", "deploymentId": "d1"], api: JSON = ["id": "a1b2c3"], snapshot: [String: JSON] = [:]
    ) -> DeployedStage {
        let frozen = JSON.object(snapshot.merging(["restApi": api, "resources": .array(resources)]) { _, own in own })
        let deployed = DeployedStage(apiID: "a1b2c3", stage: stage, snapshot: frozen, pipeline: pipeline)
        gateway.directory.publish(DeployedStages(stages: ["a1b2c3": [deployed.name: deployed]], revision: gateway.directory.current.revision + 1))
        return deployed
    }
}

struct DiscardingLogSink: LogSink {
    func append(region: String, group: String, stream: String, events: [GatehouseModel.LogEvent]) async {}
}

/// An event queue in memory.
final class MemoryQueue: EventQueue, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [QueuedEvent] = []

    var queued: [QueuedEvent] { lock.withLock { events } }

    func enqueue(_ event: QueuedEvent) async throws { lock.withLock { events.append(event) } }

    func dueEvents(by time: Double, limit: Int) async throws -> [QueuedEvent] {
        lock.withLock { Array(events.filter { $0.dueAt <= time }.sorted { $0.dueAt < $1.dueAt }.prefix(limit)) }
    }

    func reschedule(_ event: QueuedEvent) async throws {
        lock.withLock { events = events.map { $0.id == event.id ? event : $0 } }
    }

    func finish(_ id: String, then next: QueuedEvent?) async throws {
        lock.withLock {
            events.removeAll { $0.id == id }
            if let next { events.append(next) }
        }
    }
}

import AsyncHTTPClient
import Foundation
import GatehouseControl
import GatehouseGateway
import GatehouseStore
import Hummingbird
import Logging
import ServiceLifecycle

/// A Gatehouse node: opens the store, builds the planes and serves them until SIGINT or SIGTERM.
public struct GatehouseServer: Sendable {
    public static let version = "0.1.0"

    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func run() async throws {
        let logger = Self.logger(level: configuration.logLevel)
        let store = try await SQLStore.sqlite(directory: configuration.dataDir, logger: logger)
        let verifier = SignatureVerifier(
            secrets: Dictionary(configuration.credentials.map { ($0.accessKeyId, $0.secretAccessKey) }, uniquingKeysWith: { a, _ in a }),
            accountId: configuration.accountId)
        let directory = StageDirectory()
        let deployer = Deployer(store: store, directory: directory, logger: logger)
        try await deployer.refresh()
        var clientConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
        // A backend that refuses the connection is an immediate integration failure, not a retry loop.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let gateway = Gateway(directory: directory, httpClient: httpClient)
        var services = try Services.all()
        for index in services.indices where services[index].model.operations["TestInvokeMethod"] != nil {
            services[index].handlers["TestInvokeMethod"] = TestInvokeMethod.handler(gateway: gateway)
        }
        let controlPlane = ControlPlane(services: services, verifier: verifier, store: store, logger: logger)
        let frameworkLogger = Self.logger(level: "warning")
        let app = Application(
            responder: GatehouseResponder(controlPlane: controlPlane, gateway: gateway, deployer: deployer, version: Self.version),
            server: .http1(configuration: .init(additionalChannelHandlers: [ImmediateAnswerHandler(gateway: gateway)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let address = channel.localAddress
                logger.notice("Gatehouse \(Self.version) listening on http://\(address?.ipAddress ?? configuration.host):\(address?.port ?? configuration.port) (data in \(configuration.dataDir))")
            },
            logger: frameworkLogger)
        let polling = Task { await deployer.run() }
        defer { polling.cancel() }
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            try? await httpClient.shutdown()
            try? await store.close()
            throw error
        }
        try await httpClient.shutdown()
        try await store.close()
        logger.notice("Gatehouse stopped")
    }

    private static func logger(level: String) -> Logger {
        var logger = Logger(label: "gatehouse")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}

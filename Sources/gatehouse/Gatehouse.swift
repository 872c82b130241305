import ArgumentParser
import Foundation
import GatehouseServer

/// `gatehouse`: the command line. It only parses arguments; the server does the rest.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A self-hosted API gateway, wire-compatible with Amazon API Gateway and AWS Lambda.",
        version: GatehouseServer.version,
        subcommands: [Serve.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (control plane and data plane) on one listener.")

    @Option(help: "Address to listen on (default 127.0.0.1, env GATEHOUSE_HOST).") var host: String?
    @Option(help: "Port to listen on (default 4566, env GATEHOUSE_PORT).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Directory for the embedded store (default ./.gatehouse, env GATEHOUSE_DATA_DIR).") var dataDir: String?
    @Option(help: "JSON configuration file (env GATEHOUSE_CONFIG).") var config: String?

    func run() async throws {
        var configuration = try Configuration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let dataDir { configuration.dataDir = dataDir }
        try await GatehouseServer(configuration: configuration).run()
    }
}

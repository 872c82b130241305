import ArgumentParser
import Foundation
import GatehouseServer
import GatehouseTemplates

/// `gatehouse`: the command line. It only parses arguments; the server and the stack deployer
/// do the rest.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A self-hosted API gateway, wire-compatible with Amazon API Gateway and AWS Lambda.",
        version: GatehouseServer.version,
        subcommands: [Serve.self, Deploy.self, Logs.self, Metrics.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (control plane and data plane) on one listener.")

    @Option(help: "Address to listen on (default 127.0.0.1, env GATEHOUSE_HOST).") var host: String?
    @Option(help: "Port to listen on (default 4566, env GATEHOUSE_PORT).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Directory for the embedded store (default ./.gatehouse, env GATEHOUSE_DATA_DIR).") var dataDir: String?
    @Option(help: "JSON configuration file (env GATEHOUSE_CONFIG).") var config: String?
    @Option(help: "A SAM or CloudFormation template to deploy once the server runs.") var template: String?
    @Option(name: .customLong("stack-name"), help: "The template's stack name (default: its directory's name).") var stackName: String?
    @Flag(help: "With --template: deploy again whenever the template or a function's code changes.") var watch = false

    func run() async throws {
        var configuration = try Configuration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let dataDir { configuration.dataDir = dataDir }
        if let template {
            let file = URL(fileURLWithPath: template).standardizedFileURL
            configuration.template = .init(path: file.path, stackName: stackName ?? Deploy.defaultStackName(file), watch: watch)
        }
        try await GatehouseServer(configuration: configuration).run()
    }
}

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a SAM or CloudFormation template to a running Gatehouse, applying what changed since the last deploy.")

    @Argument(help: "The template (YAML or JSON).") var template: String
    @Option(name: .customLong("stack-name"), help: "The stack's name (default: the template directory's name).") var stackName: String?
    @Option(name: .customLong("parameter-overrides"), parsing: .upToNextOption, help: "Parameter values, as Name=Value.") var parameterOverrides: [String] = []
    @OptionGroup var server: ServerOptions
    @Flag(name: .customLong("dry-run"), help: "Print what would change, per logical id, without changing anything.") var dryRun = false

    static func defaultStackName(_ file: URL) -> String {
        file.deletingLastPathComponent().lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" }
    }

    func run() async throws {
        let file = URL(fileURLWithPath: template).standardizedFileURL
        var overrides: [String: String] = [:]
        for pair in parameterOverrides {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--parameter-overrides takes Name=Value, not \(pair)") }
            overrides[parts[0].replacingOccurrences(of: "ParameterKey=", with: "")] = parts[1]
        }
        let deployer = StackDeployer(client: server.client, templateFile: file, stackName: stackName ?? Self.defaultStackName(file), overrides: overrides)
        let report = try await deployer.deploy(dryRun: dryRun)
        print(dryRun ? "Changes (dry run, nothing applied):" : "Stack \(deployer.stackName):")
        print(report.text)
    }
}

import ArgumentParser
import Foundation
import GatehouseTemplates

/// Where a command finds the server and how it signs: `--endpoint-url`, else `AWS_ENDPOINT_URL`,
/// else `http://127.0.0.1:4566`; the keys and region from the AWS environment variables.
struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("endpoint-url"), help: "Gatehouse's address (default: AWS_ENDPOINT_URL, else http://127.0.0.1:4566).") var endpointURL: String?
    @Option(help: "The region (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).") var region: String?

    var client: AWSClient {
        let environment = ProcessInfo.processInfo.environment
        return AWSClient(
            endpoint: endpointURL ?? environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:4566",
            accessKeyId: environment["AWS_ACCESS_KEY_ID"] ?? "test", secret: environment["AWS_SECRET_ACCESS_KEY"] ?? "test",
            region: region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1")
    }
}

/// Output for a person: bold and dim only when standard output is a terminal.
enum Terminal {
    static let isInteractive = isatty(STDOUT_FILENO) == 1

    static func bold(_ text: String) -> String { isInteractive ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    static func dim(_ text: String) -> String { isInteractive ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    /// A line written at once, unbuffered, so a follower's reader sees each event as it comes.
    static func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

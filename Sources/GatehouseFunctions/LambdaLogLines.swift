import Crypto
import Foundation
import GatehouseModel

/// The lines Lambda itself writes around each invocation.
enum LambdaLogLines {
    // Lambda's own lines end with a newline, as on AWS.
    static func start(_ requestID: String, version: String) -> String {
        "START RequestId: \(requestID) Version: \(version)\n"
    }

    static func end(_ requestID: String) -> String { "END RequestId: \(requestID)\n" }

    /// The first line of a new worker's stream: which runtime version it runs.
    /// AWS names versions like `python:3.12.v40` and their ARNs by a 64-digit hash; Gatehouse's
    /// runtime is the machine's interpreter, version 1, hashed from its name.
    static func initStart(runtime: String, region: String) -> String {
        let name = runtime.hasPrefix("python") ? "python:" + runtime.dropFirst("python".count) : runtime
        let hash = Hex.lowercase(SHA256.hash(data: Data("gatehouse:\(runtime)".utf8)))
        return "INIT_START Runtime Version: \(name).v1\tRuntime Version ARN: arn:aws:lambda:\(region)::runtime:\(hash)\n"
    }

    /// `status` is what AWS appends when the platform ended the invocation: `timeout`, or
    /// `error` with its type (`Runtime.OutOfMemory`). A worker that ran without a sandbox is
    /// said to have (`Sandbox: none`), which AWS never has to say.
    static func report(
        _ requestID: String, duration: Double, memoryMB: Int, maxMemoryMB: Int, initDuration: Double?,
        status: (status: String, errorType: String?)? = nil, sandboxed: Bool = true
    ) -> String {
        var line = "REPORT RequestId: \(requestID)\tDuration: \(format(duration)) ms\tBilled Duration: \(Int(duration.rounded(.up))) ms\tMemory Size: \(memoryMB) MB\tMax Memory Used: \(maxMemoryMB) MB\t"
        if let initDuration { line += "Init Duration: \(format(initDuration)) ms\t" }
        if let status {
            line += "Status: \(status.status)\t"
            if let errorType = status.errorType { line += "Error Type: \(errorType)\t" }
        }
        if !sandboxed { line += "Sandbox: none\t" }
        return line + "\n"
    }

    /// `2026/11/25/[$LATEST]` followed by 32 hex digits, as AWS names a worker's stream.
    static func streamName(version: String, date: Date = Date()) -> String {
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return "\(date.utc("yyyy/MM/dd"))/[\(version)]\(hex)"
    }

    private static func format(_ milliseconds: Double) -> String { String(format: "%.2f", milliseconds) }
}

import Foundation
import GatehouseModel
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Starts one worker: a process that speaks the Runtime API at its own path prefix, with the
/// environment AWS gives a function, its stdout and stderr going to the function's log.
enum WorkerProcess {
    /// Where a worker reaches Gatehouse's Runtime API, and how Python handlers are run.
    struct Launch: Sendable {
        var runtimeAPIAddress: String
        var gatehouseEndpoint: String
        var python: String?
        /// The `node` on PATH, for Node.js functions.
        var node: String?
        var credentials: WorkerCredentials
        var trust: (bundle: String, authority: String)?
        /// A shell command run just before the worker execs: it enters its memory cage.
        var prelude: String?
    }

    /// Why a worker could not start.
    enum LaunchFailure: Error {
        /// A custom runtime whose package has no `bootstrap`: AWS reports it as the invocation's error.
        case missingBootstrap
        case unavailable(AWSError)
    }

    /// Runs the worker until it exits or `task` is cancelled (which kills it).
    static func start(
        spec: FunctionSpec, taskRoot: URL, layers: [URL] = [], secret: String, logStream: String, launch: Launch, pool: WorkerPool
    ) throws(LaunchFailure) -> Task<Void, Never> {
        var (executable, arguments) = try command(spec: spec, taskRoot: taskRoot, layers: layers, launch: launch)
        if let prelude = launch.prelude {
            (executable, arguments) = ("/bin/sh", ["-c", "\(prelude) && exec \"$0\" \"$@\"", executable] + arguments)
        }
        let environment = environment(spec: spec, taskRoot: taskRoot, layers: layers, secret: secret, logStream: logStream, launch: launch)
        return Task {
            var options = PlatformOptions()
            options.teardownSequence = []
            var reason: String?
            do {
                let result = try await run(
                    .path(FilePath(executable)), arguments: Arguments(arguments),
                    environment: .custom(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), $0.value) })),
                    workingDirectory: FilePath(taskRoot.path), platformOptions: options,
                    input: .none, output: .sequence, error: .sequence
                ) { execution in
                    await pool.workerStarted(secret, pid: execution.processIdentifier.value)
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await forwardLines(execution.standardOutput, secret, pool) }
                        group.addTask { await forwardLines(execution.standardError, secret, pool) }
                    }
                }
                switch result.terminationStatus {
                case .exited(let code): reason = code == 0 ? nil : "exit status \(code)"
                case .signaled(let signal): reason = "signal: \(signal == 9 ? "killed" : String(signal))"
                }
            } catch {
                await pool.workerPrinted(secret, "Gatehouse could not start the worker: \(error)")
            }
            await pool.workerExited(secret, reason: reason)
        }
    }

    /// Splits output on `\n` only: awslambdaric writes a traceback as one line joined with `\r`,
    /// which must stay one log event.
    private static func forwardLines(_ output: SubprocessOutputSequence, _ secret: String, _ pool: WorkerPool) async {
        var pending: [UInt8] = []
        do {
            for try await buffer in output {
                buffer.withUnsafeBytes { pending.append(contentsOf: $0) }
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    await pool.workerPrinted(secret, line)
                }
            }
        } catch {}
        if !pending.isEmpty { await pool.workerPrinted(secret, String(decoding: pending, as: UTF8.self)) }
    }

    private static func command(spec: FunctionSpec, taskRoot: URL, layers: [URL], launch: Launch) throws(LaunchFailure) -> (String, [String]) {
        if spec.isPython {
            guard let python = launch.python else {
                throw .unavailable(AWSError("InvalidRuntimeException", status: 502,
                    "Python functions run under awslambdaric, which is not installed for python3. Install it with: python3 -m pip install awslambdaric"))
            }
            return (python, ["-m", "awslambdaric", spec.handler])
        }
        if spec.isNode {
            guard let node = launch.node, let client = Bundle.module.url(forResource: "runtime", withExtension: "mjs", subdirectory: "node") else {
                throw .unavailable(AWSError("InvalidRuntimeException", status: 502,
                    "Node.js functions run under node, which is not on the server's PATH. Install Node.js 18 or later."))
            }
            return (node, [client.path, spec.handler])
        }
        // The package's own bootstrap, else a layer's (`/opt/bootstrap`; the last layer wins).
        let candidates = [taskRoot] + layers.reversed()
        guard let bootstrap = candidates.map({ $0.appendingPathComponent("bootstrap").path }).first(where: FileManager.default.isExecutableFile)
        else { throw .missingBootstrap }
        return (bootstrap, [])
    }

    /// The environment AWS sets for a function, plus `AWS_ENDPOINT_URL` so SDKs in the handler
    /// talk to Gatehouse and the certificate authorities that let them do so over TLS. The
    /// function's own variables come last and win.
    private static func environment(
        spec: FunctionSpec, taskRoot: URL, layers: [URL], secret: String, logStream: String, launch: Launch
    ) -> [String: String] {
        func layerPaths(_ subdirectory: String) -> [String] { layers.reversed().map { $0.appendingPathComponent(subdirectory).path } }
        var environment = [
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(spec.memoryMB),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.logGroup,
            "AWS_LAMBDA_LOG_STREAM_NAME": logStream,
            "AWS_LAMBDA_RUNTIME_API": "\(launch.runtimeAPIAddress)/w/\(secret)",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_\(spec.runtime)",
            "AWS_ACCESS_KEY_ID": launch.credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": launch.credentials.secretAccessKey,
            "AWS_ENDPOINT_URL": launch.gatehouseEndpoint,
            "LAMBDA_TASK_ROOT": taskRoot.path,
            "LAMBDA_RUNTIME_DIR": taskRoot.path,
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": (layerPaths("bin") + [ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]).joined(separator: ":"),
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
            // What AWS puts on these paths under /opt, from each layer, the last layer first.
            "PYTHONPATH": ([taskRoot.path] + layerPaths("python") + layerPaths("python/lib/\(spec.runtime)/site-packages")).joined(separator: ":"),
            "NODE_PATH": ([taskRoot.path] + layerPaths("nodejs/node_modules")).joined(separator: ":"),
            "PYTHONUNBUFFERED": "1",
        ]
        let libraries = layerPaths("lib")
        if !libraries.isEmpty { environment["LD_LIBRARY_PATH"] = libraries.joined(separator: ":") }
        if let token = launch.credentials.sessionToken { environment["AWS_SESSION_TOKEN"] = token }
        if let trust = launch.trust {
            environment["AWS_CA_BUNDLE"] = trust.bundle
            environment["NODE_EXTRA_CA_CERTS"] = trust.authority
        }
        environment.merge(spec.environment) { _, own in own }
        return environment
    }

    /// The `node` executable on PATH, if any.
    static func findNode() -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/node" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The python3 that has awslambdaric, by its real path (a pyenv shim costs ~100 ms a start).
    static func findPython() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, awslambdaric; print(sys.executable)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }
}

/// The credentials a worker's environment carries (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`): temporary ones for the function's execution role.
public struct WorkerCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

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
        var python: Interpreter?
        /// The `node` on PATH, for Node.js functions.
        var node: Interpreter?
        var credentials: WorkerCredentials
        var trust: (bundle: String, authority: String)?
        /// A shell command run just before the worker execs: it enters its cage.
        var prelude: String?
        var sandbox: Sandbox
    }

    /// An interpreter and the directories of the host it needs besides the system's (its
    /// prefix, its packages), which the sandbox binds read-only.
    struct Interpreter: Sendable {
        var executable: String
        var directories: [String]

        init(executable: String, directories: [String]) {
            self.executable = executable
            // The system's directories are bound already, and so is a directory inside another.
            let system = ["/usr/", "/bin/", "/sbin/", "/lib"]
            let candidates = Set(directories.filter { directory in !system.contains(where: directory.hasPrefix) })
            self.directories = candidates.filter { directory in !candidates.contains { directory.hasPrefix($0 + "/") } }.sorted()
        }
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
        var layout = WorkerLayout(sandboxed: launch.sandbox.isOn, taskRoot: taskRoot.path)
        layout.stack(layers.map(\.path))
        let command = try command(spec: spec, taskRoot: taskRoot, layers: layers, launch: launch, layout: &layout)
        let environment = environment(spec: spec, secret: secret, logStream: logStream, launch: launch, layout: &layout)
        var arguments: [String]
        do {
            arguments = try launch.sandbox.launch(
                command, name: secret, layout: layout, temporaryMB: spec.ephemeralStorageMB, prelude: launch.prelude)
        } catch {
            throw .unavailable(AWSError("ServiceException", status: 500, "Gatehouse could not start the worker: \(error)"))
        }
        let executable = arguments.removeFirst()
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

    /// The worker's command, its files exposed in `layout`.
    private static func command(
        spec: FunctionSpec, taskRoot: URL, layers: [URL], launch: Launch, layout: inout WorkerLayout
    ) throws(LaunchFailure) -> [String] {
        if spec.isPython {
            guard let python = launch.python else {
                throw .unavailable(AWSError("InvalidRuntimeException", status: 502,
                    "Python functions run under awslambdaric, which is not installed for python3. Install it with: python3 -m pip install awslambdaric"))
            }
            for directory in python.directories { _ = layout.expose(directory) }
            return [python.executable, "-m", "awslambdaric", spec.handler]
        }
        if spec.isNode {
            guard let node = launch.node, let client = Bundle.module.url(forResource: "runtime", withExtension: "mjs", subdirectory: "node") else {
                throw .unavailable(AWSError("InvalidRuntimeException", status: 502,
                    "Node.js functions run under node, which is not on the server's PATH. Install Node.js 18 or later."))
            }
            for directory in node.directories { _ = layout.expose(directory) }
            return [node.executable, layout.expose(client.path, as: "runtime.mjs"), spec.handler]
        }
        // The package's own bootstrap, else a layer's (`/opt/bootstrap`; the last layer wins).
        func bootstrap(in directory: URL) -> String? {
            let path = directory.appendingPathComponent("bootstrap").path
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        if let own = bootstrap(in: taskRoot) { return [layout.sandboxed ? "\(layout.taskRoot)/bootstrap" : own] }
        guard let layered = layers.reversed().lazy.compactMap(bootstrap).first else { throw .missingBootstrap }
        return [layout.sandboxed ? "/opt/bootstrap" : layered]
    }

    /// The environment AWS sets for a function, plus `AWS_ENDPOINT_URL` so SDKs in the handler
    /// talk to Gatehouse and the certificate authorities that let them do so over TLS. The
    /// function's own variables come last and win.
    private static func environment(
        spec: FunctionSpec, secret: String, logStream: String, launch: Launch, layout: inout WorkerLayout
    ) -> [String: String] {
        func layerPaths(_ subdirectory: String) -> [String] { layout.layerRoots.map { "\($0)/\(subdirectory)" } }
        let host = ProcessInfo.processInfo.environment
        // In the sandbox, the system's directories and the interpreter's; unsandboxed, the server's.
        let interpreter = spec.isPython ? launch.python : spec.isNode ? launch.node : nil
        let systemPath = layout.sandboxed
            ? ((interpreter.map { [($0.executable as NSString).deletingLastPathComponent] } ?? []) + ["/usr/local/bin", "/usr/bin", "/bin"]).joined(separator: ":")
            : host["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
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
            "LAMBDA_TASK_ROOT": layout.taskRoot,
            "LAMBDA_RUNTIME_DIR": layout.sandboxed ? WorkerLayout.runtimeDirectory : layout.taskRoot,
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": (layerPaths("bin") + [systemPath]).joined(separator: ":"),
            // What AWS puts on these paths under /opt, from each layer, the last layer first.
            "PYTHONPATH": ([layout.taskRoot] + layerPaths("python") + layerPaths("python/lib/\(spec.runtime)/site-packages")).joined(separator: ":"),
            "NODE_PATH": ([layout.taskRoot] + layerPaths("nodejs/node_modules")).joined(separator: ":"),
            "PYTHONUNBUFFERED": "1",
        ]
        // AWS sets no HOME; unsandboxed workers keep the server's, as tools in them expect.
        if !layout.sandboxed { environment["HOME"] = host["HOME"] ?? "/tmp" }
        let libraries = layerPaths("lib")
        if !libraries.isEmpty { environment["LD_LIBRARY_PATH"] = libraries.joined(separator: ":") }
        if let token = launch.credentials.sessionToken { environment["AWS_SESSION_TOKEN"] = token }
        if let trust = launch.trust {
            environment["AWS_CA_BUNDLE"] = layout.expose(trust.bundle, as: "ca-bundle.pem")
            environment["NODE_EXTRA_CA_CERTS"] = layout.expose(trust.authority, as: "gatehouse-ca.pem")
        }
        environment.merge(spec.environment) { _, own in own }
        return environment
    }

    /// The `node` on PATH, if any, and its installation when that is not the system's.
    static func findNode() -> Interpreter? {
        guard let node = Sandbox.executableOnPath("node") else { return nil }
        return Interpreter(executable: node, directories: [URL(fileURLWithPath: node).deletingLastPathComponent().deletingLastPathComponent().path])
    }

    /// The python3 that has awslambdaric, by its real path (a pyenv shim costs ~100 ms a start),
    /// with its prefixes and the directory awslambdaric is installed in.
    static func findPython() -> Interpreter? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sys, os, awslambdaric; print(sys.executable, sys.base_prefix, sys.prefix, os.path.dirname(os.path.dirname(awslambdaric.__file__)), sep='\\n')",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let executable = lines.first, !executable.isEmpty else { return nil }
        return Interpreter(executable: executable, directories: Array(lines.dropFirst()))
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

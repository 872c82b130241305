import Foundation
import GatehouseModel

/// The worker processes of every function, and the Runtime API state they share with invokers.
///
/// Warm workers are kept per function version and reused; a new one is started when none is
/// free, up to the function's reserved concurrency and the node's limit. `run` waits for the
/// worker's `/response` or `/error`, the function's timeout (the worker is killed), or the
/// worker's exit. Workers reach their own state only, through their secret path prefix.
public actor WorkerPool {
    /// How this node runs workers.
    public struct Settings: Sendable {
        /// `127.0.0.1:4566`: where workers reach the Runtime API.
        public var runtimeAPIAddress: String
        /// `http://127.0.0.1:4566`: given to handlers as `AWS_ENDPOINT_URL`.
        public var gatehouseEndpoint: String
        public var maxWorkers: Int
        public var idleTimeout: Duration
        /// The credentials a worker of a function gets: its role's, never the server's own keys.
        public var credentials: @Sendable (FunctionSpec) -> WorkerCredentials
        public var limits: WorkerLimits
        /// The certificate authorities handlers trust (`AWS_CA_BUNDLE`): the system's plus the one
        /// that signed this Gatehouse's TLS certificate (`NODE_EXTRA_CA_CERTS`).
        public var trust: (bundle: String, authority: String)?
        /// How workers are isolated from the server and each other.
        public var sandbox: Sandbox

        public init(
            runtimeAPIAddress: String, gatehouseEndpoint: String, maxWorkers: Int = 64, idleTimeout: Duration = .seconds(300),
            credentials: @escaping @Sendable (FunctionSpec) -> WorkerCredentials, limits: WorkerLimits = WorkerLimits(mechanism: .rlimit),
            trust: (bundle: String, authority: String)? = nil, sandbox: Sandbox = .off
        ) {
            self.trust = trust
            self.sandbox = sandbox
            self.runtimeAPIAddress = runtimeAPIAddress
            self.gatehouseEndpoint = gatehouseEndpoint
            self.maxWorkers = maxWorkers
            self.idleTimeout = idleTimeout
            self.credentials = credentials
            self.limits = limits
        }
    }

    /// What one run measured, besides its outcome.
    struct Run {
        var outcome: Outcome
        /// The worker that ran it; nil when none could start.
        var secret: String?
        var started: Date
        /// Spawn to first `/next`, for the first invocation of a new worker.
        var initDuration: Double?
        var maxMemoryMB: Int
    }

    private let settings: Settings
    private let code: CodeStore
    private let logs: any LogSink
    private var workers: [String: Worker] = [:]
    private var python: WorkerProcess.Interpreter?
    private var pythonLookedUp = false
    private let node = WorkerProcess.findNode()

    public init(settings: Settings, code: CodeStore, logs: any LogSink) {
        self.settings = settings
        self.code = code
        self.logs = logs
    }

    /// Whether workers run in the sandbox; REPORT lines say when they do not.
    nonisolated var isSandboxed: Bool { settings.sandbox.isOn }

    /// Finds the python3 that has awslambdaric, once, before the first Python function needs it.
    public func prepare() async {
        guard !pythonLookedUp else { return }
        python = await Task.detached { WorkerProcess.findPython() }.value
        pythonLookedUp = true
    }

    // MARK: Running an event

    /// Runs `event` on a worker of `spec` to its outcome. Throws AWS's error when it cannot
    /// start (`TooManyRequestsException` past the concurrency limits, a runtime that cannot run).
    func run(_ event: Event, spec: FunctionSpec) async throws(AWSError) -> Run {
        let secret: String
        do {
            secret = try await workerFor(spec)
        } catch {
            switch error {
            case .missingBootstrap: return Run(outcome: .invalidEntrypoint, secret: nil, started: Date(), initDuration: nil, maxMemoryMB: 0)
            case .unavailable(let error): throw error
            }
        }
        let started = Date()
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            assign(event, to: secret, continuation)
        }
        let worker = workers[secret]
        // The worker may already hold the next invocation; clear only this one.
        if worker?.assignment?.event.requestID == event.requestID { workers[secret]?.assignment = nil }
        let initDuration = worker?.initDuration
        workers[secret]?.initDuration = nil
        return Run(
            outcome: outcome, secret: secret, started: started, initDuration: initDuration,
            maxMemoryMB: outcome.isOutOfMemory ? spec.memoryMB : worker.map { $0.cage.peakMegabytes(pid: $0.pid) } ?? 0)
    }

    /// An invocation's lines: what the worker printed for it (up to the next invocation's
    /// START), framed by START and `closing`, in time order.
    func takeLines(_ secret: String?, _ event: Event, spec: FunctionSpec, closing: [LogEvent]) -> [LogEvent] {
        let pending = secret.flatMap { workers[$0]?.lines } ?? []
        let start = LambdaLogLines.start(event.requestID, version: spec.version)
        let next = pending.firstIndex { $0.message.hasPrefix("START RequestId: ") && $0.message != start } ?? pending.count
        var lines = Array(pending[..<next])
        if let secret { workers[secret]?.lines = Array(pending[next...]) }
        if !lines.contains(where: { $0.message == start }) { lines.insert(.now(start), at: 0) }
        // Lines that were still in the pipe at the answer come before END; keep the stream in time order.
        var ordered = lines + closing
        for index in ordered.indices.dropFirst() where ordered[index].timestamp < ordered[index - 1].timestamp {
            ordered[index].timestamp = ordered[index - 1].timestamp
        }
        return ordered
    }

    /// The log stream a worker writes to.
    func logStream(_ secret: String?, spec: FunctionSpec) -> String {
        secret.flatMap { workers[$0]?.logStream } ?? LambdaLogLines.streamName(version: spec.version)
    }

    /// An idle warm worker of this revision, or a new one.
    private func workerFor(_ spec: FunctionSpec) async throws(WorkerProcess.LaunchFailure) -> String {
        retireStale(spec)
        // A reserved concurrency of 0 stops every invocation, as on AWS.
        if spec.reservedConcurrency == 0 { throw .unavailable(Self.reservedConcurrencyExceeded) }
        // Waiting on /next beats about to ask, which beats starting a new process.
        let free = workers.values.filter { $0.isFree(for: spec) }
        if let idle = free.first(where: { $0.parked != nil }) ?? free.first {
            return idle.secret
        }
        // Reserved concurrency covers the function as a whole, every version together.
        let busy = workers.values.filter { $0.spec.name == spec.name && !$0.retired }.count
        if let reserved = spec.reservedConcurrency, busy >= reserved { throw .unavailable(Self.reservedConcurrencyExceeded) }
        guard workers.count < settings.maxWorkers else {
            throw .unavailable(AWSError("TooManyRequestsException", status: 429, "Rate Exceeded.",
                fields: ["Reason": "ConcurrentInvocationLimitExceeded"]))
        }
        if spec.isPython { await prepare() }
        return try spawn(spec)
    }

    private func spawn(_ spec: FunctionSpec) throws(WorkerProcess.LaunchFailure) -> String {
        let taskRoot: URL
        let layerRoots: [URL]
        do {
            taskRoot = try code.taskRoot(spec.codeSha256)
            layerRoots = try spec.layers.map { sha256 throws(AWSError) in try code.taskRoot(sha256) }
        } catch { throw .unavailable(error) }
        let secret = Self.secret()
        let stream = LambdaLogLines.streamName(version: spec.version)
        var worker = Worker(secret: secret, spec: spec, logStream: stream, cage: settings.limits.cage(name: secret, megabytes: spec.memoryMB))
        worker.lines.append(.now(LambdaLogLines.initStart(runtime: spec.runtime, region: spec.region)))
        let launch = WorkerProcess.Launch(
            runtimeAPIAddress: settings.runtimeAPIAddress, gatehouseEndpoint: settings.gatehouseEndpoint, python: python, node: node,
            credentials: settings.credentials(spec), trust: settings.trust, prelude: worker.cage.prelude, sandbox: settings.sandbox)
        do {
            worker.process = try WorkerProcess.start(spec: spec, taskRoot: taskRoot, layers: layerRoots, secret: secret, logStream: stream, launch: launch, pool: self)
        } catch {
            worker.cage.remove()
            throw error
        }
        workers[secret] = worker
        return secret
    }

    private func assign(_ event: Event, to secret: String, _ continuation: CheckedContinuation<Outcome, Never>) {
        guard var worker = workers[secret] else { return continuation.resume(returning: .exited("Runtime exited without providing a reason")) }
        worker.assignment = Worker.Assignment(event: event, delivered: false, started: Date(), continuation: continuation)
        if let parked = worker.parked {
            worker.parked = nil
            worker.assignment?.delivered = true
            worker.lines.append(.now(LambdaLogLines.start(event.requestID, version: worker.spec.version)))
            parked.resume(returning: event)
        }
        workers[secret] = worker
        let timeout = Double(worker.spec.timeoutSeconds)
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(timeout))
            await self?.timeOut(secret, requestID: event.requestID)
        }
    }

    private func timeOut(_ secret: String, requestID: String) {
        guard workers[secret]?.isRunning(requestID) == true else { return }
        resolve(secret, .timedOut)
        kill(secret)
    }

    /// Ends the worker's current invocation with `outcome`, once.
    private func resolve(_ secret: String, _ outcome: Outcome) {
        guard let continuation = workers[secret]?.assignment?.continuation else { return }
        workers[secret]?.assignment?.continuation = nil
        continuation.resume(returning: outcome)
    }

    // MARK: Runtime API (requests under /w/{secret}/2018-06-01/runtime/)

    /// `/invocation/next`: the worker's next event, waiting for one. Nil for an unknown worker.
    public func next(_ secret: String) async -> Event? {
        guard var worker = workers[secret], !worker.retired else { return nil }
        if !worker.initialized {
            worker.initialized = true
            settings.sandbox.started(secret)
            worker.initDuration = Date().timeIntervalSince(worker.spawned) * 1000
        }
        worker.lastUsed = Date()
        if var assignment = worker.assignment, !assignment.delivered {
            assignment.delivered = true
            worker.assignment = assignment
            worker.lines.append(.now(LambdaLogLines.start(assignment.event.requestID, version: worker.spec.version)))
            workers[secret] = worker
            return assignment.event
        }
        workers[secret] = worker
        return await withCheckedContinuation { continuation in
            workers[secret]?.parked = continuation
        }
    }

    /// `/invocation/{id}/response` and `/invocation/{id}/error`. False if no such invocation is running.
    public func complete(_ secret: String, requestID: String, payload: [UInt8], failed: Bool) -> Bool {
        guard workers[secret]?.isRunning(requestID) == true else { return false }
        resolve(secret, failed ? .functionError(payload) : .response(payload))
        return true
    }

    /// `/init/error`: the function could not start; the worker is of no further use.
    public func initFailed(_ secret: String, payload: [UInt8]) -> Bool {
        guard workers[secret] != nil else { return false }
        workers[secret]?.retired = true
        resolve(secret, .initFailed(payload))
        return true
    }

    // MARK: Worker lifecycle

    func workerStarted(_ secret: String, pid: Int32) {
        workers[secret]?.pid = pid
    }

    /// A line of the worker's output. awslambdaric joins the lines of a traceback with `\r`; they are
    /// shown as separate lines, as on AWS.
    func workerPrinted(_ secret: String, _ line: String) {
        workers[secret]?.lines.append(.now(line.replacingOccurrences(of: "\r", with: "\n")))
    }

    func workerExited(_ secret: String, reason: String?) {
        guard let worker = workers[secret] else { return }
        if !worker.initialized, let initError = Self.initError(in: worker.lines) {
            // awslambdaric cannot post /init/error through a path prefix; it prints the error, then exits.
            resolve(secret, .initFailed(initError))
        }
        if worker.cage.wasKilledForMemory() {
            resolve(secret, .outOfMemory)
        }
        resolve(secret, .exited(reason.map { "Runtime exited with error: \($0)" } ?? "Runtime exited without providing a reason"))
        worker.parked?.resume(returning: nil)
        worker.cage.remove()
        settings.sandbox.started(secret)
        let lines = worker.lines
        let region = worker.spec.region, group = worker.spec.logGroup, stream = worker.logStream
        workers[secret] = nil
        if !lines.isEmpty { Task { await logs.append(region: region, group: group, stream: stream, events: lines) } }
    }

    /// Marks a function's workers; idle ones stop now, busy ones after their invocation.
    public func retire(function name: String) {
        retire { $0.spec.name == name }
    }

    private func retireStale(_ spec: FunctionSpec) {
        retire { $0.spec.poolKey == spec.poolKey && $0.spec.revision != spec.revision }
    }

    private func retire(where matches: (Worker) -> Bool) {
        for (secret, worker) in workers where matches(worker) {
            workers[secret]?.retired = true
            if worker.assignment == nil { kill(secret) }
        }
    }

    /// Stops idle workers unused for longer than the idle timeout.
    public func reapIdle() {
        let limit = Date().addingTimeInterval(-Double(settings.idleTimeout.components.seconds))
        for (secret, worker) in workers where worker.assignment == nil && (worker.lastUsed < limit || worker.retired) {
            kill(secret)
        }
    }

    /// Kills every worker and ends their pending `/next` long-polls (server shutdown).
    public func shutdown() async {
        for (secret, worker) in workers {
            workers[secret]?.retired = true
            workers[secret]?.parked = nil
            worker.parked?.resume(returning: nil)
            kill(secret)
        }
        for worker in workers.values { await worker.process?.value }
        settings.limits.removeDirectory()
    }

    private func kill(_ secret: String) {
        workers[secret]?.process?.cancel()
    }

    // MARK: Helpers

    /// The init error a Python worker printed before exiting (`[ERROR] Runtime.ImportModuleError: …`).
    static func initError(in lines: [LogEvent]) -> [UInt8]? {
        guard let line = lines.last(where: { $0.message.hasPrefix("[ERROR] ") })?.message.dropFirst("[ERROR] ".count),
            let colon = line.range(of: ": ")
        else { return nil }
        let type = String(line[..<colon.lowerBound])
        let message = String(line[colon.upperBound...]).components(separatedBy: "\n")[0]
        return Array(JSON.object([
            "errorMessage": .string(message), "errorType": .string(type), "requestId": "", "stackTrace": [],
        ]).serialized())
    }

    static let reservedConcurrencyExceeded = AWSError(
        "TooManyRequestsException", status: 429, "Rate Exceeded.", fields: ["Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"])

    /// A secret worth a worker's path prefix: 128 random bits.
    private static func secret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }
}

extension Outcome {
    var isOutOfMemory: Bool {
        if case .outOfMemory = self { true } else { false }
    }
}

import Foundation
import GatehouseModel

/// Runs functions in worker processes and serves them the Runtime API.
///
/// Warm workers are kept per function version and reused; a new one is started when none is
/// free, up to the function's reserved concurrency and the node's limit. An invocation waits
/// for its worker's `/response` or `/error`, its timeout (the worker is killed), or the worker's
/// exit. All state lives in this actor; workers reach it through their own secret path prefix.
public actor FunctionRuntime {
    /// How this node runs workers.
    public struct Settings: Sendable {
        /// `127.0.0.1:4566`: where workers reach the Runtime API.
        public var runtimeAPIAddress: String
        /// `http://127.0.0.1:4566`: given to handlers as `AWS_ENDPOINT_URL`.
        public var gatehouseEndpoint: String
        public var maxWorkers: Int
        public var idleTimeout: Duration
        public var accessKeyID: String
        public var secretAccessKey: String

        public init(runtimeAPIAddress: String, gatehouseEndpoint: String, maxWorkers: Int = 64, idleTimeout: Duration = .seconds(300), accessKeyID: String, secretAccessKey: String) {
            self.runtimeAPIAddress = runtimeAPIAddress
            self.gatehouseEndpoint = gatehouseEndpoint
            self.maxWorkers = maxWorkers
            self.idleTimeout = idleTimeout
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
        }
    }

    /// An event handed to a worker on `/next`.
    public struct Event: Sendable {
        public var requestID: String
        public var payload: [UInt8]
        public var deadlineMs: Int64
        public var invokedFunctionArn: String
        public var traceID: String
    }

    private enum Outcome {
        case response([UInt8])
        case functionError([UInt8])
        case timedOut
        case exited(String)
        case initFailed([UInt8])
    }

    private struct Assignment {
        var event: Event
        var delivered: Bool
        var started: Date
        /// Nil once the invocation has its outcome.
        var continuation: CheckedContinuation<Outcome, Never>?
    }

    private struct Worker {
        let secret: String
        let spec: FunctionSpec
        let logStream: String
        let spawned = Date()
        var process: Task<Void, Never>?
        var pid: Int32?
        var parked: CheckedContinuation<Event?, Never>?
        var assignment: Assignment?
        /// Spawn to first `/next`, reported once, on the worker's first invocation.
        var initDuration: Double?
        var initialized = false
        var lastUsed = Date()
        var retired = false
        /// Lines printed since the last invocation's log was written.
        var lines: [LogEvent] = []
    }

    private let settings: Settings
    private let code: CodeStore
    private let logs: any LogSink
    private var workers: [String: Worker] = [:]
    private var python: String?
    private var pythonLookedUp = false

    public init(settings: Settings, code: CodeStore, logs: any LogSink) {
        self.settings = settings
        self.code = code
        self.logs = logs
    }

    /// Finds the python3 that has awslambdaric, once, before the first Python function needs it.
    public func prepare() async {
        guard !pythonLookedUp else { return }
        python = await Task.detached { Self.findPython() }.value
        pythonLookedUp = true
    }

    // MARK: Invoke

    /// Runs one invocation to its end. Throws AWS's error when it cannot start
    /// (`TooManyRequestsException` past the concurrency limits, a runtime that cannot run).
    public func invoke(
        _ spec: FunctionSpec, payload: [UInt8], invokedArn: String, wantsLog: Bool = false, requestID: String = RequestID.next()
    ) async throws(AWSError) -> InvocationResult {
        let event = Event(
            requestID: requestID, payload: payload,
            deadlineMs: Int64((Date().timeIntervalSince1970 + Double(spec.timeoutSeconds)) * 1000),
            invokedFunctionArn: invokedArn, traceID: Self.traceID())
        let secret: String
        do {
            secret = try await workerFor(spec)
        } catch let error where error.status == 200 {
            // Errors AWS reports as the function's own (a custom runtime without bootstrap).
            return InvocationResult(payload: Self.errorDocument(error.code, error.message), functionError: "Unhandled", log: "")
        }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            assign(event, to: secret, continuation)
        }
        let started = workers[secret]?.assignment?.started ?? Date()
        // The worker may already hold the next invocation; clear only this one.
        if workers[secret]?.assignment?.event.requestID == event.requestID { workers[secret]?.assignment = nil }
        return await finish(event, secret: secret, spec: spec, outcome: outcome, started: started, wantsLog: wantsLog)
    }

    /// An idle warm worker of this revision, or a new one.
    private func workerFor(_ spec: FunctionSpec) async throws(AWSError) -> String {
        retireStale(spec)
        // A free worker: waiting in /next, or done with its last invocation and about to ask again
        // (it gets the event when it does). Waiting on /next beats starting a new process.
        let free = workers.values.filter {
            $0.spec.poolKey == spec.poolKey && $0.spec.revision == spec.revision && !$0.retired && $0.initialized
                && !isRunning($0.secret) && ($0.assignment == nil || $0.assignment?.delivered == true)
        }
        if let idle = free.first(where: { $0.parked != nil }) ?? free.first {
            return idle.secret
        }
        // Reserved concurrency covers the function as a whole, every version together.
        let busy = workers.values.filter { $0.spec.name == spec.name && !$0.retired }.count
        if let reserved = spec.reservedConcurrency, busy >= reserved {
            throw AWSError("TooManyRequestsException", status: 429, "Rate Exceeded.",
                fields: ["Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"])
        }
        guard workers.count < settings.maxWorkers else {
            throw AWSError("TooManyRequestsException", status: 429, "Rate Exceeded.",
                fields: ["Reason": "ConcurrentInvocationLimitExceeded"])
        }
        return try await spawn(spec)
    }

    private func spawn(_ spec: FunctionSpec) async throws(AWSError) -> String {
        if spec.isPython { await prepare() }
        let taskRoot = try code.taskRoot(spec.codeSha256)
        let secret = Self.secret()
        let stream = LambdaLogLines.streamName(version: spec.version)
        workers[secret] = Worker(secret: secret, spec: spec, logStream: stream)
        workers[secret]?.lines.append(.now(LambdaLogLines.initStart(runtime: spec.runtime, region: spec.region)))
        let launch = WorkerProcess.Launch(
            runtimeAPIAddress: settings.runtimeAPIAddress, gatehouseEndpoint: settings.gatehouseEndpoint, python: python,
            accessKeyID: settings.accessKeyID, secretAccessKey: settings.secretAccessKey)
        do {
            workers[secret]?.process = try WorkerProcess.start(
                spec: spec, taskRoot: taskRoot, secret: secret, logStream: stream, launch: launch, runtime: self)
        } catch {
            workers[secret] = nil
            throw error
        }
        return secret
    }

    private func assign(_ event: Event, to secret: String, _ continuation: CheckedContinuation<Outcome, Never>) {
        guard var worker = workers[secret] else { return continuation.resume(returning: .exited("Runtime exited without providing a reason")) }
        worker.assignment = Assignment(event: event, delivered: false, started: Date(), continuation: continuation)
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
        guard isRunning(secret, requestID) else { return }
        resolve(secret, .timedOut)
        kill(secret)
    }

    /// Ends the worker's current invocation with `outcome`, once.
    private func resolve(_ secret: String, _ outcome: Outcome) {
        guard let continuation = workers[secret]?.assignment?.continuation else { return }
        workers[secret]?.assignment?.continuation = nil
        continuation.resume(returning: outcome)
    }

    private func isRunning(_ secret: String, _ requestID: String? = nil) -> Bool {
        guard let assignment = workers[secret]?.assignment, assignment.continuation != nil else { return false }
        return requestID == nil || assignment.event.requestID == requestID
    }

    /// The result of an outcome. Its log lines (START … REPORT) are written out afterwards, off
    /// the invocation's path, unless the caller wants them back (`LogType: Tail`).
    private func finish(
        _ event: Event, secret: String, spec: FunctionSpec, outcome: Outcome, started: Date, wantsLog: Bool
    ) async -> InvocationResult {
        let duration = Date().timeIntervalSince(started) * 1000
        var result: InvocationResult
        switch outcome {
        case .response(let payload):
            result = InvocationResult(payload: payload, functionError: nil, log: "")
        case .functionError(let payload), .initFailed(let payload):
            result = InvocationResult(payload: payload, functionError: "Unhandled", log: "")
        case .timedOut:
            let message = "RequestId: \(event.requestID) Error: Task timed out after \(String(format: "%.2f", Double(spec.timeoutSeconds))) seconds"
            result = InvocationResult(payload: Self.errorDocument("Sandbox.Timedout", message), functionError: "Unhandled", log: "")
            workers[secret]?.lines.append(.now("\(Self.logTimestamp()) \(message)"))
        case .exited(let reason):
            let message = "RequestId: \(event.requestID) Error: \(reason)"
            result = InvocationResult(payload: Self.errorDocument("Runtime.ExitError", message), functionError: "Unhandled", log: "")
            workers[secret]?.lines.append(.now(message))
        }
        let initDuration = workers[secret]?.initDuration
        workers[secret]?.initDuration = nil
        // Stamped now, so a stream stays in time order even if the next invocation starts first.
        let closing: [LogEvent] = [
            .now(LambdaLogLines.end(event.requestID)),
            .now(LambdaLogLines.report(event.requestID, duration: duration, memoryMB: spec.memoryMB, maxMemoryMB: maxMemoryMB(secret), initDuration: initDuration)),
        ]
        let stream = workers[secret]?.logStream ?? LambdaLogLines.streamName(version: spec.version)
        if wantsLog {
            try? await Task.sleep(for: Self.pipeGrace)
            let lines = takeLines(secret, event, spec: spec, closing: closing)
            // The tail shows the invocation, START to REPORT, without the worker's INIT_START.
            result.log = lines.filter { !$0.message.hasPrefix("INIT_START ") }
                .map { $0.message.hasSuffix("\n") ? $0.message : $0.message + "\n" }.joined()
            Task { await logs.append(region: spec.region, group: spec.logGroup, stream: stream, events: lines) }
        } else {
            Task { [logs] in
                try? await Task.sleep(for: Self.pipeGrace)
                let lines = await self.takeLines(secret, event, spec: spec, closing: closing)
                await logs.append(region: spec.region, group: spec.logGroup, stream: stream, events: lines)
            }
        }
        return result
    }

    /// Lines printed just before an answer may still be in the worker's pipe; they get this long.
    private static let pipeGrace = Duration.milliseconds(50)

    /// This invocation's lines: what the worker printed for it (up to the next invocation's
    /// START), framed by START, END and REPORT.
    private func takeLines(_ secret: String, _ event: Event, spec: FunctionSpec, closing: [LogEvent]) -> [LogEvent] {
        let pending = workers[secret]?.lines ?? []
        let start = LambdaLogLines.start(event.requestID, version: spec.version)
        let next = pending.firstIndex { $0.message.hasPrefix("START RequestId: ") && $0.message != start } ?? pending.count
        var lines = Array(pending[..<next])
        workers[secret]?.lines = Array(pending[next...])
        if !lines.contains(where: { $0.message == start }) { lines.insert(.now(start), at: 0) }
        // Lines that were still in the pipe at the answer come before END; keep the stream in time order.
        var ordered = lines + closing
        for index in ordered.indices.dropFirst() where ordered[index].timestamp < ordered[index - 1].timestamp {
            ordered[index].timestamp = ordered[index - 1].timestamp
        }
        return ordered
    }

    // MARK: Runtime API (called for requests under /w/{secret}/2018-06-01/runtime/)

    /// `/invocation/next`: the worker's next event, waiting for one. Nil for an unknown worker.
    public func next(_ secret: String) async -> Event? {
        guard var worker = workers[secret], !worker.retired else { return nil }
        if !worker.initialized {
            worker.initialized = true
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
        guard isRunning(secret, requestID) else { return false }
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

    public func isWorker(_ secret: String) -> Bool { workers[secret] != nil }

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
        resolve(secret, .exited(reason.map { "Runtime exited with error: \($0)" } ?? "Runtime exited without providing a reason"))
        worker.parked?.resume(returning: nil)
        let lines = worker.lines
        let region = worker.spec.region, group = worker.spec.logGroup, stream = worker.logStream
        workers[secret] = nil
        if !lines.isEmpty { Task { await logs.append(region: region, group: group, stream: stream, events: lines) } }
    }

    /// Marks workers of an older revision; idle ones stop now, busy ones after their invocation.
    public func retire(function name: String) {
        for (secret, worker) in workers where worker.spec.name == name {
            workers[secret]?.retired = true
            if worker.assignment == nil { kill(secret) }
        }
    }

    private func retireStale(_ spec: FunctionSpec) {
        for (secret, worker) in workers where worker.spec.poolKey == spec.poolKey && worker.spec.revision != spec.revision {
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
    public func shutdown() {
        for (secret, worker) in workers {
            workers[secret]?.retired = true
            workers[secret]?.parked = nil
            worker.parked?.resume(returning: nil)
            kill(secret)
        }
    }

    private func kill(_ secret: String) {
        workers[secret]?.process?.cancel()
    }

    // MARK: Helpers

    private func maxMemoryMB(_ secret: String) -> Int {
        guard let pid = workers[secret]?.pid,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return max(1, kilobytes / 1024)
    }

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

    static func errorDocument(_ type: String, _ message: String) -> [UInt8] {
        Array(JSON.object(["errorType": .string(type), "errorMessage": .string(message)]).serialized())
    }

    /// A secret worth a worker's path prefix: 128 random bits.
    private static func secret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    /// `Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled=0`, the X-Ray trace header AWS sends.
    private static func traceID() -> String {
        let hex = RequestID.next().replacingOccurrences(of: "-", with: "")
        let seconds = String(Int(Date().timeIntervalSince1970), radix: 16)
        return "Root=1-\(seconds)-\(hex.prefix(24));Parent=\(hex.suffix(16));Sampled=0"
    }

    private static func logTimestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// The python3 that has awslambdaric, by its real path (a pyenv shim costs ~100 ms a start).
    private static func findPython() -> String? {
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

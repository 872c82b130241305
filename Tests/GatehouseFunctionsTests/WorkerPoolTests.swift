import Foundation
import GatehouseModel
import Testing
import ZIPFoundation

@testable import GatehouseFunctions

#if canImport(Glibc)
    import Glibc
#endif

/// The worker pool with real custom-runtime workers: each `bootstrap` writes where its Runtime API
/// is (and its pid) to a file and sleeps; the test plays the worker by calling the pool's
/// Runtime API methods with the secret read from that file.
@Suite struct WorkerPoolTests {
    struct DiscardingLogSink: LogSink {
        func append(region: String, group: String, stream: String, events: [LogEvent]) async {}
    }

    /// A worker as the bootstrap reported it.
    struct Started {
        var secret: String
        var pid: Int32
    }

    static let sleeper = """
        #!/bin/sh
        echo "$AWS_LAMBDA_RUNTIME_API $$" > "$WORKER_FILE.tmp" && mv "$WORKER_FILE.tmp" "$WORKER_FILE"
        exec sleep 300
        """

    let directory = NSTemporaryDirectory() + "gatehouse-pool-\(UUID().uuidString)"
    let code: CodeStore
    let pool: WorkerPool
    let invoker: Invoker

    init() {
        code = CodeStore(directory: directory)
        pool = WorkerPool(
            settings: .init(
                runtimeAPIAddress: "127.0.0.1:1", gatehouseEndpoint: "http://127.0.0.1:1", credentials: { _ in WorkerCredentials(accessKeyID: "test", secretAccessKey: "test") },
                limits: WorkerLimits(mechanism: .rlimit)),
            code: code, logs: DiscardingLogSink())
        invoker = Invoker(pool: pool, logs: DiscardingLogSink())
    }

    /// A zip of `files` (path → text).
    static func zip(_ files: [String: String]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), permissions: 0o755) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    /// A `provided.al2023` function whose package is `files`.
    func spec(
        _ files: [String: String] = ["bootstrap": sleeper], timeout: Int = 60, reserved: Int? = nil, revision: String = "1"
    ) throws -> FunctionSpec {
        let stored = try code.store(zip: try Self.zip(files))
        return FunctionSpec(
            name: "fn", version: "$LATEST", arn: "arn:aws:lambda:us-east-1:123456789012:function:fn", runtime: "provided.al2023",
            handler: "handler", timeoutSeconds: timeout, memoryMB: 128, environment: ["WORKER_FILE": workerFile],
            codeSha256: stored.sha256, region: "us-east-1", reservedConcurrency: reserved, revision: revision)
    }

    var workerFile: String { directory + "/worker" }

    func invoke(_ spec: FunctionSpec, _ payload: String = #"{"n": 1}"#, requestID: String = "req-1") async throws(AWSError) -> InvocationResult {
        try await invoker.invoke(spec, payload: Array(payload.utf8), invokedArn: spec.arn, requestID: requestID)
    }

    /// The worker the bootstrap reported, once it has (waiting generously).
    func started() async throws -> Started {
        for _ in 0..<1200 {
            if let line = try? String(contentsOfFile: workerFile, encoding: .utf8) {
                let fields = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
                // 127.0.0.1:1/w/{secret}
                let address = try #require(fields.first), pid = try #require(fields.last.flatMap { Int32($0) })
                #expect(address.hasPrefix("127.0.0.1:1/w/"))
                return Started(secret: String(address.dropFirst("127.0.0.1:1/w/".count)), pid: pid)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    /// Whether process `pid` has gone within a generous while.
    func exits(_ pid: Int32) async throws -> Bool {
        for _ in 0..<1200 {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func error(_ result: InvocationResult) throws -> (type: String?, message: String?) {
        let document = try JSON(parsing: Data(result.payload))
        return (document["errorType"]?.stringValue, document["errorMessage"]?.stringValue)
    }

    // MARK: Tests

    @Test func aResponseCompletesTheInvocation() async throws {
        let spec = try spec()
        async let result = invoke(spec)
        let worker = try await started()
        let event = try #require(await pool.next(worker.secret))
        #expect(event.requestID == "req-1")
        #expect(String(decoding: event.payload, as: UTF8.self) == #"{"n": 1}"#)
        #expect(event.invokedFunctionArn == spec.arn)
        #expect(await pool.complete(worker.secret, requestID: "req-1", payload: Array(#"{"ok":true}"#.utf8), failed: false))

        let answered = try await result
        #expect(String(decoding: answered.payload, as: UTF8.self) == #"{"ok":true}"#)
        #expect(answered.functionError == nil)
        #expect(await !pool.complete(worker.secret, requestID: "req-1", payload: [], failed: false))
        await pool.shutdown()
    }

    @Test func anErrorIsAnUnhandledFunctionError() async throws {
        let spec = try spec()
        async let result = invoke(spec)
        let worker = try await started()
        _ = await pool.next(worker.secret)
        let document = #"{"errorType":"ValueError","errorMessage":"boom"}"#
        #expect(await pool.complete(worker.secret, requestID: "req-1", payload: Array(document.utf8), failed: true))

        let answered = try await result
        #expect(answered.functionError == "Unhandled")
        #expect(String(decoding: answered.payload, as: UTF8.self) == document)
        await pool.shutdown()
    }

    @Test func theTimeoutKillsTheWorkerAndAnswersSandboxTimedout() async throws {
        let spec = try spec(timeout: 1)
        async let result = invoke(spec)
        let worker = try await started()
        _ = await pool.next(worker.secret)

        let answered = try await result
        #expect(answered.functionError == "Unhandled")
        let (type, message) = try error(answered)
        #expect(type == "Sandbox.Timedout")
        #expect(message == "RequestId: req-1 Error: Task timed out after 1.00 seconds")
        #expect(await !pool.complete(worker.secret, requestID: "req-1", payload: [], failed: false))
        #expect(try await exits(worker.pid))
        await pool.shutdown()
    }

    @Test func aBootstrapThatExitsBeforeAskingIsARuntimeExitError() async throws {
        let answered = try await invoke(try spec(["bootstrap": "#!/bin/sh\nexit 1\n"]))
        #expect(answered.functionError == "Unhandled")
        let (type, message) = try error(answered)
        #expect(type == "Runtime.ExitError")
        #expect(message == "RequestId: req-1 Error: Runtime exited with error: exit status 1")
        await pool.shutdown()
    }

    @Test func aCustomRuntimeWithoutABootstrapIsAnInvalidEntrypoint() async throws {
        let answered = try await invoke(try spec(["handler.sh": "echo hi\n"]))
        #expect(answered.functionError == "Unhandled")
        #expect(try error(answered).type == "Runtime.InvalidEntrypoint")
        await pool.shutdown()
    }

    @Test func reservedConcurrencyOfZeroRefusesEveryInvoke() async throws {
        let spec = try spec(reserved: 0)
        let refusal = await #expect(throws: AWSError.self) { try await invoke(spec) }
        #expect(refusal?.code == "TooManyRequestsException")
        #expect(refusal?.status == 429)
        #expect(refusal?.fields["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded")
        #expect(!FileManager.default.fileExists(atPath: workerFile))
        await pool.shutdown()
    }

    @Test func aWarmWorkerTakesTheNextInvoke() async throws {
        let spec = try spec()
        async let first = invoke(spec, requestID: "req-1")
        let worker = try await started()
        _ = await pool.next(worker.secret)
        #expect(await pool.complete(worker.secret, requestID: "req-1", payload: Array("1".utf8), failed: false))
        #expect(try await first.payload == Array("1".utf8))

        async let second = invoke(spec, requestID: "req-2")
        let event = try #require(await pool.next(worker.secret))
        #expect(event.requestID == "req-2")
        #expect(await pool.complete(worker.secret, requestID: "req-2", payload: Array("2".utf8), failed: false))
        #expect(try await second.payload == Array("2".utf8))
        #expect(try await started().pid == worker.pid)
        await pool.shutdown()
    }
}

import Foundation
import GatehouseModel

/// Invokes functions: runs an event on the worker pool and reports it as Lambda does — the
/// result or error document `Invoke` answers, and the START … END, REPORT lines of the
/// function's log. Both planes invoke through it; `Event` invocations go through `AsyncInvocations`.
public struct Invoker: Sendable {
    public let pool: WorkerPool
    let logs: any LogSink
    let metrics: FunctionMetrics?
    private let spans: (any SpanSink)?

    /// `metrics` counts invocations for CloudWatch (`AWS/Lambda`) in the account `account`;
    /// `spans` receives a span for each invocation of a sampled trace.
    public init(
        pool: WorkerPool, logs: any LogSink, metrics: MetricRecorder? = nil, account: String = "000000000000", spans: (any SpanSink)? = nil
    ) {
        self.pool = pool
        self.logs = logs
        self.metrics = metrics.map { FunctionMetrics(recorder: $0, account: account) }
        self.spans = spans
    }

    /// Runs one invocation to its end. Throws AWS's error when it cannot start
    /// (`TooManyRequestsException` past the concurrency limits, a runtime that cannot run).
    /// The log lines are written afterwards, off the invocation's path, unless the caller wants
    /// them back (`LogType: Tail`).
    public func invoke(
        _ spec: FunctionSpec, payload: [UInt8], invokedArn: String, wantsLog: Bool = false, requestID: String = RequestID.next(),
        trace: TraceHeader? = nil
    ) async throws(AWSError) -> InvocationResult {
        let eventTrace = (trace ?? TraceHeader(nil)).child()
        let invoked = Date().timeIntervalSince1970
        let event = Event(
            requestID: requestID, payload: payload,
            deadlineMs: Int64((Date().timeIntervalSince1970 + Double(spec.timeoutSeconds)) * 1000),
            invokedFunctionArn: invokedArn, traceID: eventTrace.description)
        let run: WorkerPool.Run
        metrics?.started(spec)
        defer { metrics?.ended(spec) }
        do {
            run = try await pool.run(event, spec: spec)
        } catch {
            if error.code == "TooManyRequestsException" { metrics?.throttled(spec) }
            throw error
        }
        let duration = Date().timeIntervalSince(run.started) * 1000
        let report = Report(outcome: run.outcome, requestID: requestID, timeoutSeconds: spec.timeoutSeconds)
        let qualifier = LambdaARN(parsing: invokedArn, region: spec.region, account: "").qualifier
        metrics?.record(spec, qualifier: qualifier, duration: run.secret == nil ? nil : duration, failed: report.functionError != nil)
        if let spans, eventTrace.sampled, let spanID = eventTrace.parent {
            var attributes: [String: JSON] = [
                "faas.name": .string(spec.name), "faas.version": .string(spec.version), "faas.invocation_id": .string(requestID),
                "faas.coldstart": .bool(run.initDuration != nil), "cloud.region": .string(spec.region), "aws.lambda.invoked_arn": .string(invokedArn),
            ]
            if let initDuration = run.initDuration { attributes["faas.init_duration_ms"] = .number(initDuration) }
            spans.record(Span(
                trace: eventTrace, spanID: spanID, parentID: trace?.parent, name: "invoke \(spec.name)", kind: .server, start: invoked,
                end: Date().timeIntervalSince1970, attributes: attributes, failed: report.functionError != nil))
        }
        var result = InvocationResult(payload: report.payload, functionError: report.functionError, log: "", outcome: run.outcome)
        guard run.secret != nil else { return result }
        // Stamped now, so a stream stays in time order even if the next invocation starts first.
        let closing: [LogEvent] = report.lines.map(LogEvent.now) + [
            .now(LambdaLogLines.end(requestID)),
            .now(LambdaLogLines.report(
                requestID, duration: duration, memoryMB: spec.memoryMB, maxMemoryMB: run.maxMemoryMB, initDuration: run.initDuration,
                status: report.status, sandboxed: pool.isSandboxed)),
        ]
        let stream = await pool.logStream(run.secret, spec: spec)
        if wantsLog {
            try? await Task.sleep(for: Self.pipeGrace)
            let lines = await pool.takeLines(run.secret, event, spec: spec, closing: closing)
            // The tail shows the invocation, START to REPORT, without the worker's INIT_START.
            result.log = lines.filter { !$0.message.hasPrefix("INIT_START ") }
                .map { $0.message.hasSuffix("\n") ? $0.message : $0.message + "\n" }.joined()
            Task { await logs.append(region: spec.region, group: spec.logGroup, stream: stream, events: lines) }
        } else {
            Task { [pool, logs] in
                try? await Task.sleep(for: Self.pipeGrace)
                let lines = await pool.takeLines(run.secret, event, spec: spec, closing: closing)
                await logs.append(region: spec.region, group: spec.logGroup, stream: stream, events: lines)
            }
        }
        return result
    }

    /// Lines printed just before an answer may still be in the worker's pipe; they get this long.
    private static let pipeGrace = Duration.milliseconds(50)

    /// What Lambda reports for an outcome: the payload `Invoke` answers, `FunctionError`, the
    /// lines it adds to the log and the REPORT line's `Status`.
    struct Report {
        var payload: [UInt8]
        var functionError: String?
        var lines: [String] = []
        var status: (status: String, errorType: String?)?

        init(outcome: Outcome, requestID: String, timeoutSeconds: Int) {
            switch outcome {
            case .response(let payload):
                self.payload = payload
            case .functionError(let payload), .initFailed(let payload):
                self.payload = payload
                functionError = "Unhandled"
            case .invalidEntrypoint:
                payload = Invoker.errorDocument(
                    "Runtime.InvalidEntrypoint", "RequestId: Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
                functionError = "Unhandled"
            case .timedOut:
                let message = "RequestId: \(requestID) Error: Task timed out after \(String(format: "%.2f", Double(timeoutSeconds))) seconds"
                payload = Invoker.errorDocument("Sandbox.Timedout", message)
                functionError = "Unhandled"
                lines = ["\(Date().utc("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")) \(message)"]
                status = ("timeout", nil)
            case .outOfMemory:
                let message = "RequestId: \(requestID) Error: Runtime exited with error: signal: killed"
                payload = Invoker.errorDocument("Runtime.OutOfMemory", message)
                functionError = "Unhandled"
                lines = [message]
                status = ("error", "Runtime.OutOfMemory")
            case .exited(let reason):
                let message = "RequestId: \(requestID) Error: \(reason)"
                payload = Invoker.errorDocument("Runtime.ExitError", message)
                functionError = "Unhandled"
                lines = [message]
                status = ("error", "Runtime.ExitError")
            }
        }
    }

    static func errorDocument(_ type: String, _ message: String) -> [UInt8] {
        Array(JSON.object(["errorType": .string(type), "errorMessage": .string(message)]).serialized())
    }
}

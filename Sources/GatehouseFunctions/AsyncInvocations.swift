import Foundation
import GatehouseModel
import Logging
import Synchronization

/// `Event` invocations, as Lambda runs them: queued durably before `Invoke` answers 202, run in
/// the background, retried after a function error (twice by default, after 1 and 2 minutes),
/// retried with back-off (1 s doubling to 5 minutes) while the function has no capacity, dropped
/// once older than the function's maximum event age, and reported to the `OnSuccess` or
/// `OnFailure` destination function with AWS's invocation record.
public final class AsyncInvocations: Sendable {
    /// How long after a function error each retry waits.
    public let retryDelays: [Duration]
    let queue: any EventQueue
    let invoker: Invoker
    let catalog: FunctionCatalog
    let logger: Logger
    /// Wakes the loop when an event arrives or one finishes, so it does not wait for its next poll.
    private let doorbell = Doorbell()
    /// Ids of the events being run.
    private let running = Mutex<Set<String>>([])

    /// Most events run at once (the worker pool has its own limits beyond that).
    static let parallelism = 16
    static let pollInterval = Duration.milliseconds(500)

    public init(
        queue: any EventQueue, invoker: Invoker, catalog: FunctionCatalog, retryDelays: [Duration] = [.seconds(60), .seconds(120)],
        logger: Logger
    ) {
        self.queue = queue
        self.invoker = invoker
        self.catalog = catalog
        self.retryDelays = retryDelays
        self.logger = logger
    }

    /// Queues an invocation of `function` (qualified as invoked); durable when this returns.
    public func enqueue(_ function: LambdaARN, payload: [UInt8], requestID: String = RequestID.next()) async throws(AWSError) {
        do {
            try await queue.enqueue(QueuedEvent(id: requestID, function: function.description, payload: payload, at: Self.now()))
        } catch {
            throw AWSError("ServiceException", status: 500, "The event could not be queued: \(error)")
        }
        invoker.metrics?.asyncEventReceived(function: function.name, region: function.region)
        doorbell.ring()
    }

    /// Runs due events until the task is cancelled. Events being run when the server stops
    /// stay queued and run again after the restart (Lambda, too, may deliver an event twice).
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let due = (try? await queue.dueEvents(by: Self.now(), limit: Self.parallelism * 2)) ?? []
                for event in due where running.withLock({ $0.count < Self.parallelism && $0.insert(event.id).inserted }) {
                    group.addTask {
                        await self.process(event)
                        self.running.withLock { _ = $0.remove(event.id) }
                        self.doorbell.ring()
                    }
                }
                await doorbell.wait(atMost: Self.pollInterval)
            }
            group.cancelAll()
        }
    }

    /// One attempt at `event`.
    func process(_ event: QueuedEvent) async {
        var event = event
        let invoked = LambdaARN(parsing: event.function, region: "", account: "")
        guard let function = catalog.current[invoked], let spec = function.spec(qualifier: invoked.qualifier) else {
            return await drop(event, reason: "the function \(event.function) no longer exists", record: nil)
        }
        let config = function.eventInvokeConfig(qualifier: invoked.qualifier)
        if Self.now() - event.enqueuedAt > Double(config.maximumEventAgeInSeconds) {
            let record = InvocationRecord(event, condition: "EventAgeExceeded", spec: spec, result: nil)
            return await drop(event, reason: "it is older than \(config.maximumEventAgeInSeconds) seconds", record: (config.onFailure, record))
        }
        // No concurrency at all: AWS sends the event to its failure destination without retrying.
        if spec.reservedConcurrency == 0 {
            let record = InvocationRecord(event, condition: "RetriesExhausted", spec: spec, result: nil)
            return await drop(event, reason: "the function's reserved concurrency is 0", record: (config.onFailure, record))
        }
        let result: InvocationResult
        do {
            result = try await invoker.invoke(spec, payload: event.payloadBytes, invokedArn: event.function, requestID: event.id)
        } catch {
            // No capacity (a throttle) or a system error: back off and try again, within the age limit.
            event.throttles += 1
            event.dueAt = Self.now() + min(pow(2, Double(event.throttles - 1)), 300)
            return await save(event)
        }
        event.attempts += 1
        if result.functionError == nil {
            return await finish(event, then: (config.onSuccess, InvocationRecord(event, condition: "Success", spec: spec, result: result)))
        }
        if event.attempts <= config.maximumRetryAttempts {
            let delay = retryDelays[min(event.attempts - 1, retryDelays.count - 1)]
            event.dueAt = Self.now() + Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            return await save(event)
        }
        let record = InvocationRecord(event, condition: "RetriesExhausted", spec: spec, result: result)
        logger.notice("async invocation \(event.id) of \(event.function) failed after \(event.attempts) attempts")
        await finish(event, then: (config.onFailure, record))
    }

    /// Gives up on an event, as AWS reports it: `AsyncEventsDropped`, here a line in the
    /// server's log, and the failure destination's record.
    private func drop(_ event: QueuedEvent, reason: String, record: (destination: String?, InvocationRecord)?) async {
        logger.warning("dropped async invocation \(event.id) of \(event.function): \(reason)")
        await finish(event, then: record)
    }

    /// Removes a finished event and, with it, queues the invocation of its destination.
    private func finish(_ event: QueuedEvent, then record: (destination: String?, InvocationRecord)?) async {
        var next: QueuedEvent?
        if let record, let destination = record.destination {
            next = QueuedEvent(id: RequestID.next(), function: destination, payload: record.1.payload, at: Self.now())
        }
        do {
            try await queue.finish(event.id, then: next)
        } catch {
            logger.error("could not finish async invocation \(event.id): \(error)")
        }
    }

    private func save(_ event: QueuedEvent) async {
        do {
            try await queue.reschedule(event)
        } catch {
            logger.error("could not reschedule async invocation \(event.id): \(error)")
        }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }
}

/// What Lambda sends a destination about one `Event` invocation (record version 1.0).
struct InvocationRecord {
    var payload: [UInt8]

    init(_ event: QueuedEvent, condition: String, spec: FunctionSpec, result: InvocationResult?) {
        let request: JSON = [
            "requestId": .string(event.id), "functionArn": .string(Self.qualified(event.function)), "condition": .string(condition),
            "approximateInvokeCount": .number(Double(event.attempts)),
        ]
        var record: JSON = [
            "version": "1.0", "timestamp": .string(Date().utc("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")), "requestContext": request,
            "requestPayload": Self.json(event.payloadBytes),
        ]
        if let result {
            var response: JSON = ["statusCode": 200, "executedVersion": .string(spec.version)]
            if let error = result.functionError { response["functionError"] = .string(error) }
            record["responseContext"] = response
            record["responsePayload"] = Self.json(result.payload)
        }
        payload = Array(record.serialized())
    }

    /// The invoked ARN with its qualifier; an unqualified one ran `$LATEST`.
    private static func qualified(_ arn: String) -> String {
        arn.split(separator: ":").count > 7 ? arn : arn + ":$LATEST"
    }

    /// A payload as JSON when it is JSON, else as a string.
    private static func json(_ bytes: [UInt8]) -> JSON {
        (try? JSON(parsing: Data(bytes))) ?? .string(String(decoding: bytes, as: UTF8.self))
    }
}

/// Wakes a waiting loop before its timeout; a ring with no one waiting is kept for the next wait.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state in
            defer { state.waiter = nil }
            if state.waiter == nil { state.rung = true }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait(atMost timeout: Duration) async {
        await withCheckedContinuation { continuation in
            let generation: Int? = state.withLock { state in
                if state.rung {
                    state.rung = false
                    return nil
                }
                state.waiter = continuation
                state.generation += 1
                return state.generation
            }
            guard let generation else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { state in
                    guard state.generation == generation else { return CheckedContinuation<Void, Never>?.none }
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }
}

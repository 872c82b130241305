import GatehouseModel

/// What a step decided about a request.
enum StepOutcome: Sendable {
    /// On to the next step.
    case proceed
    /// The request is answered (an integration's response).
    case answer(OutgoingResponse)
    /// The step needs I/O: the runner awaits its `run`.
    case wait
}

/// One step of a request's way through a deployed method or route — throttle, authenticate,
/// authorize, API key, validate, integrate — in the order AWS runs them. A REST method
/// (`Request` = `Invocation`) or an HTTP API route (`HTTPInvocation`) compiles the list of
/// steps it needs once; the runner goes down the list, answering on the event loop while no step
/// needs I/O. A step that fails throws the `GatewayError` AWS answers.
protocol GatewayStep<Request>: Sendable {
    associatedtype Request
    /// Whether the step can finish without I/O for this request, decided from its head; it may
    /// keep what it found on the request (a cached authorizer result).
    func prepare(_ request: inout Request) -> Bool
    /// Finishes the step if it can without waiting, else answers `.wait`.
    func attempt(_ request: inout Request, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome
    /// Finishes a step that answered `.wait`.
    func run(_ request: inout Request, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome
    /// Whether TestInvokeMethod runs it: the console's Test skips throttles, authorization and keys.
    var runsInTests: Bool { get }
}

extension GatewayStep {
    func prepare(_ request: inout Request) -> Bool { true }

    func run(_ request: inout Request, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        try attempt(&request, log: &log)
    }

    var runsInTests: Bool { false }
}

/// What running a list of steps came to, short of awaiting one.
enum StepProgress {
    case answered(OutgoingResponse)
    case waiting(at: Int)
}

/// The runner: one list of steps, run without waiting as far as it goes.
extension Array {
    /// Whether every step can finish without I/O for this request.
    func prepare<Request>(_ request: inout Request) -> Bool where Element == any GatewayStep<Request> {
        allSatisfy { $0.prepare(&request) }
    }

    /// Runs the steps that need no I/O; nil when one must wait (never after `prepare` said yes).
    func answerWithoutIO<Request>(_ request: inout Request, log: inout ExecutionLog?) throws(GatewayError) -> OutgoingResponse?
    where Element == any GatewayStep<Request> {
        switch try advance(from: startIndex, &request, log: &log) {
        case .answered(let response): response
        case .waiting: nil
        }
    }

    /// Runs every step, awaiting those that need I/O.
    func answer<Request>(_ request: inout Request, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse
    where Element == any GatewayStep<Request> {
        var start = startIndex
        while true {
            switch try advance(from: start, &request, log: &log) {
            case .answered(let response):
                return response
            case .waiting(let index):
                if case .answer(let response) = try await self[index].run(&request, log: &log) { return response }
                start = index + 1
            }
        }
    }

    private func advance<Request>(from start: Int, _ request: inout Request, log: inout ExecutionLog?) throws(GatewayError) -> StepProgress
    where Element == any GatewayStep<Request> {
        for index in start..<endIndex {
            switch try self[index].attempt(&request, log: &log) {
            case .proceed: continue
            case .answer(let response): return .answered(response)
            case .wait: return .waiting(at: index)
            }
        }
        // Every list ends with its integration, which answers; a list without one is a bug in compiling it.
        throw .configurationError
    }
}

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

/// One step of a request's way through a deployed method — throttle, authenticate, authorize,
/// API key, validate, integrate — in the order AWS runs them. A deployed method compiles the
/// list of steps it needs once; the runner goes down the list, answering on the event loop
/// while no step needs I/O. A step that fails throws the `GatewayError` AWS answers.
protocol GatewayStep: Sendable {
    /// Whether the step can finish without I/O for this request, decided from its head; it may
    /// keep what it found on the invocation (a cached authorizer result).
    func prepare(_ invocation: inout Invocation) -> Bool
    /// Finishes the step if it can without waiting, else answers `.wait`.
    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome
    /// Finishes a step that answered `.wait`.
    func run(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome
    /// Whether TestInvokeMethod runs it: the console's Test skips throttles, authorization and keys.
    var runsInTests: Bool { get }
}

extension GatewayStep {
    func prepare(_ invocation: inout Invocation) -> Bool { true }

    func run(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        try attempt(&invocation, log: &log)
    }

    var runsInTests: Bool { false }
}

/// The runner: one list of steps, run without waiting as far as it goes.
extension [any GatewayStep] {
    /// Whether every step can finish without I/O for this request.
    func prepare(_ invocation: inout Invocation) -> Bool {
        allSatisfy { $0.prepare(&invocation) }
    }

    /// Runs the steps that need no I/O; nil when one must wait (never after `prepare` said yes).
    func answerWithoutIO(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> OutgoingResponse? {
        switch try advance(from: startIndex, &invocation, log: &log) {
        case .answered(let response): response
        case .waiting: nil
        }
    }

    /// Runs every step, awaiting those that need I/O.
    func answer(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse {
        var start = startIndex
        while true {
            switch try advance(from: start, &invocation, log: &log) {
            case .answered(let response):
                return response
            case .waiting(let index):
                if case .answer(let response) = try await self[index].run(&invocation, log: &log) { return response }
                start = index + 1
            }
        }
    }

    private enum Progress {
        case answered(OutgoingResponse)
        case waiting(at: Int)
    }

    private func advance(from start: Int, _ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> Progress {
        for index in start..<endIndex {
            switch try self[index].attempt(&invocation, log: &log) {
            case .proceed: continue
            case .answer(let response): return .answered(response)
            case .wait: return .waiting(at: index)
            }
        }
        // Every method ends with its integration, which answers; a list without one is a bug in compiling it.
        throw .configurationError
    }
}

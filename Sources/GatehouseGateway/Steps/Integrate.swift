import Foundation
import GatehouseModel

/// Integration Request → Integration → Integration Response, by the method's integration type:
/// `MOCK` answers without I/O; `HTTP`, `HTTP_PROXY`, `AWS` (a function, or another AWS service)
/// and `AWS_PROXY` call their backend. The last step of every method.
struct IntegrateStep: GatewayStep {
    let http: HTTPIntegration
    let lambda: LambdaIntegration
    let services: AWSServiceIntegration

    var runsInTests: Bool { true }

    func prepare(_ invocation: inout Invocation) -> Bool {
        invocation.match.method.integration?.type == "MOCK"
    }

    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        guard let integration = invocation.match.method.integration else { throw .configurationError }
        guard integration.type == "MOCK" else { return .wait }
        return .answer(try MockIntegration.invoke(invocation, integration, log: &log))
    }

    func run(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        let started = ContinuousClock.now
        invocation.integrationStarted = Date().timeIntervalSince1970
        defer { invocation.integrationLatency = (ContinuousClock.now - started).milliseconds }
        return try await integrate(&invocation, log: &log)
    }

    private func integrate(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        guard let integration = invocation.match.method.integration else { throw .configurationError }
        switch integration.type {
        case "HTTP_PROXY": return .answer(try await http.proxy(invocation, integration))
        case "HTTP": return .answer(try await http.http(invocation, integration, log: &log))
        case "AWS_PROXY": return .answer(try await lambda.proxy(invocation, integration, log: &log))
        case "AWS" where LambdaIntegration.invokesFunction(integration.uri):
            return .answer(try await lambda.invoke(invocation, integration, log: &log))
        case "AWS": return .answer(try await services.invoke(invocation, integration, log: &log))
        default: throw .configurationError
        }
    }
}

import Foundation
import GatehouseModel
import Testing

@testable import GatehouseGateway

/// The runner that takes a request down a method's steps, with made-up steps that write down
/// what ran on the invocation they are given.
@Suite struct StepRunnerTests {
    /// A step that notes `name` when attempted and answers `outcome`; when that is `.wait`, its
    /// `run` notes `name.run` and answers `afterWaiting`.
    struct Noting: GatewayStep {
        var name: String
        var outcome: StepOutcome = .proceed
        var afterWaiting: StepOutcome = .proceed
        var ready = true

        func prepare(_ invocation: inout Invocation) -> Bool {
            Self.note("\(name).prepare", &invocation)
            return ready
        }

        func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
            Self.note(name, &invocation)
            return outcome
        }

        func run(_ invocation: inout Invocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
            await Task.yield()
            Self.note("\(name).run", &invocation)
            return afterWaiting
        }

        static func note(_ entry: String, _ invocation: inout Invocation) {
            let trail = invocation.identity["trail"].map { $0 + " " } ?? ""
            invocation.identity["trail"] = trail + entry
        }
    }

    /// A step that fails as a throttle does.
    struct Failing: GatewayStep {
        func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
            throw .throttled
        }
    }

    static func answering(_ status: Int) -> StepOutcome { .answer(OutgoingResponse(status: status)) }

    func invocation() -> Invocation {
        let resource: JSON = ["id": "r1", "path": "/pets", "resourceMethods": ["GET": ["httpMethod": "GET"]]]
        let stage = DeployedStage(
            apiID: "a1b2c3", stage: ["stageName": "prod", "deploymentId": "d1"], snapshot: ["restApi": ["id": "a1b2c3"], "resources": [resource]],
            pipeline: TestGateway.shared.pipeline)
        return Invocation(
            request: IncomingRequest(method: "GET", rawPath: "/pets"), target: InvokeTarget(apiID: "a1b2c3", stage: "prod", path: "/pets"),
            stage: stage, match: stage.routes.match(method: "GET", path: "/pets")!, requestID: "req-1", extendedRequestID: "ext=",
            requestTime: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func stepsRunInOrderUntilOneAnswers() throws {
        let steps: [any GatewayStep<Invocation>] = [Noting(name: "a"), Noting(name: "b", outcome: Self.answering(201)), Noting(name: "c")]
        var invocation = invocation()
        var log: ExecutionLog?
        let response = try steps.answerWithoutIO(&invocation, log: &log)
        #expect(response?.status == 201)
        #expect(invocation.identity["trail"] == "a b")
    }

    @Test func answeringWithoutIOStopsAtAStepThatMustWait() throws {
        let steps: [any GatewayStep<Invocation>] = [Noting(name: "a"), Noting(name: "b", outcome: .wait), Noting(name: "c", outcome: Self.answering(200))]
        var invocation = invocation()
        var log: ExecutionLog?
        #expect(try steps.answerWithoutIO(&invocation, log: &log) == nil)
        #expect(invocation.identity["trail"] == "a b")
    }

    @Test func answeringAwaitsAWaitingStepAndGoesOn() async throws {
        let steps: [any GatewayStep<Invocation>] = [
            Noting(name: "a", outcome: .wait), Noting(name: "b"), Noting(name: "c", outcome: .wait),
            Noting(name: "d", outcome: Self.answering(200)), Noting(name: "e"),
        ]
        var invocation = invocation()
        var log: ExecutionLog?
        let response = try await steps.answer(&invocation, log: &log)
        #expect(response.status == 200)
        #expect(invocation.identity["trail"] == "a a.run b c c.run d")
    }

    @Test func aWaitingStepsRunMayAnswerItself() async throws {
        let steps: [any GatewayStep<Invocation>] = [Noting(name: "a", outcome: .wait, afterWaiting: Self.answering(202)), Noting(name: "b")]
        var invocation = invocation()
        var log: ExecutionLog?
        #expect(try await steps.answer(&invocation, log: &log).status == 202)
        #expect(invocation.identity["trail"] == "a a.run")
    }

    @Test func aFailingStepEndsTheRequestWithItsError() async {
        let steps: [any GatewayStep<Invocation>] = [Noting(name: "a"), Failing(), Noting(name: "c", outcome: Self.answering(200))]
        var invocation = invocation()
        var log: ExecutionLog?
        #expect(throws: GatewayError.throttled) { try steps.answerWithoutIO(&invocation, log: &log) }
        await #expect(throws: GatewayError.throttled) { try await steps.answer(&invocation, log: &log) }
        #expect(invocation.identity["trail"] == "a a")
    }

    @Test func aListWithoutAnAnsweringStepIsAConfigurationError() {
        let steps: [any GatewayStep<Invocation>] = [Noting(name: "a"), Noting(name: "b")]
        var invocation = invocation()
        var log: ExecutionLog?
        #expect(throws: GatewayError.configurationError) { try steps.answerWithoutIO(&invocation, log: &log) }
    }

    @Test func preparingAsksEveryStepUntilOneNeedsIO() {
        var invocation = invocation()
        let ready: [any GatewayStep<Invocation>] = [Noting(name: "a"), Noting(name: "b")]
        #expect(ready.prepare(&invocation))
        #expect(invocation.identity["trail"] == "a.prepare b.prepare")

        invocation = self.invocation()
        let notReady: [any GatewayStep<Invocation>] = [Noting(name: "a", ready: false), Noting(name: "b")]
        #expect(!notReady.prepare(&invocation))
        #expect(invocation.identity["trail"] == "a.prepare")
    }
}

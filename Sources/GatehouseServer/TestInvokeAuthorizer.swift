import Foundation
import GatehouseControl
import GatehouseGateway
import GatehouseModel
import GatehouseStore

/// `TestInvokeAuthorizer` and the cache flushes: the operations that need the data plane (its
/// function runtime and its caches).
enum TestInvokeAuthorizer {
    static func handler(gateway: Gateway) -> OperationHandler {
        { context in
            let input = context.input
            let missing = AWSError.notFound("Invalid API identifier specified \(context.caller.accountId):\(context.string("restApiId"))")
            let stage = try await TestInvokeMethod.stage(context, gateway: gateway, missing: missing)
            guard let authorizer = stage.api.authorizers[context.string("authorizerId")] else {
                throw AWSError.notFound("Invalid Authorizer identifier specified")
            }
            let started = Date()
            let test = await gateway.testAuthorizer(
                stage: stage, authorizer: authorizer, request: TestInvokeMethod.request(from: input, method: "GET", path: "/"))
            var output: JSON = [
                "clientStatus": .number(Double(test.status)), "log": .string(test.log),
                "latency": .number((Date().timeIntervalSince(started) * 1000).rounded()),
            ]
            if let result = test.result {
                if let principal = result.principalID { output["principalId"] = .string(principal) }
                if !result.claims.isEmpty { output["claims"] = .object(result.claims.mapValues(JSON.string)) }
                output["authorization"] = .object(result.context.mapValues { JSON.array([.string($0)]) })
            }
            if let policy = test.policy { output["policy"] = .string(policy) }
            return output
        }
    }

    /// `FlushStageAuthorizersCache` (REST APIs) and `ResetAuthorizersCache` (HTTP APIs) forget
    /// the stage's cached authorizer results; `FlushStageCache` empties its response cache (a
    /// stage without one has nothing to flush). The members and the stage's kind differ.
    static func flushHandler(
        api: String, stage: String, kind: String, notFound: @escaping @Sendable (OperationContext) -> AWSError,
        flush: @escaping @Sendable (_ api: String, _ stage: String) -> Void
    ) -> OperationHandler {
        { context in
            let apiID = context.string(api), name = context.string(stage)
            guard try await context.store.document(DocumentKey(kind: kind, parent: apiID, id: name)) != nil else { throw notFound(context) }
            flush(apiID, name)
            return .emptyObject
        }
    }
}

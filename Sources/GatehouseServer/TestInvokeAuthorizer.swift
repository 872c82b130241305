import Foundation
import GatehouseControl
import GatehouseGateway
import GatehouseModel
import GatehouseStore

/// `TestInvokeAuthorizer` and `FlushStageAuthorizersCache`: the authorizer operations that need
/// the data plane (its function runtime and its result cache).
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

    /// `ResetAuthorizersCache` of HTTP APIs (apigatewayv2).
    static func resetHandler(gateway: Gateway) -> OperationHandler {
        { context in
            let apiID = context.string("ApiId"), stage = context.string("StageName")
            guard try await context.store.document(DocumentKey(kind: DocumentKind.v2Stage, parent: apiID, id: stage)) != nil else {
                throw AWSError.notFound("Invalid stage identifier specified \(context.caller.accountId):\(stage)")
            }
            gateway.authorizerCache.flush(api: apiID, stage: stage)
            return .emptyObject
        }
    }

    static func flushHandler(gateway: Gateway) -> OperationHandler {
        { context in
            let apiID = context.string("restApiId"), stage = context.string("stageName")
            guard try await context.store.document(DocumentKey(kind: DocumentKind.stage, parent: apiID, id: stage)) != nil else {
                throw AWSError.notFound("Invalid stage identifier specified")
            }
            gateway.authorizerCache.flush(api: apiID, stage: stage)
            return .emptyObject
        }
    }
}

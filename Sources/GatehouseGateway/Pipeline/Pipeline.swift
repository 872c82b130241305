/// The steps deployed methods are made of, built once from the gateway's services, and the list
/// each method compiles to, in AWS's order: web ACL → throttle → authenticate (endpoint, IAM, resource
/// policy) → authorize → API key and usage plan → validate → integrate (through the stage cache
/// when the method is cached). A method has only the
/// steps it needs: no authorizer step without an authorizer, no key check without
/// `apiKeyRequired`, no validation without a validator.
public struct Pipeline: Sendable {
    let throttle: ThrottleStep
    let authenticate: AuthenticateStep
    let authorize: AuthorizeStep
    let apiKey: APIKeyStep
    let integrate: IntegrateStep
    let throttleHTTPAPI: HTTPThrottleStep
    let authorizeJWT: JWTAuthorizerStep
    let authorizeLambda: HTTPLambdaAuthorizerStep
    let authorizeIAM: HTTPIAMAuthorizerStep
    let integrateHTTPAPI: HTTPIntegrateStep
    let throttleWebSocket: WebSocketThrottleStep
    let authorizeWebSocketLambda: WebSocketLambdaAuthorizerStep
    let authorizeWebSocketIAM: WebSocketIAMAuthorizerStep
    let webSocketAPIKey: WebSocketAPIKeyStep
    let integrateWebSocket: WebSocketIntegrateStep

    /// A WebSocket route's steps: throttle → authorize (`$connect` only: its Lambda authorizer or
    /// IAM signature) → API key (`$connect` with `ApiKeyRequired`) → integrate.
    func steps(for route: WebSocketRoute) -> [any GatewayStep<WebSocketInvocation>] {
        var steps: [any GatewayStep<WebSocketInvocation>] = [throttleWebSocket]
        if route.key == "$connect" {
            switch route.authorizationType {
            case "CUSTOM": steps.append(authorizeWebSocketLambda)
            case "AWS_IAM": steps.append(authorizeWebSocketIAM)
            default: break
            }
            if route.apiKeyRequired { steps.append(webSocketAPIKey) }
        }
        steps.append(integrateWebSocket)
        return steps
    }

    /// An HTTP API route's steps: throttle → authorize (the route's JWT or Lambda authorizer, or
    /// its IAM signature) → integrate.
    func steps(for route: DeployedRoute) -> [any GatewayStep<HTTPInvocation>] {
        var steps: [any GatewayStep<HTTPInvocation>] = [throttleHTTPAPI]
        switch route.authorizationType {
        case "JWT": steps.append(authorizeJWT)
        case "CUSTOM": steps.append(authorizeLambda)
        case "AWS_IAM": steps.append(authorizeIAM)
        default: break
        }
        steps.append(integrateHTTPAPI)
        return steps
    }

    func steps(for method: DeployedMethod, caching: MethodCaching? = nil) -> [any GatewayStep<Invocation>] {
        var steps: [any GatewayStep<Invocation>] = [WebACLStep(), throttle, authenticate]
        if AuthorizeStep.applies(to: method) { steps.append(authorize) }
        if method.apiKeyRequired { steps.append(apiKey) }
        if method.requestValidatorID != nil { steps.append(ValidateRequestStep()) }
        steps.append(caching.map { CachedIntegrateStep(integrate: integrate, caching: $0) } ?? integrate)
        return steps
    }
}

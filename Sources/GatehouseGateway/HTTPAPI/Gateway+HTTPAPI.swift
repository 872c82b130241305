import Foundation
import GatehouseModel

/// HTTP APIs: the stage (a named one by the first path segment, else `$default`), then the route
/// (exact method and path, greedy paths, `ANY`, then the `$default` route), then the route's
/// steps. CORS preflights are answered by the gateway unless the route they reach has an
/// authorizer (AWS's advice for a `$default` route with one: add an `OPTIONS /{proxy+}` route
/// without). Errors are HTTP APIs' own `{"message": …}` answers; every answer carries
/// `apigw-requestid` and, for a cross-origin request, the configured CORS headers.
extension Gateway {
    func handleHTTPAPI(_ request: IncomingRequest, target: InvokeTarget, stages: [String: DeployedHTTPStage]) async -> OutgoingResponse {
        let requestID = Self.extendedRequestID()
        var response: OutgoingResponse
        let selected = Self.stage(of: target, among: stages)
        let matched = selected.flatMap { $0.stage.routes.match(method: request.method, path: $0.path) }
        if let cors = selected?.stage.cors, CORSRules.isPreflight(request), (matched?.route.authorizationType ?? "NONE") == "NONE" {
            response = cors.preflight(request)
            response.headers.append(("apigw-requestid", requestID))
            return response
        }
        if let (stage, _, rawPath) = selected, let (route, parameters) = matched {
            var invocation = HTTPInvocation(
                request: request, stage: stage, route: route, pathParameters: parameters, rawPath: rawPath, requestID: requestID,
                requestTime: Date(), accountID: accountID)
            let deployed = directory.current
            invocation.accountThrottle = deployed.access[stage.region]?.accountThrottle ?? .accountDefault
            invocation.rolePolicies = deployed.rolePolicies
            var log: ExecutionLog?
            do throws(GatewayError) {
                response = try await route.steps.answer(&invocation, log: &log)
            } catch {
                response = Self.httpAPIError(error)
            }
            let latency = Date().timeIntervalSince(invocation.requestTime) * 1000
            for metrics in [stage.metrics, stage.routeMetrics.isEmpty ? nil : stage.routeMetrics[route.routeKey]] {
                metrics?.record(
                    status: response.status, latency: latency, integrationLatency: invocation.integrationLatency,
                    bytes: request.body.count + response.body.count)
            }
            if let accessLog = stage.accessLog {
                let line = HTTPAccessLog.line(accessLog.format, invocation, response: response, latency: latency)
                stageLogs.write(line, group: accessLog.group, region: stage.region)
            }
        } else {
            response = Self.httpAPIError(.notFound)
        }
        if let cors = selected?.stage.cors, let origin = request.header("Origin") { cors.decorate(&response, origin: origin) }
        response.headers.append(("apigw-requestid", requestID))
        return response
    }

    /// The stage a request goes to, the path below it that routes, and the path as the client
    /// sent it (`rawPath`). In the host form a first segment naming a stage picks it; any other
    /// path belongs to `$default`, whole.
    static func stage(of target: InvokeTarget, among stages: [String: DeployedHTTPStage])
        -> (stage: DeployedHTTPStage, path: String, rawPath: String)?
    {
        guard let whole = target.hostFormPath else {
            // The path form names the stage, `$default` included.
            guard let stage = stages[target.stage] else { return nil }
            return (stage, target.path, stage.name == "$default" ? target.path : "/\(stage.name)\(target.path)")
        }
        if target.stage != "$default", let stage = stages[target.stage] { return (stage, target.path, whole) }
        return stages["$default"].map { ($0, whole, whole) }
    }

    /// An HTTP API's own error answer: `{"message": …}`, no gateway responses to customize it.
    static func httpAPIError(_ error: GatewayError) -> OutgoingResponse {
        var response = OutgoingResponse.json(["message": .string(error.message)], status: error.status)
        if let challenge = error.challenge { response.headers.append(("www-authenticate", challenge)) }
        return response
    }
}

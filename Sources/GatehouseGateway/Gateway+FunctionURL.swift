import Foundation
import GatehouseFunctions
import GatehouseModel

/// Function URLs: a request to `{url-id}.lambda-url.{region}.localhost` invokes the URL's function
/// with payload 2.0 and answers what it returns (a 2.0 result, its status and headers or a body
/// alone), after the URL's CORS rules and its caller check: `AWS_IAM` wants a SigV4 signature for
/// `lambda`, `NONE` a policy statement allowing `lambda:InvokeFunctionUrl` to `*`. Refusals are
/// Lambda's 403 `{"Message":"Forbidden"}`, a failing function its 502.
extension Gateway {
    /// `{url-id}` from `{url-id}.lambda-url.{region}.localhost[:port]`.
    public static func functionURLID(inHost host: String?) -> String? {
        guard let host, let dot = host.firstIndex(of: "."), host[dot...].hasPrefix(".lambda-url.") else { return nil }
        let id = host[..<dot]
        return id.isEmpty ? nil : String(id)
    }

    public func handleFunctionURL(_ request: IncomingRequest, urlID: String) async -> OutgoingResponse {
        let requestID = UUID().uuidString.lowercased()
        var response = await answerFunctionURL(request, urlID: urlID, requestID: requestID)
        response.headers.append(("x-amzn-RequestId", requestID))
        return response
    }

    private func answerFunctionURL(_ request: IncomingRequest, urlID: String, requestID: String) async -> OutgoingResponse {
        let table = lambda.functions.catalog.current
        guard let url = table.urls[urlID], let function = table.functions[url.function], let spec = function.spec(qualifier: url.qualifier) else {
            return Self.functionURLError(403, "AccessDeniedException", "Forbidden")
        }
        let cors = CORSRules(url.cors)
        if let cors, CORSRules.isPreflight(request) { return cors.preflight(request) }
        var accountID = "anonymous"
        if url.authType == "AWS_IAM" {
            guard let signatures, (try? signatures(request))?.service == "lambda" else {
                return Self.functionURLError(403, "AccessDeniedException", "Forbidden")
            }
            accountID = self.accountID
        } else if !lambda.relaxedPermissions, !Self.allowsPublicURL(function.statements(for: url.qualifier)) {
            return Self.functionURLError(403, "AccessDeniedException", "Forbidden")
        }
        let event = PayloadV2.event(request, PayloadV2.Origin(
            apiID: urlID, stage: "$default", routeKey: "$default", rawPath: request.rawPath, requestID: requestID, requestTime: Date(),
            accountID: accountID))
        let qualifier = url.qualifier == "$LATEST" ? nil : url.qualifier
        let arn = LambdaARN(region: url.region, account: self.accountID, name: spec.name, qualifier: qualifier).description
        guard let result = try? await lambda.functions.invoker.invoke(spec, payload: Array(event.serialized()), invokedArn: arn),
            result.functionError == nil, var response = PayloadV2.response(from: result.payload)
        else {
            return Self.functionURLError(502, "InternalServerError", "Internal Server Error")
        }
        if let cors, let origin = request.header("Origin") { cors.decorate(&response, origin: origin) }
        return response
    }

    /// Whether a statement lets anyone invoke the URL of a function whose `AuthType` is `NONE`.
    static func allowsPublicURL(_ statements: [JSON]) -> Bool {
        statements.contains { statement in
            let actions = statement["Action"]?.arrayValue?.compactMap(\.stringValue) ?? [statement["Action"]?.stringValue ?? ""]
            let authType = statement["Condition"]?["StringEquals"]?["lambda:FunctionUrlAuthType"]?.stringValue
            return statement["Effect"] == "Allow" && (statement["Principal"] == "*" || statement["Principal"]?["AWS"] == "*")
                && actions.contains { ["lambda:InvokeFunctionUrl", "lambda:*", "*"].contains($0) } && (authType == nil || authType == "NONE")
        }
    }

    private static func functionURLError(_ status: Int, _ type: String, _ message: String) -> OutgoingResponse {
        OutgoingResponse(
            status: status, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", type)],
            body: JSON.object(["Message": .string(message)]).serialized())
    }
}

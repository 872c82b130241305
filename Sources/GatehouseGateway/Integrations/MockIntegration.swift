import Foundation
import GatehouseModel

/// `MOCK`: the backend is the request template itself; its `statusCode` picks the integration response.
enum MockIntegration {
    static func invoke(_ invocation: Invocation, _ integration: DeployedIntegration, log: inout ExecutionLog?) throws(GatewayError) -> OutgoingResponse {
        let contentType = IntegrationRequest.mediaType(invocation.request.header("Content-Type")) ?? "application/json"
        let status: Int
        var requestOverride: ResponseOverride?
        if let known = integration.templateStatusCodes[contentType] {
            status = known
        } else {
            let mapped = try IntegrationRequest.body(for: invocation, integration: integration, log: &log)
            status = statusCode(in: mapped.body) ?? 200
            requestOverride = mapped.responseOverride
        }
        let backend = BackendResponse(status: status, headers: [], body: Data())
        return try IntegrationResponse.map(
            backend, selector: String(status), invocation: invocation, integration: integration, requestOverride: requestOverride, log: &log)
    }

    /// The `statusCode` a mapped request asks for: from its JSON, or found as `"statusCode": 404`
    /// in text that is not plain JSON.
    static func statusCode(in body: Data) -> Int? {
        if let code = (try? JSON(parsing: body))?["statusCode"]?.intValue { return code }
        let text = String(decoding: body, as: UTF8.self)
        guard let key = text.range(of: "\"statusCode\"") else { return nil }
        let digits = text[key.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\t" || $0 == "\n" }.prefix { $0.isNumber }
        return Int(digits)
    }
}

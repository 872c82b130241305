import Foundation
import GatehouseModel

/// `MOCK`: the backend is the request template itself; its `statusCode` picks the integration response.
enum MockIntegration {
    static func invoke(_ invocation: Invocation, _ integration: DeployedIntegration) throws(GatewayError) -> OutgoingResponse {
        let mapped = try IntegrationRequest.body(for: invocation, integration: integration)
        let status = (try? JSON(parsing: mapped))?["statusCode"]?.intValue ?? statusCode(in: mapped) ?? 200
        let backend = BackendResponse(status: status, headers: [], body: Data())
        return try IntegrationResponse.map(backend, selector: String(status), invocation: invocation, integration: integration)
    }

    /// `"statusCode": 404` found in a template that is not plain JSON (it may hold VTL).
    private static func statusCode(in body: Data) -> Int? {
        let text = String(decoding: body, as: UTF8.self)
        guard let key = text.range(of: "\"statusCode\"") else { return nil }
        let digits = text[key.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\t" || $0 == "\n" }.prefix { $0.isNumber }
        return Int(digits)
    }
}

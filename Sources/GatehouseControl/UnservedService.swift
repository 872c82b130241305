import Foundation
import GatehouseModel

/// Errors about services Gatehouse does not serve — none configured, or the configured endpoint
/// unreachable — worded so the service's SDK can read them: the protocol is told from the
/// request itself (a query-protocol form or `Action=` gets XML, S3 its own XML, `X-Amz-Target`
/// the JSON protocol's `__type`, anything else rest-json).
public enum UnservedService {
    static func message(_ service: String) -> String {
        "The service '\(service)' is not served by Gatehouse and no endpoint is configured for it: set GATEHOUSE_SERVICE_ENDPOINTS=\(service)=URL (or serviceEndpoints in the configuration file) to pass its requests on."
    }

    /// 501 `NotImplemented`: nothing serves `service`.
    static func error(_ service: String, request: IncomingRequest, requestID: String) -> OutgoingResponse {
        error(AWSError("NotImplemented", status: 501, message(service)), service: service, request: request, requestID: requestID)
    }

    /// `error` in the protocol `request` speaks.
    public static func error(_ error: AWSError, service: String, request: IncomingRequest, requestID: String) -> OutgoingResponse {
        let code = error.code, status = error.status
        let text = error.message
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let isForm = request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        if service == "s3" {
            return xml(status, "<Error><Code>\(code)</Code><Message>\(escaped)</Message><RequestId>\(requestID)</RequestId></Error>")
        }
        if isForm || request.queryItems.contains(where: { $0.name == "Action" }) {
            return xml(status, "<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(escaped)</Message></Error><RequestId>\(requestID)</RequestId></ErrorResponse>")
        }
        return ControlPlane.errorResponse(error, protocolName: request.header("X-Amz-Target") == nil ? "rest-json" : "json")
    }

    private static func xml(_ status: Int, _ body: String) -> OutgoingResponse {
        OutgoingResponse(status: status, headers: [("Content-Type", "text/xml")], body: Data(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body).utf8))
    }
}

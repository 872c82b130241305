import Foundation
import GatehouseModel

extension Gateway {
    /// Passes a request for a service Gatehouse does not serve to that service's configured
    /// endpoint, signed afresh with the caller's own key, the answer streamed back; nil when no
    /// endpoint is configured for `signing.service`.
    public func forwardToService(_ request: IncomingRequest, signing: AWSServices.Signing) async -> OutgoingResponse? {
        guard let base = services.endpoints[signing.service] else { return nil }
        guard let (url, outbound) = services.outbound(request, to: base, signing: signing) else {
            return Self.serviceError(502, "The endpoint configured for \(signing.service) is not a URL: \(base)")
        }
        do throws(GatewayError) {
            return try await http.passThrough(
                method: outbound.method, url: url, headers: AWSServices.clientHeaders(outbound), body: outbound.body, timeoutMillis: 60_000)
        } catch {
            let reason = error == .integrationTimeout ? "did not answer within 60 s" : "could not be reached"
            return Self.serviceError(error == .integrationTimeout ? 504 : 502, "The endpoint configured for \(signing.service) (\(base)) \(reason)")
        }
    }

    private static func serviceError(_ status: Int, _ message: String) -> OutgoingResponse {
        OutgoingResponse(
            status: status, headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ServiceUnavailableException")],
            body: JSON.object(["message": .string(message)]).serialized())
    }
}

import Foundation
import GatehouseModel

extension Gateway {
    /// Why a request passed on to a service's endpoint got no answer: the status and the text.
    public struct ServiceUnreachable: Error {
        public var status: Int
        public var message: String
    }

    /// Passes a request for a service Gatehouse does not serve to that service's configured
    /// endpoint, signed afresh with the caller's own key, the answer streamed back; nil when no
    /// endpoint is configured for `signing.service`.
    public func forwardToService(_ request: IncomingRequest, signing: AWSServices.Signing) async throws(ServiceUnreachable) -> OutgoingResponse? {
        guard let base = services.endpoints[signing.service] else { return nil }
        guard let (url, outbound) = services.outbound(request, to: base, signing: signing) else {
            throw ServiceUnreachable(status: 502, message: "The endpoint configured for \(signing.service) is not a URL: \(base)")
        }
        do throws(GatewayError) {
            return try await http.passThrough(
                method: outbound.method, url: url, headers: AWSServices.clientHeaders(outbound), body: outbound.body, timeoutMillis: 60_000)
        } catch {
            let timedOut = error == .integrationTimeout
            throw ServiceUnreachable(
                status: timedOut ? 504 : 502,
                message: "The endpoint configured for \(signing.service) (\(base)) \(timedOut ? "did not answer within 60 s" : "could not be reached")")
        }
    }
}

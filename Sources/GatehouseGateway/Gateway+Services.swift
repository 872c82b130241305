import Foundation
import GatehouseModel

extension Gateway {
    /// Why a request passed on to a service's endpoint got no answer: the status and the text.
    public struct ServiceUnreachable: Error {
        public var status: Int
        public var message: String
    }

    /// An object of S3 (a function's or layer's package) from S3's endpoint in the map, signed
    /// with the integration key: its bytes, or `ServiceUnreachable` with S3's error code. Nil
    /// when the map has no endpoint for S3.
    public func fetchFromS3(bucket: String, key: String, region: String) async throws(ServiceUnreachable) -> Data? {
        guard let base = services.endpoints["s3"] else { return nil }
        let path = "/" + HTTPIntegration.encode(bucket) + "/" + key.split(separator: "/", omittingEmptySubsequences: false).map { HTTPIntegration.encode(String($0)) }.joined(separator: "/")
        let signing = AWSServices.Signing(
            accessKeyId: services.integrationKey.accessKeyId, secret: services.integrationKey.secret, region: region, service: "s3")
        guard let (url, outbound) = services.outbound(IncomingRequest(method: "GET", rawPath: path), to: base, signing: signing) else {
            throw ServiceUnreachable(status: 502, message: "The endpoint configured for s3 is not a URL: \(base)")
        }
        let answer: BackendResponse
        do throws(GatewayError) {
            answer = try await http.send(
                method: "GET", url: url, headers: AWSServices.clientHeaders(outbound), body: Data(), timeoutMillis: 60_000, limit: 300 << 20)
        } catch {
            throw ServiceUnreachable(status: 502, message: "The endpoint configured for s3 (\(base)) could not be reached")
        }
        guard answer.status == 200 else {
            let text = String(decoding: answer.body, as: UTF8.self)
            let code = text.range(of: "<Code>").flatMap { start in text.range(of: "</Code>").map { String(text[start.upperBound..<$0.lowerBound]) } }
            throw ServiceUnreachable(status: answer.status, message: code ?? "HTTP \(answer.status)")
        }
        return answer.body
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

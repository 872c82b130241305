import Foundation
import GatehouseModel

extension SigV4 {
    /// Headers a signature replaces: a request is signed afresh for where it goes next.
    private static let signingHeaders: Set<String> = ["authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"]

    /// Signs `request` (its `host` header included) for `service` in `region` with the given key:
    /// adds `X-Amz-Date`, `X-Amz-Content-Sha256` and `Authorization`, covering the host, the
    /// content type and `X-Amz-*` headers.
    public static func sign(
        _ request: inout IncomingRequest, accessKeyId: String, secret: String, region: String, service: String, now: Date = Date()
    ) {
        request.headers.removeAll { signingHeaders.contains($0.name.lowercased()) }
        let amzDate = now.amzDate
        let payloadHash = hexSHA256(request.body)
        request.headers.append(("X-Amz-Date", amzDate))
        request.headers.append(("X-Amz-Content-Sha256", payloadHash))
        let signed = Set(request.headers.map { $0.name.lowercased() }.filter { $0 == "host" || $0 == "content-type" || $0.hasPrefix("x-amz-") })
            .sorted()
        let canonical = canonicalRequest(
            method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers, signedHeaders: signed,
            payloadHash: payloadHash)
        let date = String(amzDate.prefix(8))
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let signature = signature(
            secret: secret, date: date, region: region, service: service,
            stringToSign: stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical))
        request.headers.append((
            "Authorization",
            "\(algorithm) Credential=\(accessKeyId)/\(scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"
        ))
    }
}

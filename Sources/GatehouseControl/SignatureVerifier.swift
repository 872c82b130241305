import Crypto
import Foundation
import GatehouseModel

/// Who signed a verified request, and for which service and region.
public struct Caller: Sendable, Equatable {
    public var accessKeyId: String
    public var accountId: String
    public var region: String
    public var service: String
}

/// Checks SigV4 signatures against the configured credentials, answering as AWS does:
/// no signature → `MissingAuthenticationTokenException`, unknown key → `UnrecognizedClientException`,
/// a wrong or stale signature → `InvalidSignatureException`.
public struct SignatureVerifier: Sendable {
    /// Secret access key by access key id.
    public var secrets: [String: String]
    public var accountId: String
    /// How far the request's date may be from the server's clock.
    public var allowedSkew: TimeInterval = 15 * 60
    /// Accept any access key, as LocalStack does for test suites that sign with made-up keys: a
    /// key Gatehouse does not know is taken without checking its signature, and a 12-digit key
    /// id is the caller's account.
    public var acceptsAnyKey = false
    /// The keys `AssumeRole` handed out.
    public var temporary: TemporaryCredentials?

    public init(secrets: [String: String], accountId: String) {
        self.secrets = secrets
        self.accountId = accountId
    }

    /// Verifies the signature of the `Authorization` header, or else of a presigned URL's query.
    public func verify(_ request: IncomingRequest, now: Date = Date()) throws(AWSError) -> Caller {
        guard let header = request.header("Authorization") else {
            guard let presigned = try SigV4.parsePresigned(request.rawQuery) else { throw AWSError.missingAuthenticationToken }
            return try verify(request, presigned, now: now)
        }
        let authorization = try SigV4.parseAuthorization(header)
        guard let secret = try secret(for: authorization) else { return caller(authorization) }
        guard let amzDate = request.header("X-Amz-Date") ?? request.header("Date") else {
            throw AWSError("IncompleteSignatureException", status: 400,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=\(header)")
        }
        let signedAt = try Self.date(amzDate)
        try checkSkew(amzDate: amzDate, signedAt: signedAt, now: now)
        try check(request, authorization, secret: secret, amzDate: amzDate, query: request.rawQuery, payloadHashes: [SigV4.hexSHA256(request.body)])
        return caller(authorization)
    }

    /// A presigned URL: signed within the clock skew, not expired, and its signature over the
    /// query without `X-Amz-Signature` (the payload hashed, or `UNSIGNED-PAYLOAD` as some SDKs sign).
    private func verify(_ request: IncomingRequest, _ presigned: SigV4.Presigned, now: Date) throws(AWSError) -> Caller {
        let authorization = presigned.authorization
        guard let secret = try secret(for: authorization) else { return caller(authorization) }
        let signedAt = try Self.date(presigned.amzDate)
        if signedAt > now.addingTimeInterval(allowedSkew) {
            try checkSkew(amzDate: presigned.amzDate, signedAt: signedAt, now: now)
        }
        if now > signedAt.addingTimeInterval(Double(presigned.expires)) {
            throw AWSError("InvalidSignatureException", status: 403,
                "Signature expired: \(presigned.amzDate) is now earlier than \(Self.format(now.addingTimeInterval(-Double(presigned.expires)))) (\(Self.format(now)) - \(presigned.expires) sec.)")
        }
        try check(request, authorization, secret: secret, amzDate: presigned.amzDate, query: presigned.signedQuery,
            payloadHashes: [SigV4.hexSHA256(request.body), "UNSIGNED-PAYLOAD"])
        return caller(authorization)
    }

    /// The key's secret; nil for a key taken unchecked (`acceptsAnyKey`).
    private func secret(for authorization: SigV4.Authorization) throws(AWSError) -> String? {
        if let secret = secrets[authorization.accessKeyId] { return secret }
        if let entry = temporary?.entry(for: authorization.accessKeyId) {
            guard entry.expiration > Date().timeIntervalSince1970 else {
                throw AWSError("ExpiredToken", status: 403, "The security token included in the request is expired")
            }
            return entry.secret
        }
        if acceptsAnyKey { return nil }
        throw AWSError("UnrecognizedClientException", status: 403, "The security token included in the request is invalid.")
    }

    private static func date(_ amzDate: String) throws(AWSError) -> Date {
        guard let date = parseAmzDate(amzDate) else {
            throw AWSError("IncompleteSignatureException", status: 400, "Date must be in ISO-8601 'basic format'. Got '\(amzDate)'.")
        }
        return date
    }

    private func caller(_ authorization: SigV4.Authorization) -> Caller {
        let key = authorization.accessKeyId
        let account = temporary?.entry(for: key)?.account ?? (acceptsAnyKey && key.count == 12 && key.allSatisfy(\.isNumber) ? key : accountId)
        return Caller(accessKeyId: key, accountId: account, region: authorization.region, service: authorization.service)
    }

    /// The signature matches one of the canonical requests (one per payload hash), or AWS's
    /// answer with the canonical string and string to sign it expected.
    private func check(
        _ request: IncomingRequest, _ authorization: SigV4.Authorization, secret: String, amzDate: String, query: String,
        payloadHashes: [String]
    ) throws(AWSError) {
        var expectation = (canonical: "", stringToSign: "")
        for payloadHash in payloadHashes {
            let canonical = SigV4.canonicalRequest(
                method: request.method, rawPath: request.rawPath, rawQuery: query, headers: request.headers,
                signedHeaders: authorization.signedHeaders, payloadHash: payloadHash)
            let stringToSign = SigV4.stringToSign(amzDate: amzDate, scope: authorization.scope, canonicalRequest: canonical)
            let expected = SigV4.signature(
                secret: secret, date: authorization.date, region: authorization.region, service: authorization.service,
                stringToSign: stringToSign)
            if constantTimeEqual(expected, authorization.signature) { return }
            if expectation.canonical.isEmpty { expectation = (canonical, stringToSign) }
        }
        let (canonical, stringToSign) = expectation
        throw AWSError("InvalidSignatureException", status: 403, """
            The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.

            The Canonical String for this request should have been
            '\(canonical)'

            The String-to-Sign should have been
            '\(stringToSign)'

            """)
    }

    private func checkSkew(amzDate: String, signedAt: Date, now: Date) throws(AWSError) {
        let minutes = Int(allowedSkew / 60)
        if signedAt < now.addingTimeInterval(-allowedSkew) {
            throw AWSError("InvalidSignatureException", status: 403,
                "Signature expired: \(amzDate) is now earlier than \(Self.format(now.addingTimeInterval(-allowedSkew))) (\(Self.format(now)) - \(minutes) min.)")
        }
        if signedAt > now.addingTimeInterval(allowedSkew) {
            throw AWSError("InvalidSignatureException", status: 403,
                "Signature not yet current: \(amzDate) is still later than \(Self.format(now.addingTimeInterval(allowedSkew))) (\(Self.format(now)) + \(minutes) min.)")
        }
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    static func parseAmzDate(_ text: String) -> Date? { Date(amzDate: text) }

    static func format(_ date: Date) -> String { date.amzDate }
}

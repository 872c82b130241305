import GatehouseModel

extension SigV4 {
    /// A presigned URL's signature: the query's `X-Amz-Algorithm`, `X-Amz-Credential`,
    /// `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders` and `X-Amz-Signature`, and the
    /// query that was signed (all of it but the signature).
    public struct Presigned: Sendable, Equatable {
        public var authorization: Authorization
        public var amzDate: String
        /// Seconds the URL is good for after `amzDate` (AWS: 1 to 604,800).
        public var expires: Int
        public var signedQuery: String
    }

    /// The signature in a query string; nil when it carries none (no `X-Amz-Signature`).
    /// A signature with missing or malformed parts is AWS's `IncompleteSignatureException` /
    /// `AuthorizationQueryParametersError`-style 400.
    public static func parsePresigned(_ rawQuery: String) throws(AWSError) -> Presigned? {
        var parameters: [String: String] = [:]
        var signed: [Substring] = []
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            if name.hasPrefix("X-Amz-") {
                parameters[name] = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            }
            if name != "X-Amz-Signature" { signed.append(pair) }
        }
        guard let signature = parameters["X-Amz-Signature"] else { return nil }
        for required in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"]
        where parameters[required]?.isEmpty != false {
            throw AWSError("IncompleteSignatureException", status: 400,
                "AWS query-string parameters must include '\(required)'. Re-examine the query-string parameters.")
        }
        guard parameters["X-Amz-Algorithm"] == algorithm else {
            throw AWSError("IncompleteSignatureException", status: 400,
                "X-Amz-Algorithm only supports \"\(algorithm)\"")
        }
        guard let expires = Int(parameters["X-Amz-Expires"]!), (1...604_800).contains(expires) else {
            throw AWSError("IncompleteSignatureException", status: 400,
                "X-Amz-Expires must be between 1 and 604800 seconds")
        }
        let credential = parameters["X-Amz-Credential"]!.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard credential.count == 5, credential[4] == "aws4_request" else {
            throw AWSError("IncompleteSignatureException", status: 400,
                "Credential should be scoped to a valid region. Credential=\(parameters["X-Amz-Credential"]!)")
        }
        return Presigned(
            authorization: Authorization(
                accessKeyId: credential[0], date: credential[1], region: credential[2], service: credential[3],
                signedHeaders: parameters["X-Amz-SignedHeaders"]!.split(separator: ";").map(String.init), signature: signature),
            amzDate: parameters["X-Amz-Date"]!, expires: expires, signedQuery: signed.joined(separator: "&"))
    }
}

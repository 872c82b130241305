import Crypto
import Foundation
import GatehouseModel

/// AWS Signature Version 4: the canonical request, the string to sign and the signature, computed
/// exactly as botocore computes them, so a signature made by any AWS SDK can be checked here.
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"

    /// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
    public struct Authorization: Sendable, Equatable {
        public var accessKeyId: String
        public var date: String
        public var region: String
        public var service: String
        public var signedHeaders: [String]
        public var signature: String

        public var scope: String { "\(date)/\(region)/\(service)/aws4_request" }
    }

    /// Parses an Authorization header; errors are AWS's `IncompleteSignatureException`.
    public static func parseAuthorization(_ header: String) throws(AWSError) -> Authorization {
        guard header.hasPrefix(algorithm + " ") else {
            throw AWSError("IncompleteSignatureException", status: 400,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=\(header)")
        }
        var fields: [String: String] = [:]
        for part in header.dropFirst(algorithm.count + 1).split(separator: ",") {
            let kv = part.drop(while: { $0 == " " || $0 == "\t" }).split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        for required in ["Credential", "SignedHeaders", "Signature"] where fields[required] == nil {
            throw AWSError("IncompleteSignatureException", status: 400,
                "Authorization header requires '\(required)' parameter. Authorization=\(header)")
        }
        let credential = fields["Credential"]!.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard credential.count == 5, credential[4] == "aws4_request" else {
            throw AWSError("IncompleteSignatureException", status: 400,
                "Credential should be scoped to a valid region. Credential=\(fields["Credential"]!)")
        }
        return Authorization(
            accessKeyId: credential[0], date: credential[1], region: credential[2], service: credential[3],
            signedHeaders: fields["SignedHeaders"]!.split(separator: ";").map(String.init),
            signature: fields["Signature"]!)
    }

    /// The canonical request for a request as it came over the wire.
    public static func canonicalRequest(
        method: String, rawPath: String, rawQuery: String, headers: [(name: String, value: String)],
        signedHeaders: [String], payloadHash: String
    ) -> String {
        let canonicalHeaders = signedHeaders.map { (name: String) -> String in
            let values = headers.filter { $0.name.lowercased() == name }.map { trimmedHeaderValue($0.value) }
            return "\(name):\(values.joined(separator: ","))\n"
        }.joined()
        let lines: [String] = [
            method,
            canonicalURI(rawPath),
            canonicalQuery(rawQuery),
            canonicalHeaders,
            signedHeaders.joined(separator: ";"),
            payloadHash,
        ]
        return lines.joined(separator: "\n")
    }

    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, hexSHA256(Data(canonicalRequest.utf8))].joined(separator: "\n")
    }

    public static func signature(secret: String, date: String, region: String, service: String, stringToSign: String) -> String {
        var key = SymmetricKey(data: Data("AWS4\(secret)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    public static func hexSHA256(_ data: Data) -> String { Hex.lowercase(SHA256.hash(data: data)) }

    /// The path with dot segments and empty segments removed, then URI-encoded. The raw path is
    /// encoded again, as botocore does for every service but S3 (`%2F` becomes `%252F`).
    static func canonicalURI(_ rawPath: String) -> String {
        var segments: [Substring] = []
        for segment in rawPath.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(segment)
        }
        var path = "/" + segments.joined(separator: "/")
        if rawPath.hasSuffix("/") && !segments.isEmpty { path += "/" }
        return uriEncode(path, keepSlash: true)
    }

    /// Query pairs decoded, re-encoded per RFC 3986 and sorted by name, then value.
    static func canonicalQuery(_ rawQuery: String) -> String {
        var pairs: [(name: String, value: String)] = []
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let name = parts[0].removingPercentEncoding ?? parts[0]
            let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
            pairs.append((uriEncode(name, keepSlash: false), uriEncode(value, keepSlash: false)))
        }
        pairs.sort { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        return pairs.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters, the only ones SigV4 leaves unencoded.
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += Hex.percentEncoded(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Leading and trailing space removed, inner runs of spaces collapsed to one.
    static func trimmedHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
    }
}

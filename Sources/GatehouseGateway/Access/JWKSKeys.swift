import AsyncHTTPClient
import Crypto
import Foundation
import GatehouseModel
import Synchronization
import _CryptoExtras

/// The RSA signing keys of token issuers, read from where they are — a URL or, for machines
/// offline, a file — once, then kept by location. An OpenID issuer's location is found as AWS
/// finds it: `jwks_uri` in `{issuer}/.well-known/openid-configuration`.
public final class JWKSKeys: Sendable {
    private let client: HTTPClient
    private let keys = Mutex<[String: [String: _RSA.Signing.PublicKey]]>([:])
    private let discovered = Mutex<[String: String]>([:])

    public init(client: HTTPClient) {
        self.client = client
    }

    /// The key `kid` of the JWKS at `location`; a kid not seen yet re-reads the document (keys rotate).
    func key(_ kid: String, at location: String) async throws -> _RSA.Signing.PublicKey? {
        if let known = keys.withLock({ $0[location]?[kid] }) { return known }
        let fetched = try Self.parseJWKS(try await fetch(location))
        keys.withLock { $0[location] = fetched }
        return fetched[kid]
    }

    /// Where an OpenID issuer publishes its keys.
    func jwksLocation(ofIssuer issuer: String) async throws -> String {
        if let known = discovered.withLock({ $0[issuer] }) { return known }
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        guard let location = try JSON(parsing: try await fetch(base + "/.well-known/openid-configuration"))["jwks_uri"]?.stringValue else {
            throw AWSError("InvalidConfiguration", status: 500, "\(issuer) publishes no jwks_uri")
        }
        discovered.withLock { $0[issuer] = location }
        return location
    }

    /// Whether `jwt` (RS256) is signed by `key`.
    static func verifies(_ jwt: JWT, with key: _RSA.Signing.PublicKey) -> Bool {
        jwt.algorithm == "RS256"
            && key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: jwt.signature), for: SHA256.hash(data: jwt.signedPart),
                padding: .insecurePKCS1v1_5)
    }

    private func fetch(_ location: String) async throws -> Data {
        if location.hasPrefix("http://") || location.hasPrefix("https://") {
            let response = try await client.execute(HTTPClientRequest(url: location), timeout: .seconds(10))
            return Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        }
        let path = location.hasPrefix("file://") ? String(location.dropFirst("file://".count)) : location
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The RSA keys of a JWKS document by `kid`.
    static func parseJWKS(_ data: Data) throws -> [String: _RSA.Signing.PublicKey] {
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        for key in try JSON(parsing: data)["keys"]?.arrayValue ?? [] {
            guard key["kty"] == "RSA", let kid = key["kid"]?.stringValue, let n = key["n"]?.stringValue.flatMap(Data.init(base64URL:)),
                let e = key["e"]?.stringValue.flatMap(Data.init(base64URL:))
            else { continue }
            keys[kid] = try _RSA.Signing.PublicKey(n: n, e: e)
        }
        return keys
    }
}

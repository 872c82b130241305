import AsyncHTTPClient
import Crypto
import Foundation
import GatehouseModel
import NIOCore
import Synchronization
import _CryptoExtras

/// A `COGNITO_USER_POOLS` authorizer: the caller's JWT (RS256) must be signed by a key of one of
/// the authorizer's user pools, issued by that pool, unexpired, and an ID token — or, for a
/// method with `authorizationScopes`, an access token holding one of the scopes. Every failure
/// is 401 `Unauthorized`, as on AWS. The claims reach the integration as strings.
///
/// A pool's keys come from `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json`
/// unless `jwksLocations` maps the pool id to another URL or a file (machines may be offline);
/// they are fetched once and kept.
public final class CognitoAuthorizer: Sendable {
    private let keys: JWKSKeys
    private let jwksLocations: [String: String]

    public init(keys: JWKSKeys, jwksLocations: [String: String]) {
        self.keys = keys
        self.jwksLocations = jwksLocations
    }

    func verify(_ invocation: Invocation, _ authorizer: DeployedAuthorizer, scopes: [String], log: inout ExecutionLog?) async throws(GatewayError)
        -> AuthorizerResult
    {
        let source = authorizer.identitySources.first ?? "method.request.header.Authorization"
        guard var token = invocation.value(of: source), !token.isEmpty else { throw .unauthorized }
        if token.hasPrefix("Bearer ") { token = String(token.dropFirst("Bearer ".count)) }
        guard let jwt = JWT(token) else {
            log?.line("Unauthorized: the token is not a JWT")
            throw .unauthorized
        }
        guard let issuer = jwt.claims["iss"]?.stringValue,
            let pool = authorizer.providerARNs.lazy.compactMap(UserPool.init).first(where: { $0.issuer == issuer })
        else {
            log?.line("Unauthorized: the token's issuer is none of the authorizer's user pools")
            throw .unauthorized
        }
        guard let kid = jwt.keyID, let key = await key(kid, of: pool, log: &log), JWKSKeys.verifies(jwt, with: key) else {
            log?.line("Unauthorized: the token's signature does not verify with the user pool's keys")
            throw .unauthorized
        }
        guard let expiry = jwt.claims["exp"]?.doubleValue, expiry > Date().timeIntervalSince1970 else {
            log?.line("Unauthorized: the token has expired")
            throw .unauthorized
        }
        try check(jwt.claims, scopes: scopes, validation: authorizer.validation, log: &log)
        var result = AuthorizerResult()
        for (name, value) in jwt.claims {
            result.claims[name] = Self.claimText(name, value)
        }
        return result
    }

    /// ID tokens for methods without scopes; access tokens holding one of the scopes otherwise.
    private func check(_ claims: [String: JSON], scopes: [String], validation: SelectionPattern?, log: inout ExecutionLog?) throws(GatewayError) {
        let use = claims["token_use"]?.stringValue
        if scopes.isEmpty {
            guard use == "id" else {
                log?.line("Unauthorized: the method needs an ID token")
                throw .unauthorized
            }
            if let validation, !validation.matches(claims["aud"]?.stringValue ?? "") { throw .unauthorized }
        } else {
            let granted = Set((claims["scope"]?.stringValue ?? "").split(separator: " ").map(String.init))
            guard use == "access", scopes.contains(where: granted.contains) else {
                log?.line("Unauthorized: the token holds none of the method's scopes \(scopes)")
                throw .unauthorized
            }
        }
    }

    /// A claim as AWS passes it on: text, with `exp`/`iat` written like `Fri Jul 29 18:52:53 UTC 2016`.
    private static func claimText(_ name: String, _ value: JSON) -> String? {
        switch value {
        case .number(let seconds) where name == "exp" || name == "iat":
            Date(timeIntervalSince1970: seconds).utc("EEE MMM dd HH:mm:ss 'UTC' yyyy")
        case .string(let text): text
        case .number(let number): Int64(exactly: number).map(String.init) ?? String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: nil
        default: value.serializedString
        }
    }

    private func key(_ kid: String, of pool: UserPool, log: inout ExecutionLog?) async -> _RSA.Signing.PublicKey? {
        let location = jwksLocations[pool.id] ?? pool.issuer + "/.well-known/jwks.json"
        do {
            return try await keys.key(kid, at: location)
        } catch {
            log?.line("Could not read the user pool's keys from \(location): \(error)")
            return nil
        }
    }
}

/// A user pool named by its ARN: `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`.
struct UserPool {
    var id: String
    var issuer: String

    init?(arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5)
        guard parts.count == 6, parts[2] == "cognito-idp", parts[5].hasPrefix("userpool/") else { return nil }
        id = String(parts[5].dropFirst("userpool/".count))
        issuer = "https://cognito-idp.\(parts[3]).amazonaws.com/\(id)"
    }
}

/// A compact JWS: header, claims, and the signature over `header.payload`.
struct JWT {
    var algorithm: String?
    var keyID: String?
    var claims: [String: JSON]
    var signedPart: Data
    var signature: Data

    init?(_ token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Data(base64URL: String(parts[0])).flatMap({ try? JSON(parsing: $0) }),
            let claims = Data(base64URL: String(parts[1])).flatMap({ try? JSON(parsing: $0) })?.objectValue,
            let signature = Data(base64URL: String(parts[2]))
        else { return nil }
        algorithm = header["alg"]?.stringValue
        keyID = header["kid"]?.stringValue
        self.claims = claims
        self.signature = signature
        signedPart = Data("\(parts[0]).\(parts[1])".utf8)
    }
}

extension Data {
    /// Decodes base64url text without padding, as JWTs and JWKs write it.
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}

import Foundation
import GatehouseModel

/// An HTTP API route's JWT authorizer: the token from the identity source (`Bearer ` optional)
/// must be an RS256 JWT signed by a key of the configured issuer (found through its OpenID
/// configuration, or `jwksLocations` for machines offline), from that issuer, for one of the
/// audiences (`aud`, or `client_id`), current (`exp`, `nbf`), and hold one of the route's
/// scopes (`scope` or `scp`) when it has some. Failures answer 401 `Unauthorized` (403
/// `Forbidden` for missing scopes) with AWS's `www-authenticate` challenge.
struct JWTAuthorizerStep: GatewayStep {
    let keys: JWKSKeys
    /// Where an issuer's keys are, by issuer, when not where its OpenID configuration says.
    let jwksLocations: [String: String]

    func prepare(_ invocation: inout HTTPInvocation) -> Bool { false }

    func attempt(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome { .wait }

    func run(_ invocation: inout HTTPInvocation, log: inout ExecutionLog?) async throws(GatewayError) -> StepOutcome {
        guard let id = invocation.route.authorizerID, let authorizer = invocation.stage.authorizers[id], let issuer = authorizer.issuer else {
            throw .internalServerError
        }
        guard var token = authorizer.identitySources.first.flatMap({ $0.value(in: invocation) }), !token.isEmpty else {
            throw .jwtUnauthorized(nil)
        }
        if token.hasPrefix("Bearer ") { token = String(token.dropFirst("Bearer ".count)) }
        guard let jwt = JWT(token) else { throw .jwtUnauthorized("the token is not a valid JWT") }
        guard jwt.claims["iss"]?.stringValue == issuer else { throw .jwtUnauthorized("the token does not have a valid issuer") }
        guard let kid = jwt.keyID, let key = try? await keys.key(kid, at: await location(of: issuer)), JWKSKeys.verifies(jwt, with: key) else {
            throw .jwtUnauthorized("signing method RS256 is invalid or the signature does not verify")
        }
        let now = Date().timeIntervalSince1970
        guard let expiry = jwt.claims["exp"]?.doubleValue, expiry > now else { throw .jwtUnauthorized("the token has expired") }
        if let notBefore = jwt.claims["nbf"]?.doubleValue, notBefore > now { throw .jwtUnauthorized("the token is not valid yet") }
        let audiences = Self.strings(jwt.claims["aud"]) + Self.strings(jwt.claims["client_id"])
        guard audiences.contains(where: authorizer.audience.contains) else {
            throw .jwtUnauthorized("the token does not have a valid audience")
        }
        let granted = Self.strings(jwt.claims["scope"]).flatMap { $0.split(separator: " ").map(String.init) } + Self.strings(jwt.claims["scp"])
        let required = invocation.route.authorizationScopes
        if !required.isEmpty, !required.contains(where: granted.contains) {
            throw .insufficientScope(required)
        }
        invocation.authorizer = [
            "jwt": ["claims": .object(jwt.claims.compactMapValues(Self.claimText)), "scopes": granted.isEmpty ? .null : .array(granted.map(JSON.string))],
        ]
        return .proceed
    }

    private func location(of issuer: String) async throws -> String {
        if let configured = jwksLocations[issuer] { return configured }
        return try await keys.jwksLocation(ofIssuer: issuer)
    }

    /// A claim that is a string or a list of strings, as a list.
    private static func strings(_ claim: JSON?) -> [String] {
        switch claim {
        case .string(let text)?: [text]
        case .array(let items)?: items.compactMap(\.stringValue)
        default: []
        }
    }

    /// Claims reach the integration as strings, as on AWS (`"exp": "1787996002"`).
    private static func claimText(_ value: JSON) -> JSON? {
        switch value {
        case .string: value
        case .number(let number): .string(Int64(exactly: number).map(String.init) ?? String(number))
        case .bool(let flag): .string(flag ? "true" : "false")
        case .null: nil
        default: .string(value.serializedString)
        }
    }
}

extension GatewayError {
    /// 401 `Unauthorized` with the challenge HTTP APIs send for a missing or invalid token.
    static func jwtUnauthorized(_ description: String?) -> GatewayError {
        var error = GatewayError(responseType: "UNAUTHORIZED", status: 401, message: "Unauthorized", errorType: nil)
        error.challenge = description.map { "Bearer scope=\"\" error=\"invalid_token\" error_description=\"\($0)\"" } ?? "Bearer"
        return error
    }

    /// 403 `Forbidden` for a token without any of the route's scopes.
    static func insufficientScope(_ scopes: [String]) -> GatewayError {
        var error = GatewayError(responseType: "ACCESS_DENIED", status: 403, message: "Forbidden", errorType: nil)
        error.challenge = "Bearer scope=\"\(scopes.joined(separator: " "))\" error=\"insufficient_scope\" error_description=\"the token does not have the required scopes\""
        return error
    }
}

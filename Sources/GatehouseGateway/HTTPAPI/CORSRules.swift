import Foundation
import GatehouseModel

/// An HTTP API's CORS configuration, as the gateway applies it: preflight requests answered
/// without an integration, and the configured headers on every response to a cross-origin
/// request in place of any the backend sent.
struct CORSRules: Sendable {
    var allowOrigins: [String]
    var allowMethods: [String]
    var allowHeaders: [String]
    var exposeHeaders: [String]
    var maxAge: Int?
    var allowCredentials: Bool

    /// From the API's `CorsConfiguration`; nil when it has none.
    init?(_ json: JSON?) {
        guard let json, case .object = json else { return nil }
        func list(_ member: String) -> [String] { json[member]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        allowOrigins = list("AllowOrigins")
        allowMethods = list("AllowMethods")
        allowHeaders = list("AllowHeaders")
        exposeHeaders = list("ExposeHeaders")
        maxAge = json["MaxAge"]?.intValue
        allowCredentials = json["AllowCredentials"] == true
    }

    /// Whether a request is a preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    static func isPreflight(_ request: IncomingRequest) -> Bool {
        request.method == "OPTIONS" && request.header("Origin") != nil && request.header("Access-Control-Request-Method") != nil
    }

    /// The value of `Access-Control-Allow-Origin` for `origin`: `*` when any origin may call,
    /// else the origin itself when a configured one matches it (`https://*.example.com` matches
    /// its subdomains); nil when it may not.
    func allowedOrigin(_ origin: String) -> String? {
        if allowOrigins.contains("*") { return allowCredentials ? origin : "*" }
        let lowered = origin.lowercased()
        return allowOrigins.contains { Self.matches(lowered, pattern: $0.lowercased()) } ? origin : nil
    }

    /// The answer to a preflight: 204 with the allowed methods, headers and age for an allowed
    /// origin, a bare 204 for any other.
    func preflight(_ request: IncomingRequest) -> OutgoingResponse {
        var response = OutgoingResponse(status: 204)
        guard let origin = request.header("Origin"), let allowed = allowedOrigin(origin) else { return response }
        response.headers.append(("access-control-allow-origin", allowed))
        if !allowMethods.isEmpty { response.headers.append(("access-control-allow-methods", allowMethods.joined(separator: ","))) }
        if !allowHeaders.isEmpty { response.headers.append(("access-control-allow-headers", allowHeaders.joined(separator: ",").lowercased())) }
        if let maxAge { response.headers.append(("access-control-max-age", String(maxAge))) }
        if allowCredentials { response.headers.append(("access-control-allow-credentials", "true")) }
        return response
    }

    /// A response to a cross-origin request: the backend's CORS headers replaced by the configured ones.
    func decorate(_ response: inout OutgoingResponse, origin: String) {
        response.headers.removeAll { $0.name.lowercased().hasPrefix("access-control-") }
        guard let allowed = allowedOrigin(origin) else { return }
        response.headers.append(("access-control-allow-origin", allowed))
        if !exposeHeaders.isEmpty { response.headers.append(("access-control-expose-headers", exposeHeaders.joined(separator: ","))) }
        if allowCredentials { response.headers.append(("access-control-allow-credentials", "true")) }
    }

    /// `*` in a pattern stands for any run of characters.
    private static func matches(_ origin: String, pattern: String) -> Bool {
        guard pattern.contains("*") else { return origin == pattern }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard origin.hasPrefix(pieces[0]), origin.hasSuffix(pieces[pieces.count - 1]) else { return false }
        var rest = origin.dropFirst(pieces[0].count)
        for piece in pieces.dropFirst().dropLast() {
            guard let found = rest.range(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.count >= pieces[pieces.count - 1].count
    }
}

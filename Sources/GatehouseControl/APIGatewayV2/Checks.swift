import Foundation
import GatehouseModel
import GatehouseStore

/// What AWS checks of a route: its key (`$default`, or a method and a path whose parts are
/// literals, `{name}` or a last `{name+}`), that no other route has it, that path variables at
/// the same level agree, and that its target and authorizer exist.
enum RouteChecks {
    static let methods: Set<String> = ["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    static func check(_ route: inout JSON, api: JSON, context: OperationContext, in reader: any DocumentReader) async throws {
        let key = route["RouteKey"]?.stringValue ?? ""
        guard !key.isEmpty else { throw AWSError.badRequest("Route key is required") }
        let apiID = context.string("ApiId")
        let others = try await reader.documents(kind: DocumentKind.route, parent: apiID).filter { $0["RouteId"] != route["RouteId"] }
        if api["ProtocolType"] == "HTTP" {
            let parsed = try parse(key)
            if others.contains(where: { $0["RouteKey"] == .string(key) }) {
                throw AWSError.conflict("Route with key \(key) already exists for this API")
            }
            for other in others {
                guard let otherKey = other["RouteKey"]?.stringValue, let otherParsed = try? parse(otherKey),
                    parsed.hasConflictingVariable(with: otherParsed)
                else { continue }
                throw AWSError.conflict(
                    "The provided route key \"\(key)\" has a conflicting variable on the same hierarchical level as \"\(otherKey)\"")
            }
        } else {
            try WebSocketChecks.checkRoute(route)
            if others.contains(where: { $0["RouteKey"] == .string(key) }) {
                throw AWSError.conflict("Route with key \(key) already exists for this API")
            }
        }
        if let target = route["Target"]?.stringValue {
            let id = target.hasPrefix("integrations/") ? String(target.dropFirst("integrations/".count)) : ""
            guard try await reader.document(DocumentKey(kind: DocumentKind.integration, parent: apiID, id: id)) != nil else {
                throw AWSError.badRequest("Invalid target specified: \(target). The target must be of the form integrations/{integrationId} naming an integration of this API.")
            }
        }
        switch route["AuthorizationType"]?.stringValue ?? "NONE" {
        case "JWT", "CUSTOM":
            let id = route["AuthorizerId"]?.stringValue ?? ""
            guard try await reader.document(DocumentKey(kind: DocumentKind.v2Authorizer, parent: apiID, id: id)) != nil else {
                throw AWSError.badRequest(
                    "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.")
            }
        default:
            // Detaching an authorizer: NONE or AWS_IAM leaves no authorizer id behind.
            route["AuthorizerId"] = nil
            route["AuthorizationScopes"] = nil
        }
    }

    /// A route key taken apart: `$default`, or its method and path parts.
    struct Key: Equatable {
        var method: String
        /// Literal parts as they are; variables as `{name}` or `{name+}`.
        var parts: [String]

        /// Whether a variable is named differently from `other`'s at the same level after the
        /// same literal parts (`/a/{x}/b` against `/a/{y}/b`).
        func hasConflictingVariable(with other: Key) -> Bool {
            for (mine, theirs) in zip(parts, other.parts) {
                if mine.hasPrefix("{") && theirs.hasPrefix("{") && mine != theirs && mine.hasSuffix("+}") == theirs.hasSuffix("+}") {
                    return true
                }
                if mine != theirs { return false }
            }
            return false
        }
    }

    static func parse(_ key: String) throws(AWSError) -> Key {
        if key == "$default" { return Key(method: "$default", parts: []) }
        let pieces = key.split(separator: " ", maxSplits: 1).map(String.init)
        guard pieces.count == 2, methods.contains(pieces[0]) else {
            throw .badRequest("Invalid route key: \(key). A route key is $default or an HTTP method (\(methods.sorted().joined(separator: ", "))) and a path, as in GET /pets/{id}.")
        }
        let path = pieces[1]
        guard path.hasPrefix("/") else { throw .badRequest("One or more path parts appear to be invalid") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if path == "/" { return Key(method: pieces[0], parts: []) }
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            guard isValid(part, greedyAllowed: isLast) else { throw .badRequest("One or more path parts appear to be invalid") }
        }
        return Key(method: pieces[0], parts: parts)
    }

    private static func isValid(_ part: String, greedyAllowed: Bool) -> Bool {
        if part.hasPrefix("{") && part.hasSuffix("}") {
            var name = part.dropFirst().dropLast()
            if name.hasSuffix("+") {
                guard greedyAllowed else { return false }
                name = name.dropLast()
            }
            return !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
        }
        return !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._~:@!$&'()*,;=".contains($0)) }
    }
}

/// What AWS checks of an integration: for an HTTP API, a proxy type, a payload format version
/// it supports, a method and the defaults it fills in (WebSocket APIs: `WebSocketChecks`).
enum IntegrationChecks {
    static func check(_ integration: inout JSON, api: JSON, input: JSON) throws(AWSError) {
        guard api["ProtocolType"] == "HTTP" else { return try WebSocketChecks.checkIntegration(&integration, input: input) }
        let type = integration["IntegrationType"]?.stringValue ?? ""
        guard type == "AWS_PROXY" || type == "HTTP_PROXY" else {
            throw .badRequest(
                "Currently, an API with a protocol type of HTTP may only be associated with proxy integrations (AWS_PROXY, HTTP_PROXY)")
        }
        guard integration["IntegrationUri"]?.stringValue?.isEmpty == false else {
            throw .badRequest("An integration URI is required for \(type) integrations")
        }
        try checkMappings(integration)
        if type == "AWS_PROXY" {
            integration["IntegrationMethod"] = integration["IntegrationMethod"] ?? "POST"
            // AWS requires the version of a Lambda integration: there is no default to assume.
            guard let version = integration["PayloadFormatVersion"]?.stringValue else {
                throw .badRequest("A payload format version is required for AWS_PROXY integrations of HTTP APIs: 1.0 or 2.0")
            }
            guard version == "1.0" || version == "2.0" else {
                throw .badRequest("Invalid payload format version specified: \(version). Supported values for Lambda proxy integrations are 1.0 and 2.0")
            }
        } else {
            integration["IntegrationMethod"] = integration["IntegrationMethod"] ?? "ANY"
            let version = integration["PayloadFormatVersion"]?.stringValue ?? "1.0"
            guard version == "1.0" else {
                throw .badRequest("Invalid payload format version specified: \(version). HTTP_PROXY integrations support 1.0 only")
            }
            integration["PayloadFormatVersion"] = "1.0"
        }
    }
}

extension IntegrationChecks {
    /// Request mappings change headers, query strings or the path; response mappings, by status
    /// code, headers or the status. Reserved headers cannot be mapped.
    static func checkMappings(_ integration: JSON) throws(AWSError) {
        for (key, _) in integration["RequestParameters"]?.objectValue ?? [:] {
            try checkMapping(key, targets: ["header.", "querystring."], wholeTargets: ["overwrite:path"])
        }
        for (status, mappings) in integration["ResponseParameters"]?.objectValue ?? [:] {
            guard let code = Int(status), (200...599).contains(code) else {
                throw .badRequest("Invalid status code specified for response parameters: \(status)")
            }
            for (key, _) in mappings.objectValue ?? [:] {
                try checkMapping(key, targets: ["header."], wholeTargets: ["overwrite:statuscode"])
            }
        }
    }

    private static func checkMapping(_ key: String, targets: [String], wholeTargets: Set<String>) throws(AWSError) {
        if wholeTargets.contains(key) { return }
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["append", "overwrite", "remove"].contains(parts[0]),
            let prefix = targets.first(where: { parts[1].hasPrefix($0) }), parts[1].count > prefix.count
        else { throw .badRequest("Invalid mapping expression specified: \(key)") }
        let name = String(parts[1].dropFirst(prefix.count))
        if prefix == "header.", isReserved(name) {
            throw .badRequest("Invalid mapping expression specified: \(key). The header \(name) is reserved and cannot be mapped.")
        }
    }

    /// Headers AWS refuses to map.
    static func isReserved(_ header: String) -> Bool {
        let name = header.lowercased()
        let exact: Set<String> = [
            "authorization", "connection", "content-encoding", "content-length", "content-location", "forwarded", "keep-alive",
            "origin", "te", "trailers", "transfer-encoding", "upgrade", "via",
        ]
        return exact.contains(name) || ["access-control-", "apigw-", "proxy-", "x-amz-", "x-amzn-", "x-forwarded-"].contains { name.hasPrefix($0) }
    }
}

/// What AWS checks of an HTTP API's authorizer: a JWT authorizer's issuer and identity source, a
/// Lambda (`REQUEST`) authorizer's function and payload format version (WebSocket APIs:
/// `WebSocketChecks`).
enum AuthorizerChecks {
    static func check(_ authorizer: inout JSON, api: JSON) throws(AWSError) {
        guard api["ProtocolType"] == "HTTP" else { return try WebSocketChecks.checkAuthorizer(authorizer) }
        switch authorizer["AuthorizerType"]?.stringValue ?? "" {
        case "JWT":
            guard authorizer["JwtConfiguration"]?["Issuer"]?.stringValue?.isEmpty == false else {
                throw .badRequest("JwtConfiguration.Issuer is required for JWT authorizers")
            }
            guard (authorizer["IdentitySource"]?.arrayValue ?? []).count == 1 else {
                throw .badRequest("A JWT authorizer takes exactly one identity source, such as $request.header.Authorization")
            }
        case "REQUEST":
            guard authorizer["AuthorizerUri"]?.stringValue?.isEmpty == false else {
                throw .badRequest("AuthorizerUri is required for REQUEST authorizers")
            }
            guard let version = authorizer["AuthorizerPayloadFormatVersion"]?.stringValue, version == "1.0" || version == "2.0" else {
                throw .badRequest("AuthorizerPayloadFormatVersion is required for HTTP API Lambda authorizers: 1.0 or 2.0")
            }
            if version == "1.0", authorizer["EnableSimpleResponses"] == true {
                throw .badRequest("Simple responses are supported only by authorizers with payload format version 2.0")
            }
            authorizer["EnableSimpleResponses"] = authorizer["EnableSimpleResponses"] ?? false
            authorizer["AuthorizerResultTtlInSeconds"] = authorizer["AuthorizerResultTtlInSeconds"] ?? 0
        default:
            throw .badRequest("Invalid authorizer type specified for an HTTP API: \(authorizer["AuthorizerType"]?.stringValue ?? "null"). Use JWT or REQUEST")
        }
    }
}

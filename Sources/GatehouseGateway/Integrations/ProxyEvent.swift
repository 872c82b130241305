import Foundation
import GatehouseModel

/// The Lambda proxy event, payload format 1.0, field for field as API Gateway sends it; `null`
/// where AWS sends `null`.
enum ProxyEvent {
    static func make(_ invocation: Invocation) -> JSON {
        let request = invocation.request
        let resource = invocation.match.resource
        var headers: [String: JSON] = [:]
        var multiHeaders: [String: [JSON]] = [:]
        for header in request.headers {
            let name = header.name.lowercased() == "host" ? "Host" : header.name
            headers[name] = .string(header.value)
            multiHeaders[name, default: []].append(.string(header.value))
        }
        // What API Gateway's front end adds before the integration sees the request.
        let host = request.header("Host") ?? "\(invocation.stage.apiID).execute-api.localhost"
        let port = host.split(separator: ":").dropFirst().first.map(String.init) ?? "80"
        let sourceIP = request.remoteAddress ?? "127.0.0.1"
        let forwardedFor = request.header("X-Forwarded-For").map { "\($0), \(sourceIP)" } ?? sourceIP
        for (name, value) in [
            ("X-Forwarded-For", forwardedFor), ("X-Forwarded-Port", port), ("X-Forwarded-Proto", "http"),
            ("X-Amzn-Trace-Id", invocation.trace.description),
        ] {
            headers[name] = .string(value)
            multiHeaders[name] = [.string(value)]
        }
        var query: [String: JSON] = [:]
        var multiQuery: [String: [JSON]] = [:]
        for item in request.queryItems {
            query[item.name] = .string(item.value)
            multiQuery[item.name, default: []].append(.string(item.value))
        }
        let binary = invocation.hasBinaryBody
        let body: JSON = request.body.isEmpty
            ? .null : .string(binary ? request.body.base64EncodedString() : String(decoding: request.body, as: UTF8.self))
        var context = JSON.object(invocation.contextVariables.filter { !$0.key.contains(".") }.mapValues(JSON.string))
        context["requestTimeEpoch"] = .number((invocation.requestTime.timeIntervalSince1970 * 1000).rounded(.down))
        var identity = JSON.object(Dictionary(uniqueKeysWithValues: identityFields.map { ($0, JSON.null) }))
        for (key, value) in invocation.contextVariables {
            if let field = key.dropPrefix("identity.") { identity[field] = .string(value) }
        }
        context["identity"] = identity
        if invocation.authorizer != AuthorizerResult() {
            var authorizer = JSON.object(invocation.authorizer.context.mapValues(JSON.string))
            if let principal = invocation.authorizer.principalID {
                authorizer["principalId"] = .string(principal)
                authorizer["integrationLatency"] = 0
            }
            if !invocation.authorizer.claims.isEmpty { authorizer["claims"] = .object(invocation.authorizer.claims.mapValues(JSON.string)) }
            context["authorizer"] = authorizer
        }
        return [
            "resource": .string(resource.path), "path": .string(decodedPath(invocation.target.domainPath ?? invocation.target.path)), "httpMethod": .string(request.method),
            "headers": headers.isEmpty ? .null : .object(headers),
            "multiValueHeaders": multiHeaders.isEmpty ? .null : .object(multiHeaders.mapValues(JSON.array)),
            "queryStringParameters": query.isEmpty ? .null : .object(query),
            "multiValueQueryStringParameters": multiQuery.isEmpty ? .null : .object(multiQuery.mapValues(JSON.array)),
            "pathParameters": invocation.match.pathParameters.isEmpty ? .null : .object(invocation.match.pathParameters.mapValues(JSON.string)),
            "stageVariables": invocation.stage.variables.isEmpty ? .null : .object(invocation.stage.variables.mapValues(JSON.string)),
            "requestContext": context, "body": body, "isBase64Encoded": .bool(binary && !request.body.isEmpty),
        ]
    }

    private static func decodedPath(_ raw: String) -> String { raw.removingPercentEncoding ?? raw }

    /// The identity members of `requestContext`, null unless the caller established them.
    static let identityFields = [
        "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp", "principalOrgId", "accessKey",
        "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "userAgent", "user",
    ]
}

/// A Lambda proxy result (`statusCode`, `headers`, `multiValueHeaders`, `body`,
/// `isBase64Encoded`) turned into the response; nil when it is malformed.
enum ProxyResult {
    static let members: Set<String> = ["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"]

    static func response(from payload: Data, binaryMediaTypes: [String], accept: String?) -> OutgoingResponse? {
        guard case .object(let result)? = try? JSON(parsing: payload), Set(result.keys).isSubset(of: members) else { return nil }
        let status: Int
        switch result["statusCode"] {
        case nil, .null?: status = 200
        case .number(let number)?: status = Int(number)
        case .string(let text)?:
            guard let number = Int(text) else { return nil }
            status = number
        default: return nil
        }
        guard (100...599).contains(status) else { return nil }
        var response = OutgoingResponse(status: status)
        for (name, value) in result["headers"]?.objectValue ?? [:] {
            guard let text = scalarText(value) else { return nil }
            response.headers.append((name, text))
        }
        for (name, values) in result["multiValueHeaders"]?.objectValue ?? [:] {
            guard let list = values.arrayValue else { return nil }
            response.headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
            for value in list {
                guard let text = scalarText(value) else { return nil }
                response.headers.append((name, text))
            }
        }
        switch result["body"] {
        case nil, .null?: break
        case .string(let text)?:
            // A base64 body goes out as bytes only to a client that accepts a binary media type;
            // others get the base64 text, as on AWS.
            let acceptsBinary = ContentHandling.isBinary(accept, binaryMediaTypes)
            if result["isBase64Encoded"] == true {
                guard let bytes = Data(base64Encoded: text) else { return nil }
                response.body = acceptsBinary ? bytes : Data(text.utf8)
            } else {
                response.body = Data(text.utf8)
            }
        default: return nil
        }
        if !response.headers.contains(where: { $0.name.equalsIgnoringASCIICase("Content-Type") }) {
            response.headers.append(("Content-Type", "application/json"))
        }
        return response
    }

    private static func scalarText(_ value: JSON) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let number): return Int64(exactly: number).map(String.init) ?? String(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }
}

import Foundation
import GatehouseModel

/// The Lambda proxy event, payload format 1.0, field for field as API Gateway sends it; `null`
/// where AWS sends `null`.
enum ProxyEvent {
    static func make(_ invocation: Invocation, accountID: String) -> JSON {
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
            ("X-Amzn-Trace-Id", "Root=1-\(String(Int(invocation.requestTime.timeIntervalSince1970), radix: 16))-\(RequestID.next().replacingOccurrences(of: "-", with: "").prefix(24))"),
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
        let binary = ProxyResult.isBinary(request.header("Content-Type"), invocation.stage.api.binaryMediaTypes)
        let body: JSON = request.body.isEmpty
            ? .null : .string(binary ? request.body.base64EncodedString() : String(decoding: request.body, as: UTF8.self))
        let domainName = String(host.prefix { $0 != ":" })
        let epoch = invocation.requestTime.timeIntervalSince1970
        let identity: JSON = [
            "cognitoIdentityPoolId": nil, "accountId": nil, "cognitoIdentityId": nil, "caller": nil,
            "sourceIp": .string(request.remoteAddress ?? "127.0.0.1"), "principalOrgId": nil, "accessKey": nil,
            "cognitoAuthenticationType": nil, "cognitoAuthenticationProvider": nil, "userArn": nil,
            "userAgent": request.header("User-Agent").map(JSON.string) ?? .null, "user": nil,
        ]
        let context: JSON = [
            "resourceId": .string(resource.id), "resourcePath": .string(resource.path), "httpMethod": .string(request.method),
            "extendedRequestId": .string(invocation.extendedRequestID), "requestTime": .string(requestTime(invocation.requestTime)),
            "path": .string("/\(invocation.stage.name)\(invocation.target.path)"), "accountId": .string(accountID),
            "protocol": "HTTP/1.1", "stage": .string(invocation.stage.name),
            "domainPrefix": .string(String(domainName.prefix { $0 != "." })), "requestTimeEpoch": .number((epoch * 1000).rounded(.down)),
            "requestId": .string(invocation.requestID), "identity": identity, "domainName": .string(domainName),
            "deploymentId": .string(invocation.stage.deploymentID), "apiId": .string(invocation.stage.apiID),
        ]
        return [
            "resource": .string(resource.path), "path": .string(decodedPath(invocation.target.path)), "httpMethod": .string(request.method),
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

    /// `25/Nov/2026:15:04:05 +0000`, the CLF time AWS puts in `requestTime`.
    static func requestTime(_ date: Date) -> String { date.utc("dd/MMM/yyyy:HH:mm:ss Z") }
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
            let acceptsBinary = isBinary(accept?.split(separator: ",").first.map(String.init), binaryMediaTypes)
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

    /// Whether a Content-Type is one of the API's binary media types (`image/png`, `image/*`, `*/*`).
    static func isBinary(_ contentType: String?, _ binaryMediaTypes: [String]) -> Bool {
        guard !binaryMediaTypes.isEmpty, let type = IntegrationRequest.mediaType(contentType) else { return false }
        return binaryMediaTypes.contains { pattern in
            let pattern = pattern.lowercased()
            if pattern == "*/*" || pattern == type { return true }
            if pattern.hasSuffix("/*") { return type.hasPrefix(String(pattern.dropLast())) }
            return false
        }
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

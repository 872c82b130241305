import Foundation
import GatehouseModel

/// The Lambda event of payload format 2.0, field for field as HTTP APIs send it: headers lower
/// case and repeated ones joined by commas, cookies apart, members absent rather than null.
enum PayloadV2 {
    /// Where a request arrived, as the event's `requestContext` names it.
    struct Origin {
        var apiID: String
        var stage: String
        var routeKey: String
        var rawPath: String
        var requestID: String
        var requestTime: Date
        var accountID: String
        var pathParameters: [String: String] = [:]
        var stageVariables: [String: String] = [:]
        var authorizer: JSON?
    }

    static func event(_ invocation: HTTPInvocation) -> JSON {
        event(invocation.request, Origin(
            apiID: invocation.stage.apiID, stage: invocation.stage.name, routeKey: invocation.route.routeKey, rawPath: invocation.rawPath,
            requestID: invocation.requestID, requestTime: invocation.requestTime, accountID: invocation.accountID,
            pathParameters: invocation.pathParameters, stageVariables: invocation.stage.variables, authorizer: invocation.authorizer))
    }

    static func event(_ request: IncomingRequest, _ origin: Origin) -> JSON {
        var headers: [String: String] = [:]
        var cookies: [JSON] = []
        for header in request.headers {
            let name = header.name.lowercased()
            if name == "cookie" {
                cookies += header.value.split(separator: ";").map { .string($0.trimmingCharacters(in: .whitespaces)) }
                continue
            }
            headers[name] = headers[name].map { "\($0),\(header.value)" } ?? header.value
        }
        headers["x-forwarded-for"] = headers["x-forwarded-for"].map { "\($0), \(sourceIP(request))" } ?? sourceIP(request)
        headers["x-forwarded-proto"] = "http"
        var query: [String: String] = [:]
        for item in request.queryItems { query[item.name] = query[item.name].map { "\($0),\(item.value)" } ?? item.value }
        let host = request.header("Host") ?? "\(origin.apiID).execute-api.localhost"
        let domain = String(host.split(separator: ":").first ?? "")
        var context: JSON = [
            "accountId": .string(origin.accountID), "apiId": .string(origin.apiID),
            "domainName": .string(domain), "domainPrefix": .string(String(domain.split(separator: ".").first ?? "")),
            "http": [
                "method": .string(request.method), "path": .string(origin.rawPath.removingPercentEncoding ?? origin.rawPath),
                "protocol": "HTTP/1.1", "sourceIp": .string(sourceIP(request)), "userAgent": .string(request.header("User-Agent") ?? ""),
            ],
            "requestId": .string(origin.requestID), "routeKey": .string(origin.routeKey), "stage": .string(origin.stage),
            "time": .string(origin.requestTime.clfTime),
            "timeEpoch": .number((origin.requestTime.timeIntervalSince1970 * 1000).rounded(.down)),
        ]
        if let authorizer = origin.authorizer { context["authorizer"] = authorizer }
        var event: JSON = [
            "version": "2.0", "routeKey": .string(origin.routeKey), "rawPath": .string(origin.rawPath),
            "rawQueryString": .string(request.rawQuery), "headers": .object(headers.mapValues(JSON.string)), "requestContext": context,
            "isBase64Encoded": false,
        ]
        if !cookies.isEmpty { event["cookies"] = .array(cookies) }
        if !query.isEmpty { event["queryStringParameters"] = .object(query.mapValues(JSON.string)) }
        if !origin.pathParameters.isEmpty { event["pathParameters"] = .object(origin.pathParameters.mapValues(JSON.string)) }
        if !origin.stageVariables.isEmpty { event["stageVariables"] = .object(origin.stageVariables.mapValues(JSON.string)) }
        if !request.body.isEmpty {
            let text = isText(request.header("Content-Type")) ? String(data: request.body, encoding: .utf8) : nil
            event["body"] = .string(text ?? request.body.base64EncodedString())
            event["isBase64Encoded"] = .bool(text == nil)
        }
        return event
    }

    /// The response a 2.0 result stands for. A result with a `statusCode` is a response (cookies
    /// become `set-cookie` headers); anything else — an object without one, a string, a number —
    /// is the body of a 200 JSON response. Nil when the result cannot be read.
    static func response(from payload: [UInt8]) -> OutgoingResponse? {
        guard let result = try? JSON(parsing: Data(payload)) else { return nil }
        guard case .object(let members) = result, let statusCode = members["statusCode"] else {
            return OutgoingResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(payload))
        }
        guard let status = statusCode.intValue ?? statusCode.stringValue.flatMap({ Int($0) }), (100...599).contains(status) else { return nil }
        var response = OutgoingResponse(status: status)
        for (name, value) in members["headers"]?.objectValue ?? [:] {
            guard let text = value.stringValue ?? value.intValue.map(String.init) ?? value.boolValue.map({ $0 ? "true" : "false" }) else { return nil }
            response.headers.append((name, text))
        }
        for cookie in members["cookies"]?.arrayValue ?? [] {
            if let text = cookie.stringValue { response.headers.append(("set-cookie", text)) }
        }
        switch members["body"] {
        case .string(let text)?:
            if members["isBase64Encoded"] == true {
                guard let bytes = Data(base64Encoded: text) else { return nil }
                response.body = bytes
            } else {
                response.body = Data(text.utf8)
            }
        case nil, .null?: break
        case let other?: response.body = other.serialized()
        }
        if !response.headers.contains(where: { $0.name.equalsIgnoringASCIICase("Content-Type") }), !response.body.isEmpty {
            response.headers.append(("Content-Type", "text/plain; charset=utf-8"))
        }
        return response
    }

    private static func sourceIP(_ request: IncomingRequest) -> String { request.remoteAddress ?? "127.0.0.1" }

    /// Bodies of these types go to the function as text; others (or ones that are not UTF-8) in base64.
    private static func isText(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return true }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("xml") || type.contains("javascript")
            || type.hasPrefix("application/x-www-form-urlencoded") || type.contains("yaml")
    }
}

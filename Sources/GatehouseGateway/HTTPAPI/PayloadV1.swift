import Foundation
import GatehouseModel

/// The Lambda event of payload format 1.0 as HTTP APIs send it: REST's proxy event with
/// `version: "1.0"`, the route as the resource, and an HTTP API's request context.
enum PayloadV1 {
    static func event(_ invocation: HTTPInvocation) -> JSON {
        let request = invocation.request
        var headers: [String: JSON] = [:]
        var multiHeaders: [String: [JSON]] = [:]
        for header in request.headers {
            headers[header.name] = .string(header.value)
            multiHeaders[header.name, default: []].append(.string(header.value))
        }
        var query: [String: JSON] = [:]
        var multiQuery: [String: [JSON]] = [:]
        for item in request.queryItems {
            query[item.name] = .string(item.value)
            multiQuery[item.name, default: []].append(.string(item.value))
        }
        let path = invocation.rawPath.removingPercentEncoding ?? invocation.rawPath
        let sourceIP = request.remoteAddress ?? "127.0.0.1"
        let host = String((request.header("Host") ?? "\(invocation.stage.apiID).execute-api.localhost").split(separator: ":").first ?? "")
        let context: JSON = [
            "accountId": .string(invocation.accountID), "apiId": .string(invocation.stage.apiID), "domainName": .string(host),
            "domainPrefix": .string(String(host.split(separator: ".").first ?? "")), "extendedRequestId": .string(invocation.requestID),
            "httpMethod": .string(request.method), "path": .string(path), "protocol": "HTTP/1.1", "requestId": .string(invocation.requestID),
            "requestTime": .string(invocation.requestTime.clfTime),
            "requestTimeEpoch": .number((invocation.requestTime.timeIntervalSince1970 * 1000).rounded(.down)),
            "resourceId": .string(invocation.route.routeKey), "resourcePath": .string(invocation.route.path ?? "$default"),
            "stage": .string(invocation.stage.name),
            "identity": ["sourceIp": .string(sourceIP), "userAgent": .string(request.header("User-Agent") ?? "")],
            "authorizer": invocation.authorizer ?? .null,
        ]
        let isText = String(data: request.body, encoding: .utf8) != nil
        return [
            "version": "1.0", "resource": .string(invocation.route.path ?? "$default"), "path": .string(path),
            "httpMethod": .string(request.method), "headers": .object(headers), "multiValueHeaders": .object(multiHeaders.mapValues(JSON.array)),
            "queryStringParameters": query.isEmpty ? .null : .object(query),
            "multiValueQueryStringParameters": multiQuery.isEmpty ? .null : .object(multiQuery.mapValues(JSON.array)),
            "pathParameters": invocation.pathParameters.isEmpty ? .null : .object(invocation.pathParameters.mapValues(JSON.string)),
            "stageVariables": invocation.stage.variables.isEmpty ? .null : .object(invocation.stage.variables.mapValues(JSON.string)),
            "requestContext": context,
            "body": request.body.isEmpty ? .null : .string(isText ? String(decoding: request.body, as: UTF8.self) : request.body.base64EncodedString()),
            "isBase64Encoded": .bool(!request.body.isEmpty && !isText),
        ]
    }
}

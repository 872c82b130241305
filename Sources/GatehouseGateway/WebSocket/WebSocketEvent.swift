import Foundation
import GatehouseModel

/// The Lambda proxy event of a WebSocket route, as AWS sends it: `requestContext` always; the
/// upgrade request's headers and query string on `$connect`; the message as `body` on messages;
/// the close's code and reason on `$disconnect`.
enum WebSocketEvent {
    /// The event; an authorizer's keeps the upgrade's `Connection` and `Upgrade` headers, which
    /// AWS leaves out of the integration's.
    static func make(_ invocation: WebSocketInvocation, forAuthorizer: Bool = false) -> JSON {
        var event: JSON = ["requestContext": requestContext(invocation), "isBase64Encoded": false]
        if let request = invocation.request {
            let headers = forAuthorizer ? request.headers : request.headers.filter { !Self.upgradeHeaders.contains($0.name.lowercased()) }
            event["headers"] = .object(single(headers))
            event["multiValueHeaders"] = .object(multiple(headers))
            let query = request.queryItems
            if !query.isEmpty {
                event["queryStringParameters"] = .object(single(query))
                event["multiValueQueryStringParameters"] = .object(multiple(query))
            }
        }
        if invocation.eventType == .message { event["body"] = .string(invocation.body) }
        return event
    }

    static func requestContext(_ invocation: WebSocketInvocation) -> JSON {
        let peer = invocation.peer
        var identity: JSON = ["sourceIp": .string(peer.sourceIP)]
        if let agent = peer.userAgent { identity["userAgent"] = .string(agent) }
        if let apiKey = invocation.apiKey {
            identity["apiKey"] = .string(apiKey.value)
            identity["apiKeyId"] = .string(apiKey.id)
        }
        var context: JSON = [
            "routeKey": .string(invocation.route.key), "eventType": .string(invocation.eventType.rawValue),
            "extendedRequestId": .string(invocation.requestID), "requestTime": .string(invocation.requestTime.clfTime),
            "messageDirection": "IN", "stage": .string(invocation.stage.name),
            "connectedAt": .number(Double(Int64(peer.connectedAt.timeIntervalSince1970 * 1000))),
            "requestTimeEpoch": .number(Double(invocation.requestTimeEpoch)), "identity": identity,
            "requestId": .string(invocation.requestID), "domainName": .string(peer.domainName),
            "connectionId": .string(peer.connectionID), "apiId": .string(invocation.stage.apiID),
        ]
        if let messageID = invocation.messageID { context["messageId"] = .string(messageID) }
        if let authorizer = invocation.authorizer { context["authorizer"] = authorizer }
        if let disconnect = invocation.disconnect {
            context["disconnectStatusCode"] = .number(Double(disconnect.code))
            context["disconnectReason"] = .string(disconnect.reason)
        }
        return context
    }

    private static let upgradeHeaders: Set<String> = ["connection", "upgrade"]

    /// The headers AWS gives `$disconnect`: the host, and three empty ones.
    static func disconnectHeaders(host: String) -> [(name: String, value: String)] {
        [("Host", host), ("x-api-key", ""), ("X-Forwarded-For", ""), ("x-restapi", "")]
    }

    /// The last value of each name, as `headers` and `queryStringParameters` show them.
    private static func single(_ pairs: [(name: String, value: String)]) -> [String: JSON] {
        var map: [String: JSON] = [:]
        for pair in pairs { map[pair.name] = .string(pair.value) }
        return map
    }

    private static func multiple(_ pairs: [(name: String, value: String)]) -> [String: JSON] {
        var map: [String: [JSON]] = [:]
        for pair in pairs { map[pair.name, default: []].append(.string(pair.value)) }
        return map.mapValues(JSON.array)
    }
}

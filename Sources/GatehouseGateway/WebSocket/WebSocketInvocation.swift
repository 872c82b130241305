import Foundation
import GatehouseModel

/// One event on a WebSocket connection on its way through a route: the connection opening
/// (`$connect`, with the upgrade request), a message, or the close (`$disconnect`).
struct WebSocketInvocation: Sendable {
    enum EventType: String, Sendable {
        case connect = "CONNECT"
        case message = "MESSAGE"
        case disconnect = "DISCONNECT"
    }

    /// Who is connected, fixed when the connection opens.
    struct Peer: Sendable {
        var connectionID: String
        var connectedAt: Date
        var sourceIP: String
        var userAgent: String?
        var domainName: String
    }

    var eventType: EventType
    var stage: DeployedWebSocketStage
    var route: WebSocketRoute
    var peer: Peer
    /// The upgrade request (`$connect` only): its headers and query string.
    var request: IncomingRequest?
    /// The message's text (`MESSAGE` only).
    var body: String = ""
    var requestID = RequestID.base64(count: 15) + "="
    var messageID: String?
    var requestTime = Date()
    var accountID: String
    /// What the `$connect` authorizer returned (`requestContext.authorizer`).
    var authorizer: JSON?
    /// The close's code and reason (`$disconnect` only).
    var disconnect: (code: Int, reason: String)?
    /// The region's API keys, usage plans and account throttle.
    var access = AccessTable()
    /// The identity policies of the account's roles, for an `AWS_IAM` `$connect`.
    var rolePolicies: [String: [IAMPolicy]] = [:]
    /// The API key `$connect` admitted, on a route that requires one.
    var apiKey: (value: String, id: String)?
    /// The API key `$connect`'s authorizer named, for APIs that take the key from it.
    var usageIdentifierKey: String?
    /// Why the event failed, when it did: AWS sends its message to the client.
    var failure: GatewayError?
    /// How long the integration took (ms), once it ran.
    var integrationLatency: Double?

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{routeKey}`: what a function's
    /// policy and an authorizer's policy see.
    var sourceARN: String {
        "arn:aws:execute-api:\(stage.region):\(accountID):\(stage.apiID)/\(stage.name)/\(route.key)"
    }

    var requestTimeEpoch: Int64 { Int64((requestTime.timeIntervalSince1970 * 1000).rounded(.down)) }
}

extension WebSocketInvocation: TemplateSource {
    /// `$context` of WebSocket APIs, flat: the source for templates, access logs and events.
    var contextVariables: [String: String] {
        var variables: [String: String] = [
            "apiId": stage.apiID, "stage": stage.name, "routeKey": route.key, "eventType": eventType.rawValue,
            "connectionId": peer.connectionID, "connectedAt": String(Int64(peer.connectedAt.timeIntervalSince1970 * 1000)),
            "domainName": peer.domainName, "messageDirection": "IN", "requestId": requestID, "extendedRequestId": requestID,
            "requestTime": requestTime.clfTime, "requestTimeEpoch": String(requestTimeEpoch), "accountId": accountID,
            "identity.sourceIp": peer.sourceIP,
        ]
        if let messageID { variables["messageId"] = messageID }
        if let agent = peer.userAgent { variables["identity.userAgent"] = agent }
        if let apiKey {
            variables["identity.apiKey"] = apiKey.value
            variables["identity.apiKeyId"] = apiKey.id
        }
        for (name, value) in authorizer?.objectValue ?? [:] {
            variables["authorizer." + name] = value.stringValue ?? value.serializedString
        }
        if let disconnect {
            variables["disconnectStatusCode"] = String(disconnect.code)
            variables["disconnectReason"] = disconnect.reason
        }
        return variables
    }

    var stageVariables: [String: String] { stage.variables }

    var requestParameters: RequestParameters {
        RequestParameters(querystring: request?.queryItems ?? [], header: request?.headers ?? [])
    }
}

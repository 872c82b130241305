import Foundation
import GatehouseModel
import Synchronization
import Testing

@testable import GatehouseGateway

/// WebSocket APIs in the gateway: route selection, two-way and one-way routes, AWS's error
/// messages, `$connect` decisions, `@connections` and the idle sweep — on a real gateway with a
/// socket that records what it is asked to do.
@Suite struct WebSocketTests {
    /// A socket that keeps what the gateway sends and how it closes.
    final class RecordingSocket: WebSocketSocket {
        let sent = Mutex<[String]>([])
        let closed = Mutex<(code: UInt16, reason: String)?>(nil)

        func send(_ text: String) async throws { sent.withLock { $0.append(text) } }
        func close(code: UInt16, reason: String) async { closed.withLock { $0 = (code, reason) } }
    }

    @Test(arguments: [
        ("$request.body.action", #"{"action": "join"}"#, "join"),
        ("${request.body.action}", #"{"action": "join"}"#, "join"),
        ("$request.body.a.b", #"{"a": {"b": "deep"}}"#, "deep"),
        ("$request.body.action", #"{"other": 1}"#, ""),
        ("$request.body.action", #"{"action": 5}"#, "5"),
        ("$request.body.action", #"{"action": null}"#, ""),
        ("\\$default", "anything", "$default"),
    ])
    func selectionExpressionsReadTheBody(expression: String, body: String, expected: String) {
        #expect(SelectionExpression(expression).evaluate(body: body) == expected)
    }

    @Test func aBodyThatIsNotAJSONObjectSelectsNothing() {
        #expect(SelectionExpression("$request.body.action").evaluate(body: "hello") == nil)
        #expect(SelectionExpression("$request.body.action").evaluate(body: "[1, 2]") == nil)
    }

    // MARK: A deployed API

    static let mock: JSON = [
        "IntegrationId": "mock", "IntegrationType": "MOCK", "TemplateSelectionExpression": "\\$default",
        "RequestTemplates": ["$default": #"{"statusCode": 200}"#],
        "Responses": [["IntegrationResponseKey": "$default", "ResponseTemplates": ["$default": #"{"route": "$context.routeKey"}"#]]],
    ]
    static let refusing: JSON = [
        "IntegrationId": "refusing", "IntegrationType": "MOCK", "RequestTemplates": ["$default": #"{"statusCode": 403}"#],
    ]
    static let twoWay: JSON = [["RouteResponseKey": "$default"]]

    /// Publishes a stage `dev` of API `ws1234` with these routes and returns the gateway.
    func deploy(_ routes: [JSON], integrations: [JSON] = [mock, refusing], settings: WebSocketSettings = WebSocketSettings()) -> Gateway {
        let gateway = TestGateway(webSocketSettings: settings).gateway
        let snapshot: JSON = [
            "Api": ["ApiId": "ws1234", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"],
            "Routes": .array(routes), "Integrations": .array(integrations),
        ]
        let stage = DeployedWebSocketStage(
            apiID: "ws1234", stage: ["StageName": "dev", "DeploymentId": "d1"], snapshot: snapshot, pipeline: gateway.pipeline, region: "us-east-1")
        gateway.directory.publish(DeployedStages(webSocketStages: ["ws1234": ["dev": stage]], revision: 1))
        return gateway
    }

    func route(_ key: String, _ integration: String = "mock", twoWay: Bool = true) -> JSON {
        var route: JSON = ["RouteKey": .string(key), "Target": .string("integrations/\(integration)")]
        if twoWay { route["Responses"] = Self.twoWay }
        return route
    }

    func connect(_ gateway: Gateway) async throws -> (WebSocketConnection, RecordingSocket) {
        let stage = try #require(gateway.webSocketStage(host: "127.0.0.1:4566", rawPath: "/ws1234/dev"))
        let request = IncomingRequest(method: "GET", rawPath: "/ws1234/dev", rawQuery: "", headers: [], body: Data(), remoteAddress: "10.0.0.7")
        guard case .accepted(let admitted) = await gateway.connect(request, stage: stage) else {
            Issue.record("the connection was refused")
            throw CancellationError()
        }
        let socket = RecordingSocket()
        return (gateway.open(admitted, socket: socket), socket)
    }

    @Test func aMessageGoesToTheRouteItsActionNamesElseToDefault() async throws {
        let gateway = deploy([route("$default"), route("join")])
        let (connection, socket) = try await connect(gateway)
        await gateway.receive(#"{"action": "join"}"#, on: connection)
        await gateway.receive(#"{"action": "leave"}"#, on: connection)
        await gateway.receive("not json", on: connection)
        await gateway.receive(#"{"action": "$connect"}"#, on: connection)
        #expect(socket.sent.withLock { $0 } == [
            #"{"route": "join"}"#, #"{"route": "$default"}"#, #"{"route": "$default"}"#, #"{"route": "$default"}"#,
        ])
    }

    @Test func withoutADefaultRouteAnUnmatchedMessageGetsAWSsForbiddenMessage() async throws {
        let gateway = deploy([route("join")])
        let (connection, socket) = try await connect(gateway)
        await gateway.receive(#"{"action": "leave"}"#, on: connection)
        let sent = try #require(socket.sent.withLock { $0.first })
        let pattern = #/^\{"message": "Forbidden", "connectionId":"(.+)", "requestId":"[A-Za-z0-9+/]{15}="\}$/#
        let match = try #require(sent.wholeMatch(of: pattern))
        #expect(String(match.1) == connection.id)
    }

    @Test func aOneWayRouteSendsNothingBack() async throws {
        let gateway = deploy([route("$default", twoWay: false)])
        let (connection, socket) = try await connect(gateway)
        await gateway.receive("hello", on: connection)
        #expect(socket.sent.withLock { $0 }.isEmpty)
    }

    @Test func aConnectRouteAnsweringNon2xxRefusesTheUpgradeWithItsStatus() async throws {
        let gateway = deploy([route("$connect", "refusing", twoWay: false)])
        let stage = try #require(gateway.webSocketStage(host: "ws1234.execute-api.localhost:4566", rawPath: "/dev"))
        let request = IncomingRequest(method: "GET", rawPath: "/dev", rawQuery: "", headers: [], body: Data(), remoteAddress: nil)
        guard case .refused(let response) = await gateway.connect(request, stage: stage) else {
            Issue.record("the upgrade was accepted")
            return
        }
        #expect(response.status == 403)
    }

    @Test func connectionsAreFoundByIdStageAndAPI() async throws {
        let gateway = deploy([route("$default")])
        let (connection, socket) = try await connect(gateway)
        try await gateway.post(Data("pushed".utf8), to: connection.id, api: "ws1234", stage: "dev")
        try await gateway.post(Data("again".utf8), to: connection.id, api: nil, stage: "dev")
        #expect(socket.sent.withLock { $0 } == ["pushed", "again"])
        let described = try gateway.describe(connection.id, api: "ws1234", stage: "dev")
        #expect(described.sourceIP == "10.0.0.7")
        await #expect(throws: AWSError.gone(connection.id)) {
            try await gateway.post(Data(), to: connection.id, api: "ws1234", stage: "prod")
        }
        await #expect(throws: AWSError.gone("nope")) { try await gateway.post(Data(), to: "nope", api: nil, stage: "dev") }
    }

    @Test func deleteConnectionClosesWithAWSsCodeAndTheConnectionIsThenGone() async throws {
        let gateway = deploy([route("$default")])
        let (connection, socket) = try await connect(gateway)
        try await gateway.disconnect(connection.id, api: "ws1234", stage: "dev")
        #expect(socket.closed.withLock { $0 }?.code == 1000)
        #expect(socket.closed.withLock { $0 }?.reason == "Connection Closed Normally")
        await #expect(throws: AWSError.gone(connection.id)) { try await gateway.disconnect(connection.id, api: nil, stage: "dev") }
        await gateway.closed(connection, code: 1000, reason: nil)
        #expect(throws: AWSError.gone(connection.id)) { try gateway.describe(connection.id, api: nil, stage: "dev") }
    }

    @Test func theSweepClosesIdleConnectionsGoingAway() async throws {
        let gateway = deploy([route("$default")], settings: WebSocketSettings(idleTimeout: 60, maximumDuration: 3600))
        let (_, socket) = try await connect(gateway)
        await gateway.sweepConnections(now: Date().addingTimeInterval(30))
        #expect(socket.closed.withLock { $0 } == nil)
        await gateway.sweepConnections(now: Date().addingTimeInterval(61))
        #expect(socket.closed.withLock { $0 }?.code == 1001)
    }
}

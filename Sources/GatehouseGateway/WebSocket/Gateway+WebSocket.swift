import Foundation
import GatehouseModel

/// WebSocket APIs: a connection's life as the gateway sees it. `connect` runs `$connect` while
/// the upgrade waits; `open` registers the connection once the handshake is done; `receive`
/// routes each message by the API's selection expression and sends back what a two-way route
/// answers (or AWS's error message); `closed` forgets the connection and runs `$disconnect`.
/// The listener owns the socket and the framing; nothing here knows about NIO.
extension Gateway {
    /// What `$connect` decided.
    public enum ConnectOutcome: Sendable {
        /// Upgrade, with these headers in the handshake's answer.
        case accepted(AdmittedConnection)
        /// Answer the upgrade request with this instead.
        case refused(OutgoingResponse)
    }

    /// The deployed WebSocket stage an upgrade request is for: `/{stage}` on the API's host, or
    /// `/{api-id}/{stage}` on any host.
    public func webSocketStage(host: String?, rawPath: String) -> DeployedWebSocketStage? {
        let parts = rawPath.split(separator: "/", omittingEmptySubsequences: true)
        let stages = directory.current.webSocketStages
        if let host, let api = InvokeTarget.apiID(inHost: host) {
            guard parts.count == 1 else { return nil }
            return stages[api]?[String(parts[0])]
        }
        guard parts.count == 2 else { return nil }
        return stages[String(parts[0])]?[String(parts[1])]
    }

    /// Runs `$connect` for an upgrade request to `stage`.
    public func connect(_ request: IncomingRequest, stage: DeployedWebSocketStage) async -> ConnectOutcome {
        let peer = WebSocketInvocation.Peer(
            connectionID: RequestID.base64(count: 15, urlSafe: true) + "=", connectedAt: Date(), sourceIP: request.remoteAddress ?? "127.0.0.1",
            userAgent: request.header("User-Agent"), domainName: webSocketSettings.domainName)
        guard limiter.take("ws-connect/\(stage.region)", webSocketSettings.newConnections) else {
            return .refused(Self.httpAPIError(.throttled))
        }
        var authorizer: JSON?
        var headers: [(name: String, value: String)] = []
        if let route = stage.routes["$connect"] {
            var invocation = WebSocketInvocation(
                eventType: .connect, stage: stage, route: route, peer: peer, request: request, accountID: accountID)
            let deployed = directory.current
            invocation.access = deployed.access[stage.region] ?? AccessTable()
            invocation.rolePolicies = deployed.rolePolicies
            let response = await run(&invocation)
            guard (200..<300).contains(response.status) else { return .refused(response) }
            authorizer = invocation.authorizer
            headers = response.headers.filter { !Self.handshakeHeaders.contains($0.name.lowercased()) }
        }
        return .accepted(AdmittedConnection(
            id: peer.connectionID, apiID: stage.apiID, stageName: stage.name, connectedAt: peer.connectedAt, sourceIP: peer.sourceIP,
            userAgent: peer.userAgent, domainName: peer.domainName, authorizer: authorizer, headers: headers))
    }

    /// Headers the WebSocket handshake sets itself, whatever `$connect` returned.
    private static let handshakeHeaders: Set<String> = [
        "connection", "upgrade", "sec-websocket-accept", "content-length", "content-type", "transfer-encoding",
    ]

    /// Registers a connection whose handshake is done: from now on `@connections` reaches it.
    public func open(_ admitted: AdmittedConnection, socket: any WebSocketSocket) -> WebSocketConnection {
        let connection = WebSocketConnection(admitted: admitted, socket: socket)
        connections.add(connection)
        return connection
    }

    /// What a message comes to: the text sent back to the client, if any.
    public enum MessageReply: Sendable {
        case send(String)
        case nothing
    }

    /// Routes one message and sends back the route's answer (two-way routes) or AWS's error.
    public func receive(_ message: String, on connection: WebSocketConnection) async {
        connection.touch()
        let reply: MessageReply
        switch messageInvocation(message, on: connection) {
        case .answered(let answer):
            reply = answer
        case .routed(var invocation):
            let response = await run(&invocation)
            reply = Self.reply(to: invocation, response)
        }
        if case .send(let text) = reply { await send(text, on: connection) }
    }

    /// Routes one message and answers at once when its route needs no I/O (a MOCK route), for
    /// the listener to send on the connection's own thread; nil when it does (use `receive`).
    public func receiveWithoutIO(_ message: String, on connection: WebSocketConnection) -> MessageReply? {
        switch messageInvocation(message, on: connection) {
        case .answered(let reply):
            connection.touch()
            return reply
        case .routed(var invocation):
            guard invocation.route.steps.prepare(&invocation) else { return nil }
            connection.touch()
            var log = executionLog(invocation)
            let result: Result<OutgoingResponse, GatewayError>
            do throws(GatewayError) {
                // Prepared routes never wait; if one did, it was compiled wrong.
                guard let response = try invocation.route.steps.answerWithoutIO(&invocation, log: &log) else { throw .configurationError }
                result = .success(response)
            } catch {
                result = .failure(error)
            }
            let response = finished(result, &invocation, log: log)
            return Self.reply(to: invocation, response)
        }
    }

    private enum MessageRouting {
        case answered(MessageReply)
        case routed(WebSocketInvocation)
    }

    /// The message's event on its route, or AWS's `Forbidden` when no route takes it.
    private func messageInvocation(_ message: String, on connection: WebSocketConnection) -> MessageRouting {
        let requestID = RequestID.base64(count: 15) + "="
        let stage = directory.current.webSocketStages[connection.apiID]?[connection.stageName]
        guard let stage, let route = stage.route(for: message) else {
            stage?.metrics?.unrouted()
            return .answered(.send(Self.errorMessage("Forbidden", connection: connection.id, requestID: requestID)))
        }
        var invocation = WebSocketInvocation(
            eventType: .message, stage: stage, route: route, peer: Self.peer(connection), body: message, requestID: requestID,
            messageID: RequestID.base64(count: 15) + "=", accountID: accountID, authorizer: connection.authorizer)
        invocation.access = directory.current.access[stage.region] ?? AccessTable()
        return .routed(invocation)
    }

    /// What goes back to the client: AWS's error message on a failure, the answer's body on a
    /// two-way route.
    private static func reply(to invocation: WebSocketInvocation, _ response: OutgoingResponse) -> MessageReply {
        if let failure = invocation.failure {
            return .send(errorMessage(failure.message, connection: invocation.peer.connectionID, requestID: invocation.requestID))
        }
        return invocation.route.twoWay ? .send(String(decoding: response.body, as: UTF8.self)) : .nothing
    }

    /// Sends a message to the client, keeping the connection's last activity.
    func send(_ text: String, on connection: WebSocketConnection) async {
        connection.touch()
        try? await connection.socket.send(text)
    }

    /// Forgets a closed connection and runs `$disconnect`, best effort: the close code and
    /// reason are the gateway's when it closed the connection, else the client's.
    public func closed(_ connection: WebSocketConnection, code: UInt16?, reason: String?) async {
        guard connections.remove(connection.id) != nil else { return }
        let (status, text) = connection.closingReason ?? (code ?? 1005, reason ?? "")
        guard let stage = directory.current.webSocketStages[connection.apiID]?[connection.stageName],
            let route = stage.routes["$disconnect"]
        else { return }
        let request = IncomingRequest(
            method: "GET", rawPath: "/", rawQuery: "", headers: WebSocketEvent.disconnectHeaders(host: connection.domainName), body: Data(),
            remoteAddress: connection.sourceIP)
        var invocation = WebSocketInvocation(
            eventType: .disconnect, stage: stage, route: route, peer: Self.peer(connection), request: request, accountID: accountID,
            authorizer: connection.authorizer, disconnect: (Int(status), text))
        _ = await run(&invocation)
    }

    /// Closes a connection from the gateway's side (`DeleteConnection`, idle, too old).
    public func close(_ connection: WebSocketConnection, code: UInt16, reason: String) async {
        guard connection.markClosing(code: code, reason: reason) else { return }
        await connection.socket.close(code: code, reason: reason)
    }

    /// Closes idle and too-old connections until the task is cancelled, checking a tenth of the
    /// shorter limit apart (between 0.1 and 5 seconds).
    public func watchConnections() async {
        let limits = webSocketSettings
        let period = min(max(min(limits.idleTimeout, limits.maximumDuration) / 10, 0.1), 5)
        while (try? await Task.sleep(for: .seconds(period))) != nil {
            await sweepConnections()
        }
    }

    /// Closes the connections idle for longer than the idle timeout, or open for longer than the
    /// maximum duration.
    func sweepConnections(now: Date = Date()) async {
        let limits = webSocketSettings
        for connection in connections.all {
            if now.timeIntervalSince(connection.connectedAt) >= limits.maximumDuration {
                await close(connection, code: 1001, reason: "Going away")
            } else if now.timeIntervalSince(connection.lastActiveAt) >= limits.idleTimeout {
                await close(connection, code: 1001, reason: "Going away")
            }
        }
    }

    /// Runs an event through its route's steps; a failure becomes its status and message, kept
    /// on the invocation. Writes the stage's logs.
    private func run(_ invocation: inout WebSocketInvocation) async -> OutgoingResponse {
        var log = executionLog(invocation)
        let result: Result<OutgoingResponse, GatewayError>
        do throws(GatewayError) {
            result = .success(try await invocation.route.steps.answer(&invocation, log: &log))
        } catch {
            result = .failure(error)
        }
        return finished(result, &invocation, log: log)
    }

    private func executionLog(_ invocation: WebSocketInvocation) -> ExecutionLog? {
        let settings = invocation.stage.settings(for: invocation.route.key)
        var log: ExecutionLog? = settings.loggingLevel == nil ? nil : ExecutionLog(requestID: invocation.requestID)
        log?.webSocketEvent(invocation, dataTrace: settings.dataTrace)
        return log
    }

    /// The steps' answer, or the failure's (kept on the invocation), with the stage's logs written.
    private func finished(
        _ result: Result<OutgoingResponse, GatewayError>, _ invocation: inout WebSocketInvocation, log: ExecutionLog?
    ) -> OutgoingResponse {
        var log = log
        let response: OutgoingResponse
        switch result {
        case .success(let answer):
            response = answer
            log?.line("Successfully completed execution")
        case .failure(let error):
            invocation.failure = error
            log?.failure(error)
            response = Self.httpAPIError(error)
        }
        invocation.stage.metrics?.record(invocation, status: response.status, failure: invocation.failure)
        stageLogs.write(invocation, response: response, log: log, level: invocation.stage.settings(for: invocation.route.key).loggingLevel)
        return response
    }

    private static func peer(_ connection: WebSocketConnection) -> WebSocketInvocation.Peer {
        WebSocketInvocation.Peer(
            connectionID: connection.id, connectedAt: connection.connectedAt, sourceIP: connection.sourceIP,
            userAgent: connection.userAgent, domainName: connection.domainName)
    }

    /// AWS's error message to a client, byte for byte as AWS lays it out:
    /// `{"message": "Forbidden", "connectionId":"…", "requestId":"…"}`.
    static func errorMessage(_ message: String, connection connectionID: String, requestID: String) -> String {
        "{\"message\": \(JSON.quoted(message)), \"connectionId\":\(JSON.quoted(connectionID)), \"requestId\":\(JSON.quoted(requestID))}"
    }
}

/// Where handlers reach `@connections`, and the limits AWS puts on WebSocket connections
/// (configurable for tests).
public struct WebSocketSettings: Sendable {
    /// Events' `domainName`: the host (and port) of this Gatehouse as function workers reach it,
    /// so `https://{domainName}/{stage}` is the `@connections` endpoint from inside a handler.
    public var domainName: String
    /// Seconds a connection may stay without a message either way (AWS: 10 minutes).
    public var idleTimeout: Double
    /// Seconds a connection may stay open at all (AWS: 2 hours).
    public var maximumDuration: Double
    /// New connections per second per region (AWS: 500).
    public var newConnections: Throttle

    public init(
        domainName: String = "127.0.0.1:4566", idleTimeout: Double = 600, maximumDuration: Double = 7200,
        newConnections: Throttle = Throttle(rateLimit: 500, burstLimit: 500)
    ) {
        self.domainName = domainName
        self.idleTimeout = idleTimeout
        self.maximumDuration = maximumDuration
        self.newConnections = newConnections
    }
}

/// `@connections`: posts, descriptions and deletes of this node's connections. A connection the
/// gateway has started to close is gone already, as on AWS.
extension Gateway: ConnectionManager {
    public func post(_ data: Data, to connectionID: String, api: String?, stage: String) async throws(AWSError) {
        let connection = try openConnection(connectionID, api: api, stage: stage)
        connection.touch()
        do {
            try await connection.socket.send(String(decoding: data, as: UTF8.self))
        } catch {
            throw .gone(connectionID)
        }
    }

    public func describe(_ connectionID: String, api: String?, stage: String) throws(AWSError) -> ConnectionDescription {
        let connection = try openConnection(connectionID, api: api, stage: stage)
        return ConnectionDescription(
            connectedAt: connection.connectedAt, lastActiveAt: connection.lastActiveAt, sourceIP: connection.sourceIP,
            userAgent: connection.userAgent)
    }

    public func disconnect(_ connectionID: String, api: String?, stage: String) async throws(AWSError) {
        await close(try openConnection(connectionID, api: api, stage: stage), code: 1000, reason: "Connection Closed Normally")
    }

    private func openConnection(_ id: String, api: String?, stage: String) throws(AWSError) -> WebSocketConnection {
        guard let connection = connections.connection(id, api: api, stage: stage), connection.closingReason == nil else { throw .gone(id) }
        return connection
    }
}

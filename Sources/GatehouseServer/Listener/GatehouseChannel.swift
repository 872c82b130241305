import GatehouseGateway
import GatehouseModel
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL
import NIOWebSocket

/// One connection's pipeline, read top to bottom:
///
/// 0. `TLSSniffer`: TLS first, for a connection that opens with a handshake;
/// 1. HTTP/1 codec, with the listener's cap on request line plus headers, and NIO's upgrade
///    handler: a first request that asks for a WebSocket to a deployed WebSocket stage runs
///    `$connect` (`WebSocketUpgrade`) and becomes a WebSocket connection, or is refused with
///    `$connect`'s answer; `FirstRequestGuard` watches the connection until then;
/// 2. `RequestLimitsHandler`: refuses oversized heads and declared bodies at once;
/// 3. `ConnectionTimeoutHandler`: closes idle and stalled connections;
/// 4. `ImmediateAnswerHandler`: answers data-plane requests that need no I/O on the event loop;
/// 5. Hummingbird's connection state (graceful shutdown) and its request loop, for the rest.
///
/// A connection past `ConnectionCap` gets only a 503.
struct GatehouseChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the first request made of the connection.
    enum Outcome: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A WebSocket upgrade `$connect` refused: this answer, then close.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, OutgoingResponse)
        /// Upgraded: the `WebSocketSession` handler serves the connection on its own.
        case webSocket
        /// Over the connection cap: `RefuseConnectionHandler` answers alone.
        case overCap
    }

    struct Value: ServerChildChannelValue {
        let channel: any Channel
        let outcome: EventLoopFuture<Outcome>
    }

    /// How the listener protects itself.
    struct Limits: Sendable {
        var idleTimeout: TimeAmount
        var bodyTimeout: TimeAmount
        var maxHeaderBytes: Int
    }

    let responder: HTTPChannelHandler.Responder
    let admission: RequestAdmission
    let gateway: Gateway
    let limits: Limits
    let cap: ConnectionCap
    /// TLS for connections that start with a handshake (`TLSSniffer`).
    let tls: NIOSSLContext

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            guard cap.admit(channel) else {
                try pipeline.addHandler(RefuseConnectionHandler())
                return Value(channel: channel, outcome: channel.eventLoop.makeSucceededFuture(.overCap))
            }
            try pipeline.addHandler(TLSSniffer(context: tls))
            let upgrade = WebSocketUpgrade(gateway: gateway)
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Outcome>(
                upgradeConfiguration: .init(
                    upgraders: [upgrade.upgrader()],
                    notUpgradingCompletionHandler: { channel in
                        channel.eventLoop.makeCompletedFuture { try notUpgraded(channel, refusal: upgrade.refusal, logger: logger) }
                    }))
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            configuration.decoderConfiguration.maxHeaderListSize = limits.maxHeaderBytes
            configuration.decoderConfiguration.maxHeaderFieldSize = limits.maxHeaderBytes
            let outcome = try pipeline.configureUpgradableHTTPServerPipeline(configuration: configuration)
            let upgradeHandler = try pipeline.handler(type: NIOTypedHTTPServerUpgradeHandler<Outcome>.self)
            try pipeline.addHandler(FirstRequestGuard(idle: limits.idleTimeout), position: .before(upgradeHandler))
            return Value(channel: channel, outcome: outcome)
        }
    }

    /// The HTTP pipeline, for a first request that is not a WebSocket upgrade (or a refused one).
    private func notUpgraded(_ channel: any Channel, refusal: OutgoingResponse?, logger: Logger) throws -> Outcome {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        if let refusal {
            return .refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel), refusal)
        }
        try pipeline.addHandler(RequestLimitsHandler(admission: admission))
        try pipeline.addHandler(ConnectionTimeoutHandler(idle: limits.idleTimeout, body: limits.bodyTimeout))
        try pipeline.addHandler(ImmediateAnswerHandler(gateway: gateway))
        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
        return .http(try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)))
    }

    func handle(value: Value, logger: Logger) async {
        let outcome: Outcome
        do {
            outcome = try await value.outcome.get()
        } catch {
            try? await value.channel.close()
            return
        }
        switch outcome {
        case .http(let channel):
            await handleHTTP(asyncChannel: channel, logger: logger)
        case .refused(let channel, let response):
            await Self.refuse(channel, with: response)
        case .webSocket, .overCap:
            break
        }
    }

    /// Answers a refused upgrade and closes.
    private static func refuse(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, with response: OutgoingResponse) async {
        var fields = HTTPFields(response.headers)
        fields[.contentLength] = String(response.body.count)
        fields[.connection] = "close"
        try? await channel.executeThenClose { _, outbound in
            try await outbound.write(.head(HTTPResponse(status: .init(code: response.status), headerFields: fields)))
            if !response.body.isEmpty { try await outbound.write(.body(ByteBuffer(bytes: response.body))) }
            try await outbound.write(.end(nil))
        }
    }
}

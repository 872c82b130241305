import GatehouseGateway
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// One connection's pipeline, read top to bottom:
///
/// 1. HTTP/1 codec, with the listener's cap on request line plus headers;
/// 2. `RequestLimitsHandler`: refuses oversized heads and declared bodies at once;
/// 3. `ConnectionTimeoutHandler`: closes idle and stalled connections;
/// 4. `ImmediateAnswerHandler`: answers data-plane requests that need no I/O on the event loop;
/// 5. Hummingbird's connection state (graceful shutdown) and its request loop, for the rest.
///
/// A connection past `ConnectionCap` gets only a 503.
struct GatehouseChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

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

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            guard cap.admit(channel) else {
                try pipeline.addHandler(RefuseConnectionHandler())
                return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
            }
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(RequestLimitsHandler(admission: admission))
            try pipeline.addHandler(ConnectionTimeoutHandler(idle: limits.idleTimeout, body: limits.bodyTimeout))
            try pipeline.addHandler(ImmediateAnswerHandler(gateway: gateway))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

import GatehouseGateway
import GatehouseModel
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// One connection's WebSocket upgrade. An upgrade request to a deployed WebSocket stage runs
/// `$connect` while the client waits: accepted, the handshake answers 101 with the headers
/// `$connect` returned and a `WebSocketSession` takes the connection over; refused, the request
/// falls through to the HTTP pipeline with `refusal` set, and the listener answers with it.
/// Any other upgrade request is served as plain HTTP.
final class WebSocketUpgrade: Sendable {
    /// AWS's WebSocket frame limit; a bigger frame closes the connection with 1009.
    static let maxFrameBytes = 32 * 1024

    private enum Decision {
        case accepted(AdmittedConnection)
        case refused(OutgoingResponse)
    }

    private let gateway: Gateway
    private let decision = Mutex<Decision?>(nil)

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    /// What `$connect` answered, when it refused the upgrade.
    var refusal: OutgoingResponse? {
        decision.withLock { if case .refused(let response)? = $0 { response } else { nil } }
    }

    func upgrader() -> NIOTypedWebSocketServerUpgrader<GatehouseChannel.Outcome> {
        NIOTypedWebSocketServerUpgrader(
            maxFrameSize: Self.maxFrameBytes,
            shouldUpgrade: { [self] channel, head in shouldUpgrade(channel, head) },
            upgradePipelineHandler: { [self] channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard case .accepted(let admitted)? = decision.withLock({ $0 }) else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
                    try channel.pipeline.syncOperations.addHandlers(WebSocketSession.handlers(gateway: gateway, admitted: admitted))
                    return .webSocket
                }
            })
    }

    /// The handshake's extra headers, or nil to leave the request to HTTP.
    private func shouldUpgrade(_ channel: any Channel, _ head: HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?> {
        let request = IncomingRequest(head: head, remoteAddress: channel.remoteAddress?.ipAddress)
        guard let stage = gateway.webSocketStage(host: request.header("Host"), rawPath: request.rawPath) else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
        promise.completeWithTask { [self] in
            switch await gateway.connect(request, stage: stage) {
            case .accepted(let admitted):
                decision.withLock { $0 = .accepted(admitted) }
                return HTTPHeaders(admitted.headers)
            case .refused(let response):
                decision.withLock { $0 = .refused(response) }
                return nil
            }
        }
        return promise.futureResult
    }
}

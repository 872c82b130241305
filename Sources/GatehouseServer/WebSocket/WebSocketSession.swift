import GatehouseGateway
import GatehouseModel
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
// WSCore's protocol handler is public to hummingbird-websocket through this SPI only; it is used
// directly because a refused `$connect` needs its own status, which the public upgrade channel
// cannot answer.
@_spi(WSInternal) import WSCore

/// A WebSocket connection after its handshake. WSCore runs the protocol — messages from frames,
/// ping and pong, the closing handshake, the 128 KB message limit (1009) — and each text message
/// goes to the gateway in turn; a binary one closes the connection with 1003, as AWS does. When
/// the connection ends, the gateway forgets it and runs `$disconnect`.
struct WebSocketSession {
    /// AWS's WebSocket message limit.
    static let maxMessageBytes = 128 * 1024

    let gateway: Gateway
    let admitted: AdmittedConnection

    func run(_ frames: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, logger: Logger) async {
        let opened = Mutex<WebSocketConnection?>(nil)
        let channel = frames.channel
        let configuration = WebSocketHandler.Configuration(
            extensions: [], autoPing: .disabled, closeTimeout: .seconds(10), validateUTF8: true, maxFrameSize: WebSocketUpgrade.maxFrameBytes)
        let close = try? await WebSocketHandler.handle(
            type: .server, configuration: configuration, asyncChannel: frames, context: Context(logger: logger)
        ) { [gateway, admitted] inbound, outbound, _ in
            let connection = gateway.open(admitted, socket: ListenerSocket(outbound: outbound, channel: channel))
            opened.withLock { $0 = connection }
            for try await message in inbound.messages(maxSize: Self.maxMessageBytes) {
                guard case .text(let text) = message else {
                    await gateway.close(connection, code: 1003, reason: "Binary frames are not supported")
                    return
                }
                await gateway.receive(text, on: connection)
            }
        }
        guard let connection = opened.withLock({ $0 }) else { return }
        // No close frame at all: the connection dropped (1006, as RFC 6455 reports it).
        let frame = close ?? nil
        await gateway.closed(connection, code: frame.map { UInt16(webSocketErrorCode: $0.closeCode) } ?? 1006, reason: frame?.reason)
    }

    struct Context: WebSocketContext {
        let logger: Logger
    }
}

/// The gateway's way to a client: WSCore's writer, and the channel to cut a client off that
/// does not answer a close.
struct ListenerSocket: WebSocketSocket {
    let outbound: WebSocketOutboundWriter
    let channel: any Channel

    func send(_ text: String) async throws {
        try await outbound.writeTextMessage(text)
    }

    func close(code: UInt16, reason: String) async {
        try? await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason)
        channel.eventLoop.scheduleTask(in: .seconds(10)) { [channel] in channel.close(promise: nil) }
    }
}

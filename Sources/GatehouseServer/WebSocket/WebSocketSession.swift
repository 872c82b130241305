import GatehouseGateway
import GatehouseModel
import NIOCore
import NIOWebSocket

/// A WebSocket connection after its handshake, as one channel handler. NIO's codec and
/// aggregator below it make messages of frames (a frame over 32 KB or a message over 128 KB
/// closes with 1009); this handler answers pings, runs the closing handshake and hands each
/// text message to the gateway; a binary one closes with 1003, as AWS does. No task waits on
/// an idle connection — a message whose route needs no I/O is answered on the event loop, any
/// other starts a task (up to 16 at once, then reading pauses) — so an idle connection costs
/// only its channel. When the channel closes, the gateway forgets the connection and runs
/// `$disconnect`.
final class WebSocketSession: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// AWS's WebSocket message limit.
    static let maxMessageBytes = 128 * 1024
    /// How long a closing connection waits for the client's close frame.
    static let closeTimeout = TimeAmount.seconds(10)
    /// Messages of one connection whose integrations run at once; past it, reading waits.
    static let maxMessagesInFlight = 16

    private let gateway: Gateway
    private let admitted: AdmittedConnection
    private var context: ChannelHandlerContext?
    private var connection: WebSocketConnection?
    /// Messages received while `maxMessagesInFlight` others were being handled.
    private var pending = CircularBuffer<String>()
    private var inFlight = 0
    /// A `read` held back until fewer messages are in hand.
    private var readHeld = false
    /// The close code and reason `$disconnect` reports: the first side's to send a close frame.
    private var closeCode: UInt16?
    private var closeReason: String?
    private var sentClose = false

    init(gateway: Gateway, admitted: AdmittedConnection) {
        self.gateway = gateway
        self.admitted = admitted
    }

    /// NIO's pieces that turn frames into messages, and the session after them.
    static func handlers(gateway: Gateway, admitted: AdmittedConnection) -> [any ChannelHandler] {
        [
            NIOWebSocketFrameAggregator(
                minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024, maxAccumulatedFrameSize: maxMessageBytes),
            WebSocketSession(gateway: gateway, admitted: admitted),
        ]
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let socket = SessionSocket(channel: context.channel, session: NIOLoopBound(self, eventLoop: context.eventLoop))
        connection = gateway.open(admitted, socket: socket)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where !sentClose:
            guard let text = String(validating: frame.unmaskedData.readableBytesView, as: UTF8.self) else {
                close(code: 1007, reason: "Invalid UTF-8")
                return
            }
            pending.append(text)
            handleNext()
        case .binary where !sentClose:
            closeAsGateway(code: 1003, reason: "Binary frames are not supported")
        case .ping where !sentClose:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            receivedClose(frame)
        default:
            break
        }
    }

    /// Holds reads back while the connection has its fill of messages in hand: the client
    /// waits in TCP, not in memory.
    func read(context: ChannelHandlerContext) {
        if inFlight >= Self.maxMessagesInFlight || !pending.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let error as NIOWebSocketError:
            // WebSocketProtocolErrorHandler has sent the close frame and closes the channel.
            closeCode = closeCode ?? (error == .invalidFrameLength ? 1009 : 1002)
            sentClose = true
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge:
            close(code: 1009, reason: "Message too big")
        case is NIOWebSocketFrameAggregator.Error:
            close(code: 1002, reason: "Protocol error")
        default:
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending.removeAll()
        if let connection {
            let (gateway, code, reason) = (gateway, closeCode ?? 1006, closeReason)
            Task { await gateway.closed(connection, code: code, reason: reason) }
        }
        self.connection = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Hands the messages in hand to the gateway in the order they came: those whose route
    /// needs no I/O are answered here, on the event loop; each other one starts a task and runs
    /// beside the rest, as AWS invokes an integration per message. Reading resumes once fewer
    /// than `maxMessagesInFlight` are running.
    private func handleNext() {
        guard let connection, let context else { return }
        while inFlight < Self.maxMessagesInFlight, let message = pending.popFirst() {
            guard let reply = gateway.receiveWithoutIO(message, on: connection) else {
                inFlight += 1
                let (gateway, session) = (gateway, NIOLoopBound(self, eventLoop: context.eventLoop))
                Task {
                    await gateway.receive(message, on: connection)
                    session.eventLoop.execute {
                        session.value.inFlight -= 1
                        session.value.handleNext()
                    }
                }
                continue
            }
            if case .send(let text) = reply {
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))), promise: nil)
            }
        }
        if readHeld, inFlight < Self.maxMessagesInFlight, pending.isEmpty {
            readHeld = false
            context.read()
        }
    }

    /// The client's close frame: the answer to ours, or its own close, which is echoed.
    private func receivedClose(_ frame: WebSocketFrame) {
        guard let context else { return }
        if !sentClose {
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode()
            closeCode = code.map { UInt16(webSocketErrorCode: $0) } ?? 1005
            closeReason = data.readString(length: data.readableBytes)
            var answer = context.channel.allocator.buffer(capacity: 2)
            answer.write(webSocketErrorCode: code ?? .normalClosure)
            sentClose = true
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: answer)), promise: nil)
        }
        context.close(promise: nil)
    }

    /// Starts the closing handshake: the close frame now, the channel once the client answers or
    /// after `closeTimeout`.
    fileprivate func close(code: UInt16, reason: String) {
        guard !sentClose, let context else { return }
        sentClose = true
        closeCode = closeCode ?? code
        closeReason = closeReason ?? reason
        pending.removeAll()
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(code)))
        data.writeString(reason)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        context.eventLoop.scheduleTask(in: Self.closeTimeout) { [channel = context.channel] in channel.close(promise: nil) }
    }

    /// A close the gateway decides on, so that `$disconnect` and `@connections` see it.
    private func closeAsGateway(code: UInt16, reason: String) {
        guard let connection else { return }
        let gateway = gateway
        Task { await gateway.close(connection, code: code, reason: reason) }
    }
}

/// The gateway's way to a client: text frames written on the channel, and the closing
/// handshake run by the session on its event loop.
private struct SessionSocket: WebSocketSocket {
    let channel: any Channel
    let session: NIOLoopBound<WebSocketSession>

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
    }

    func close(code: UInt16, reason: String) async {
        let session = session
        session.eventLoop.execute { session.value.close(code: code, reason: reason) }
    }
}

import Atomics
import NIOCore

/// Counts open connections. Past the cap a new connection is answered `503` and closed at once,
/// while those already open keep working (Hummingbird's own limit would stop accepting, leaving
/// new clients waiting in the kernel's queue with no answer).
final class ConnectionCap: Sendable {
    let maximum: Int
    private let open = ManagedAtomic(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Counts `channel` until it closes; false when it is one too many.
    func admit(_ channel: any Channel) -> Bool {
        let count = open.wrappingIncrementThenLoad(ordering: .relaxed)
        channel.closeFuture.whenComplete { [open] _ in open.wrappingDecrement(ordering: .relaxed) }
        return count <= maximum
    }
}

/// The whole pipeline of a connection over the cap: one answer, then close.
final class RefuseConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static let answer = """
        HTTP/1.1 503 Service Unavailable\r
        Content-Type: application/json\r
        x-amzn-ErrorType: ServiceUnavailableException\r
        Content-Length: 33\r
        Connection: close\r
        \r
        {"message":"Service Unavailable"}
        """

    private var answered = false

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: Self.answer)))
            .whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }
}

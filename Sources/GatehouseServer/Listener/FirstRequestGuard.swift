import GatehouseModel
import NIOCore
import NIOHTTP1

/// Watches a new connection until its first request's head arrives, in front of the upgrade
/// handler (the HTTP handlers that do this later are added only once the upgrade handler has
/// decided): it answers a head the parser cannot read (431 past the header cap, else 400) and
/// closes a connection that sends nothing within the idle timeout. It leaves the pipeline with
/// the first head.
final class FirstRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let idle: TimeAmount
    private var timer: Scheduled<Void>?
    private var answered = false

    init(idle: TimeAmount) {
        self.idle = idle
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: idle) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Answers like `RequestLimitsHandler`: the answer, then a moment for the client to stop
    /// sending before the connection closes (closing on unread bytes would reset it).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        guard !answered else { return }
        answered = true
        timer?.cancel()
        let answer = RequestAdmission.malformed(parserError)
        var headers = HTTPHeaders(answer.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(answer.body.count))
        headers.replaceOrAdd(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: answer.status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(mode: .output, promise: nil)
        context.eventLoop.scheduleTask(in: RequestLimitsHandler.lingering) { [channel = context.channel] in channel.close(promise: nil) }
    }
}

import NIOCore
import NIOHTTPTypes

/// Closes connections that hold the server without using it: one idle between requests for
/// longer than `idle` (nginx's `keepalive_timeout`; this also ends a client that never finishes
/// its request line and headers), or one that pauses for longer than `body` in the middle of a
/// request body (nginx's `client_body_timeout`). A request being answered is never timed out
/// here: integrations and the Runtime API's long poll bound their own waits.
final class ConnectionTimeoutHandler: HTTPPartHandler {
    private let idle: TimeAmount
    private let body: TimeAmount
    /// Requests read (their head) whose response has not ended.
    private var inFlight = 0
    /// Between a request's head and its end.
    private var readingBody = false
    private var deadline: NIODeadline?
    private var timer: (at: NIODeadline, task: Scheduled<Void>)?

    init(idle: TimeAmount, body: TimeAmount) {
        self.idle = idle
        self.body = body
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { wait(idle, context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        wait(idle, context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            inFlight += 1
            readingBody = true
            wait(body, context)
        case .body:
            wait(body, context)
        case .end:
            readingBody = false
            // Answered already (a refusal before the body ended)? Then the connection is idle now.
            if inFlight == 0 { wait(idle, context) } else { deadline = nil }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight -= 1
            if inFlight == 0 && !readingBody { wait(idle, context) }
        }
        context.write(data, promise: promise)
    }

    /// Moves the deadline `amount` from now. One timer at a time: a later deadline lets the
    /// armed timer fire and re-arm, an earlier one replaces it.
    private func wait(_ amount: TimeAmount, _ context: ChannelHandlerContext) {
        let next = context.eventLoop.now + amount
        deadline = next
        if let timer, timer.at <= next { return }
        timer?.task.cancel()
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = (deadline, context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.fire(context)
        })
    }

    private func fire(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        if deadline > context.eventLoop.now { return arm(context) }
        context.close(promise: nil)
    }
}

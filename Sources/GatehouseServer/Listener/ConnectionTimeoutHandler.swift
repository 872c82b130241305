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
    /// How often the deadline is checked: a quarter of the shorter timeout, so a connection is
    /// closed at most that late, and a request costs a clock read rather than a timer.
    private let period: TimeAmount
    /// Requests read (their head) whose response has not ended.
    private var inFlight = 0
    /// Between a request's head and its end.
    private var readingBody = false
    private var deadline: NIODeadline?
    private var timer: RepeatedTask?

    init(idle: TimeAmount, body: TimeAmount) {
        self.idle = idle
        self.body = body
        period = .nanoseconds(max(min(idle.nanoseconds, body.nanoseconds) / 4, 1_000_000))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
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

    private func wait(_ amount: TimeAmount, _ context: ChannelHandlerContext) {
        deadline = context.eventLoop.now + amount
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        wait(idle, context)
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let (handler, context) = loopBound.value
            if let deadline = handler.deadline, deadline <= context.eventLoop.now { context.close(promise: nil) }
        }
    }
}

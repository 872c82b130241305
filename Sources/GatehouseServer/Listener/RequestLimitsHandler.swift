import GatehouseModel
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Refuses a request from its head alone — a declared body over its path's limit, a head over
/// AWS's quota, bytes the HTTP parser cannot read — without waiting for or buffering the body.
///
/// The refusal is the connection's last answer. It waits for the answers to earlier pipelined
/// requests, so responses keep their order; then the server stops sending, discards what the
/// client still sends for a moment (a client busy uploading would otherwise get a reset before
/// it reads the answer) and closes.
final class RequestLimitsHandler: HTTPPartHandler {
    /// How long a refused client may go on sending before the connection is closed under it.
    static let lingering = TimeAmount.seconds(2)

    private let admission: RequestAdmission
    /// Requests passed on whose response has not ended.
    private var inFlight = 0
    /// Set once a request is refused: nothing more is read from this connection.
    private var refusal: OutgoingResponse?
    private var dateCache = HTTPDateCache()

    init(admission: RequestAdmission) {
        self.admission = admission
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusal == nil else { return }
        if case .head(let head) = unwrapInboundIn(data) {
            if let answer = admission.refusal(for: head) { return refuse(answer, context) }
            inFlight += 1
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        if refusal == nil { refuse(RequestAdmission.malformed(parserError), context) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        guard case .end = unwrapOutboundIn(data) else { return }
        inFlight -= 1
        if inFlight == 0, let refusal { send(refusal, context) }
    }

    private func refuse(_ answer: OutgoingResponse, _ context: ChannelHandlerContext) {
        refusal = answer
        if inFlight == 0 { send(answer, context) }
    }

    private func send(_ answer: OutgoingResponse, _ context: ChannelHandlerContext) {
        context.writeWhole(answer, date: dateCache.now(), closing: true)
        context.close(mode: .output, promise: nil)
        context.eventLoop.scheduleTask(in: Self.lingering) { [channel = context.channel] in
            channel.close(promise: nil)
        }
    }
}

import Foundation
import GatehouseGateway
import GatehouseModel
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers data-plane requests that need no I/O — MOCK integrations (behind no authorizer or
/// one whose result is cached) and requests the gateway rejects itself — right on the event
/// loop, without Hummingbird's per-request task and body stream. Everything else passes through
/// to Hummingbird untouched.
///
/// It sits after the HTTP/1 codec. It answers only when no earlier request on the connection is
/// still being served by Hummingbird, so responses keep their order on pipelined connections.
final class ImmediateAnswerHandler: HTTPPartHandler {
    private struct Held {
        var head: HTTPRequest
        var prepared: Gateway.Prepared
        var body: ByteBuffer?
    }

    private let gateway: Gateway
    /// Requests handed to Hummingbird whose response has not ended yet.
    private var passedOn = 0
    /// The request being read for an immediate answer.
    private var held: Held?
    private var dateCache = HTTPDateCache()

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if passedOn == 0, head.headerFields[.connection] == nil,
                let target = gateway.directory.current.target(host: head.authority, rawPath: IncomingRequest.split(head.path ?? "/").path),
                let prepared = gateway.prepareWithoutIO(
                    IncomingRequest(head: head, body: ByteBuffer(), remoteAddress: context.channel.remoteAddress?.ipAddress), target: target)
            {
                held = Held(head: head, prepared: prepared)
                return
            }
            passOn(context, data)
        case .body(var chunk):
            guard var request = held else { return context.fireChannelRead(data) }
            if (request.body?.readableBytes ?? 0) + chunk.readableBytes > Gateway.maxPayloadBytes {
                // Too large to hold here: let the regular path read and refuse it.
                held = nil
                passOn(context, wrapInboundOut(.head(request.head)))
                if let body = request.body { context.fireChannelRead(wrapInboundOut(.body(body))) }
                context.fireChannelRead(data)
                return
            }
            if request.body == nil { request.body = chunk } else { request.body!.writeBuffer(&chunk) }
            held = request
        case .end:
            guard let request = held else { return context.fireChannelRead(data) }
            held = nil
            answer(request, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    private func passOn(_ context: ChannelHandlerContext, _ data: NIOAny) {
        passedOn += 1
        context.fireChannelRead(data)
    }

    private func answer(_ request: Held, context: ChannelHandlerContext) {
        let body = request.body.map { Data($0.readableBytesView) } ?? Data()
        context.writeWhole(gateway.answerWithoutIO(request.prepared, body: body), date: dateCache.now())
    }
}

extension ChannelHandlerContext {
    /// Writes a complete response (head, body, end) and flushes; `closing` asks the client to
    /// close the connection after it.
    func writeWhole(_ response: OutgoingResponse, date: String, closing: Bool = false) {
        var fields = HTTPFields(response.headers)
        fields[.contentLength] = String(response.body.count)
        fields[.date] = date
        if closing { fields[.connection] = "close" }
        write(NIOAny(HTTPResponsePart.head(HTTPResponse(status: .init(code: response.status), headerFields: fields))), promise: nil)
        if !response.body.isEmpty {
            write(NIOAny(HTTPResponsePart.body(channel.allocator.buffer(bytes: response.body))), promise: nil)
        }
        writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
    }
}

/// The `Date` header's text, formatted once per second.
struct HTTPDateCache {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        let current = Int(Date().timeIntervalSince1970)
        if current != second {
            second = current
            text = Date(timeIntervalSince1970: TimeInterval(current)).utc("EEE, dd MMM yyyy HH:mm:ss 'GMT'")
        }
        return text
    }
}

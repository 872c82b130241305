import Foundation
import GatehouseModel
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// The request context: Hummingbird's core storage plus the peer address.
public struct GatehouseRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension IncomingRequest {
    /// Reads the whole body, up to `limit` bytes, and converts a Hummingbird request.
    init(_ request: Request, context: GatehouseRequestContext, upTo limit: Int) async throws {
        var request = request
        let body = try await request.collectBody(upTo: limit)
        self.init(head: request.head, body: body, remoteAddress: context.remoteAddress?.ipAddress)
    }

    /// A request from its HTTP head and complete body. `host` comes from the head's authority.
    init(head: HTTPRequest, body: ByteBuffer, remoteAddress: String?) {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(head.headerFields.count + 1)
        if let authority = head.authority { headers.append(("host", authority)) }
        for field in head.headerFields { headers.append((field.name.rawName, field.value)) }
        let target = head.path ?? "/"
        let (path, query) = Self.split(target)
        self.init(
            method: head.method.rawValue, rawPath: path, rawQuery: query, headers: headers,
            body: Data(body.readableBytesView), remoteAddress: remoteAddress)
    }

    /// A request from an HTTP/1 head alone (a WebSocket upgrade has no body).
    init(head: HTTPRequestHead, remoteAddress: String?) {
        let (path, query) = Self.split(head.uri)
        self.init(
            method: head.method.rawValue, rawPath: path, rawQuery: query, headers: head.headers.map { ($0.name, $0.value) }, body: Data(),
            remoteAddress: remoteAddress)
    }

    /// `/a/b?x=1` → (`/a/b`, `x=1`).
    static func split(_ target: String) -> (path: String, query: String) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}

extension HTTPFields {
    init(_ headers: [(name: String, value: String)]) {
        self.init()
        for header in headers {
            if let name = HTTPField.Name(header.name) { append(HTTPField(name: name, value: header.value)) }
        }
    }
}

extension Response {
    init(_ response: OutgoingResponse) {
        let body: ResponseBody
        if let stream = response.stream {
            body = ResponseBody(asyncSequence: stream.map { ByteBuffer(bytes: $0) })
        } else {
            body = ResponseBody(byteBuffer: ByteBuffer(bytes: response.body))
        }
        self.init(status: HTTPResponse.Status(code: response.status), headers: HTTPFields(response.headers), body: body)
    }
}

import Foundation
import GatehouseModel
import HTTPTypes
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the peer address.
public struct GatehouseRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// API Gateway accepts payloads up to 10 MB; the control plane's largest (a Lambda zip) is 50 MB.
    public var maxUploadSize: Int { 70 * 1024 * 1024 }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension IncomingRequest {
    /// Reads the whole body and converts a Hummingbird request.
    init(_ request: Request, context: GatehouseRequestContext) async throws {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var headers: [(name: String, value: String)] = []
        if let authority = request.head.authority { headers.append(("host", authority)) }
        for field in request.headers { headers.append((field.name.rawName, field.value)) }
        let target = request.head.path ?? "/"
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(
            method: request.method.rawValue,
            rawPath: String(parts[0]),
            rawQuery: parts.count > 1 ? String(parts[1]) : "",
            headers: headers,
            body: Data(buffer: body),
            remoteAddress: context.remoteAddress?.ipAddress)
    }
}

extension Response {
    init(_ response: OutgoingResponse) {
        var fields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        self.init(
            status: HTTPResponse.Status(code: response.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}

import Foundation
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import GatehouseServer

/// The listener's guards on one connection, in an embedded channel on virtual time: closing
/// idle and stalled connections, and refusing requests from their head alone.
@Suite struct ListenerTests {
    struct DiscardingLogSink: LogSink {
        func append(region: String, group: String, stream: String, events: [LogEvent]) async {}
    }

    static let idle = TimeAmount.seconds(60)
    static let body = TimeAmount.seconds(10)

    /// A connected channel whose only handler is `handler`.
    func connected(_ handler: any ChannelHandler) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4566)).wait()
        return channel
    }

    func timeoutChannel() throws -> EmbeddedChannel {
        try connected(ConnectionTimeoutHandler(idle: Self.idle, body: Self.body))
    }

    func limitsChannel() throws -> EmbeddedChannel {
        let pool = WorkerPool(
            settings: .init(runtimeAPIAddress: "127.0.0.1:1", gatehouseEndpoint: "http://127.0.0.1:1", credentials: { _ in WorkerCredentials(accessKeyID: "test", secretAccessKey: "test") }),
            code: CodeStore(directory: NSTemporaryDirectory() + "gatehouse-tests-\(UUID().uuidString)"), logs: DiscardingLogSink())
        let admission = RequestAdmission(
            runtimeAPI: RuntimeAPI(pool: pool), maxControlPlaneBodyBytes: 64 * 1024 * 1024, directory: StageDirectory(DeployedStages()))
        return try connected(RequestLimitsHandler(admission: admission))
    }

    static func head(_ path: String = "/restapis/a/s/_user_request_/x", contentLength: Int? = nil, fields: HTTPFields = [:]) -> HTTPRequestPart {
        var fields = fields
        if let contentLength { fields[.contentLength] = String(contentLength) }
        return .head(HTTPRequest(method: .post, scheme: "http", authority: "localhost:4566", path: path, headerFields: fields))
    }

    static func bytes(_ text: String) -> HTTPRequestPart { .body(ByteBuffer(string: text)) }

    /// What the channel wrote, described part by part (`head 413`, `body …`, `end`).
    func written(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            switch part {
            case .head(let response): parts.append("head \(response.status.code)")
            case .body(let buffer): parts.append("body \(String(buffer: buffer))")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    /// What the channel passed on inward, described the same way.
    func passedOn(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            switch part {
            case .head(let request): parts.append("head \(request.path ?? "")")
            case .body(let buffer): parts.append("body \(String(buffer: buffer))")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    // MARK: ConnectionTimeoutHandler

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeoutNotBefore() throws {
        let channel = try timeoutChannel()
        channel.embeddedEventLoop.advanceTime(by: Self.idle - .seconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aStalledBodyIsClosedAfterTheBodyTimeout() throws {
        let channel = try timeoutChannel()
        try channel.writeInbound(Self.head(contentLength: 10))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        try channel.writeInbound(Self.bytes("12345"))
        // The body timeout counts from the last bytes read.
        channel.embeddedEventLoop.advanceTime(by: Self.body - .seconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aRequestBeingAnsweredIsNeverTimedOut() throws {
        let channel = try timeoutChannel()
        try channel.writeInbound(Self.head(contentLength: 2))
        try channel.writeInbound(Self.bytes("{}"))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: Self.idle * 10)
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.body(ByteBuffer(string: "partial")))
        channel.embeddedEventLoop.advanceTime(by: Self.idle * 10)
        #expect(channel.isActive)

        // Once answered, the connection is idle again.
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: Self.idle - .seconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        #expect(try passedOn(channel) == ["head /restapis/a/s/_user_request_/x", "body {}", "end"])
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    // MARK: RequestLimitsHandler

    @Test func aDeclaredBodyOverTheInvokeLimitIsRefusedFromTheHead() throws {
        let channel = try limitsChannel()
        try channel.writeInbound(Self.head(contentLength: 10_485_761))
        try channel.writeInbound(Self.bytes("more"))

        var response: HTTPResponse?
        if case .head(let head) = try channel.readOutbound(as: HTTPResponsePart.self) { response = head }
        #expect(response?.status.code == 413)
        #expect(response?.headerFields[.contentType] == "text/plain; charset=utf-8")
        #expect(response?.headerFields[.connection] == "close")
        #expect(try written(channel) == ["body HTTP content length exceeded 10485760 bytes.", "end"])
        #expect(try passedOn(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: RequestLimitsHandler.lingering + .seconds(1))
        #expect(!channel.isActive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aDeclaredBodyAtTheLimitPassesThrough() throws {
        let channel = try limitsChannel()
        try channel.writeInbound(Self.head(contentLength: 10_485_760))
        try channel.writeInbound(Self.bytes("abc"))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try passedOn(channel) == ["head /restapis/a/s/_user_request_/x", "body abc", "end"])
        #expect(try written(channel).isEmpty)
        #expect(channel.isActive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func anInvokeHeadOverAWSsQuotaIsRefused() throws {
        let channel = try limitsChannel()
        try channel.writeInbound(Self.head(fields: [HTTPField.Name("X-Big")!: String(repeating: "a", count: 10_300)]))
        #expect(try written(channel) == ["head 431", "body HTTP header is larger than 10240 bytes.", "end"])
        #expect(try passedOn(channel).isEmpty)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aRefusalWaitsForTheAnswerToAnEarlierPipelinedRequest() throws {
        let channel = try limitsChannel()
        try channel.writeInbound(Self.head("/restapis/a/s/_user_request_/first", contentLength: 0))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeInbound(Self.head(contentLength: 20_000_000))
        #expect(try passedOn(channel) == ["head /restapis/a/s/_user_request_/first", "end"])
        #expect(try written(channel).isEmpty)

        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        #expect(try written(channel) == ["head 200"])
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        #expect(try written(channel) == ["end", "head 413", "body HTTP content length exceeded 10485760 bytes.", "end"])
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}

/// Where `@connections` calls go, from their host and path.
@Suite struct ConnectionsEndpointTests {
    @Test(arguments: [
        ("127.0.0.1:4566", "/abc123/dev/%40connections/Xy%3D", "abc123", "dev", "/@connections/Xy%3D"),
        ("localhost:4566", "/abc123/dev/@connections/Xy=", "abc123", "dev", "/@connections/Xy="),
        ("abc123.execute-api.localhost:4566", "/dev/%40connections/Xy%3D", "abc123", "dev", "/@connections/Xy%3D"),
        ("127.0.0.1:4566", "/dev/%40connections/Xy%3D", nil, "dev", "/@connections/Xy%3D"),
    ] as [(String, String, String?, String, String)])
    func endpointsNameTheirStageAndAPI(host: String, path: String, api: String?, stage: String, routed: String) throws {
        let endpoint = try #require(ConnectionsEndpoint(host: host, rawPath: path))
        #expect(endpoint.apiID == api)
        #expect(endpoint.stage == stage)
        #expect(endpoint.routedPath == routed)
    }

    @Test(arguments: ["/restapis/abc/dev/_user_request_/x", "/a/b/c/%40connections/x", "/%40connections/x", "/v2/apis"])
    func otherPathsAreNotConnectionsEndpoints(path: String) {
        #expect(ConnectionsEndpoint(host: "127.0.0.1:4566", rawPath: path) == nil)
    }
}

import AsyncHTTPClient
import Foundation
import GatehouseModel
import NIOCore
import NIOHTTP1

/// `HTTP_PROXY` and `HTTP`: the request goes to an HTTP endpoint through one pooled client.
/// The proxy form passes the request and the answer through; the plain form maps parameters
/// into the endpoint request and sends the answer through Integration Response.
public struct HTTPIntegration: Sendable {
    let client: HTTPClient
    /// Where VPC link integrations go.
    let upstreams: UpstreamSets

    /// Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1).
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    /// The upper bound of the backend answer we read (API Gateway's payload limit).
    static let maxResponseBytes = 10 * 1024 * 1024

    public init(client: HTTPClient, upstreams: UpstreamSets = UpstreamSets()) {
        self.client = client
        self.upstreams = upstreams
    }

    func proxy(_ invocation: Invocation, _ integration: DeployedIntegration) async throws(GatewayError) -> OutgoingResponse {
        var headers = Self.forwarded(invocation.request)
        headers.replaceOrAdd(name: "X-Amzn-Trace-Id", value: invocation.trace.description)
        for (target, source) in integration.requestParameters {
            guard let name = target.dropPrefix("integration.request.header."), let value = invocation.value(of: source) else { continue }
            headers.replaceOrAdd(name: name, value: value)
        }
        let url = try endpoint(invocation, integration, query: invocation.request.rawQuery)
        let method = integration.httpMethod == "ANY" || integration.httpMethod == nil ? invocation.request.method : integration.httpMethod!
        return try await passThrough(
            method: method, url: url, headers: headers, body: invocation.request.body, timeoutMillis: integration.timeoutInMillis,
            through: try upstreamSet(invocation, integration))
    }

    /// The request's headers as a proxy forwards them: without hop-by-hop headers, with the
    /// caller added to `X-Forwarded-For`.
    static func forwarded(_ request: IncomingRequest) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for header in request.headers where !hopByHop.contains(header.name.lowercased()) {
            headers.add(name: header.name, value: header.value)
        }
        let peer = request.remoteAddress ?? "127.0.0.1"
        let existing = request.header("X-Forwarded-For").flatMap { $0.isEmpty ? nil : $0 }
        headers.replaceOrAdd(name: "X-Forwarded-For", value: existing.map { "\($0), \(peer)" } ?? peer)
        return headers
    }

    /// Sends a request (through a VPC link's upstream set, when given one) and passes the
    /// backend's answer through as it arrives.
    func passThrough(
        method: String, url: String, headers: HTTPHeaders, body: Data, timeoutMillis: Int, through set: String? = nil
    ) async throws(GatewayError) -> OutgoingResponse {
        let backend = try await send(
            method: method, url: url, headers: headers, body: body, timeoutMillis: timeoutMillis, streaming: true, through: set)
        var response = OutgoingResponse(status: backend.status, headers: backend.headers, body: backend.body)
        response.stream = backend.stream
        return response
    }

    func http(_ invocation: Invocation, _ integration: DeployedIntegration, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse {
        let (mappedHeaders, query) = IntegrationRequest.parameters(for: invocation, integration: integration)
        var headers = HTTPHeaders(mappedHeaders.map { ($0.name, $0.value) })
        if let contentType = invocation.request.header("Content-Type"), !headers.contains(name: "Content-Type") {
            headers.add(name: "Content-Type", value: contentType)
        }
        let mapped = try IntegrationRequest.body(for: invocation, integration: integration, log: &log)
        let rawQuery = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let url = try endpoint(invocation, integration, query: rawQuery)
        let backend = try await send(
            method: integration.httpMethod ?? "GET", url: url, headers: headers, body: mapped.body, timeoutMillis: integration.timeoutInMillis,
            through: try upstreamSet(invocation, integration))
        return try IntegrationResponse.map(
            backend, selector: String(backend.status), invocation: invocation, integration: integration, requestOverride: mapped.responseOverride,
            log: &log)
    }

    /// The integration uri with stage variables and `{name}` path parameters filled in.
    private func endpoint(_ invocation: Invocation, _ integration: DeployedIntegration, query: String) throws(GatewayError) -> String {
        var uri = invocation.substitutingStageVariables(integration.uri ?? "")
        var pathValues: [String: String] = [:]
        for (target, source) in integration.requestParameters {
            if let name = target.dropPrefix("integration.request.path."), let value = invocation.value(of: source) { pathValues[name] = value }
        }
        // Without an explicit mapping, a `{name}` in the uri takes the method's path parameter of that name.
        for (name, value) in invocation.match.pathParameters where pathValues[name] == nil { pathValues[name] = value }
        for (name, value) in pathValues {
            let encoded = value.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }.joined(separator: "/")
            uri = uri.replacingOccurrences(of: "{\(name)+}", with: encoded).replacingOccurrences(of: "{\(name)}", with: encoded)
        }
        guard uri.hasPrefix("http://") || uri.hasPrefix("https://") else { throw GatewayError.configurationError }
        return query.isEmpty ? uri : uri + (uri.contains("?") ? "&" : "?") + query
    }

    /// Answers up to this size (by Content-Length) are read whole; larger or unsized ones stream.
    static let streamingThreshold = 256 * 1024

    /// Sends a request and reads the answer: whole, or as a stream when `streaming` and large.
    /// Through a VPC link's upstream `set`, the members are tried in turn while they refuse the
    /// connection (each one that does is skipped for a while).
    func send(
        method: String, url: String, headers: HTTPHeaders, body: Data, timeoutMillis: Int, streaming: Bool = false, through set: String? = nil,
        limit: Int = maxResponseBytes
    ) async throws(GatewayError) -> BackendResponse {
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMillis))
        guard let set else {
            return try await attempt(method: method, url: url, headers: headers, body: body, deadline: deadline, streaming: streaming, limit: limit)
                .mapError(\.error).get()
        }
        guard let members = upstreams.candidates(in: set), let authority = URLComponents(string: url)?.percentEncodedHost else {
            throw .integrationFailure
        }
        var headers = headers
        // The backend sees the host the integration's uri names, as behind a load balancer.
        headers.replaceOrAdd(name: "Host", value: authority)
        for member in members {
            let result = await attempt(
                method: method, url: Self.replacingAuthority(of: url, with: member), headers: headers, body: body, deadline: deadline,
                streaming: streaming, limit: limit)
            guard case .failure(let failure) = result, failure.refused else { return try result.mapError(\.error).get() }
            upstreams.markDown(member, in: set)
        }
        throw .integrationFailure
    }

    /// Why an attempt failed: the gateway's answer, and whether the backend refused the connection.
    struct AttemptFailure: Error {
        var error: GatewayError
        var refused = false
    }

    private func attempt(
        method: String, url: String, headers: HTTPHeaders, body: Data, deadline: NIODeadline, streaming: Bool, limit: Int
    ) async -> Result<BackendResponse, AttemptFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers = headers
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, deadline: deadline)
            var forwarded: [(name: String, value: String)] = []
            for header in response.headers where !Self.hopByHop.contains(header.name.lowercased()) {
                forwarded.append((header.name, header.value))
            }
            let size = response.headers.first(name: "Content-Length").flatMap(Int.init)
            if streaming, size.map({ $0 > Self.streamingThreshold }) ?? true {
                return .success(BackendResponse(status: Int(response.status.code), headers: forwarded, body: Data(), stream: Self.stream(response.body)))
            }
            let bytes = try await response.body.collect(upTo: limit)
            return .success(BackendResponse(status: Int(response.status.code), headers: forwarded, body: Data(bytes.readableBytesView)))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || NIODeadline.now() >= deadline {
            return .failure(AttemptFailure(error: .integrationTimeout))
        } catch {
            if NIODeadline.now() >= deadline { return .failure(AttemptFailure(error: .integrationTimeout)) }
            return .failure(AttemptFailure(error: .integrationFailure, refused: Self.isRefused(error)))
        }
    }

    /// The backend's body as it arrives; the read stops when the client goes away.
    private static func stream(_ body: HTTPClientResponse.Body) -> AsyncThrowingStream<Data, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        let reader = Task {
            do {
                for try await chunk in body { continuation.yield(Data(chunk.readableBytesView)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }

    /// RFC 3986 unreserved characters: mapped values are decoded text, so everything else
    /// (`+`, `&`, `=`, `/` inside a value…) is percent-encoded on the way to the backend.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

import AsyncHTTPClient
import Foundation
import GatehouseControl
import GatehouseModel
import NIOCore
import NIOHTTP1

/// The AWS APIs a stack is made through, over HTTP with SigV4 — the same calls the aws CLI makes
/// to Gatehouse (or to any endpoint that speaks them).
public struct AWSClient: Sendable {
    public let endpoint: String
    public let accessKeyId: String
    public let secret: String
    public let region: String
    let http: HTTPClient

    public init(endpoint: String, accessKeyId: String, secret: String, region: String, http: HTTPClient = .shared) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.accessKeyId = accessKeyId
        self.secret = secret
        self.region = region
        self.http = http
    }

    /// A rest-json call: `service` signs it, `body` is JSON (or raw bytes); answers the JSON body.
    @discardableResult
    public func call(
        _ service: String, _ method: String, _ path: String, query: [(String, String)] = [], json body: JSON? = nil, raw: Data? = nil
    ) async throws -> JSON {
        let data = raw ?? body.map { $0.serialized() } ?? Data()
        let answer = try await send(service, method, path, query: query, body: data,
                                    contentType: raw == nil ? "application/json" : "application/octet-stream")
        guard !answer.isEmpty else { return .emptyObject }
        return (try? JSON(parsing: answer)) ?? .string(String(decoding: answer, as: UTF8.self))
    }

    /// A `json`-protocol call (`X-Amz-Target: {target}`), as CloudWatch Logs and CloudWatch take them; answers the JSON body.
    public func target(_ service: String, _ target: String, _ body: JSON, jsonVersion: String = "1.1") async throws -> JSON {
        let answer = try await send(
            service, "POST", "/", query: [], body: body.serialized(), contentType: "application/x-amz-json-\(jsonVersion)",
            headers: [("X-Amz-Target", target)])
        return answer.isEmpty ? .emptyObject : try JSON(parsing: answer)
    }

    /// A query-protocol call (IAM, STS): the answer's XML as text.
    public func query(_ service: String, _ action: String, _ parameters: [(String, String)]) async throws -> String {
        let form = ([("Action", action), ("Version", service == "iam" ? "2010-05-08" : "2011-06-15")] + parameters)
            .map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let answer = try await send(service, "POST", "/", query: [], body: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
        return String(decoding: answer, as: UTF8.self)
    }

    private func send(
        _ service: String, _ method: String, _ path: String, query: [(String, String)], body: Data, contentType: String,
        headers extra: [(String, String)] = []
    ) async throws -> Data {
        guard let base = URLComponents(string: endpoint), let host = base.host else { throw TemplateError("not a URL: \(endpoint)") }
        let authority = base.port.map { "\(host):\($0)" } ?? host
        let rawQuery = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var request = IncomingRequest(
            method: method, rawPath: path, rawQuery: rawQuery,
            headers: [("host", authority), ("Content-Type", contentType), ("Accept", "application/json")] + extra.map { (name: $0.0, value: $0.1) },
            body: body)
        SigV4.sign(&request, accessKeyId: accessKeyId, secret: secret, region: region, service: service)
        var outbound = HTTPClientRequest(url: "\(endpoint)\(path)" + (rawQuery.isEmpty ? "" : "?" + rawQuery))
        outbound.method = HTTPMethod(rawValue: method)
        for header in request.headers where header.name != "host" { outbound.headers.add(name: header.name, value: header.value) }
        if !body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(outbound, timeout: .seconds(120))
        let bytes = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            let text = String(decoding: bytes, as: UTF8.self)
            let message = (try? JSON(parsing: bytes)).flatMap { $0["message"]?.stringValue ?? $0["Message"]?.stringValue } ?? Self.xmlValue("Message", in: text) ?? text
            throw TemplateError("\(service) \(method) \(path): \(response.status.code) \(message)", status: Int(response.status.code))
        }
        return bytes
    }

    /// The first `<name>…</name>` in `xml`.
    public static func xmlValue(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// A path segment, percent-encoded.
    static func segment(_ text: String) -> String { encode(text) }
}

/// What went wrong deploying a template, said plainly.
public struct TemplateError: Error, CustomStringConvertible {
    public let description: String
    /// The HTTP status of a refused call, if that is what it was.
    public let status: Int?

    public init(_ description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}

import Foundation
import GatehouseModel
import NIOHTTP1

/// How Gatehouse reaches AWS services — for `AWS` integrations and for requests its listener gets
/// for services it does not serve (a handler's SDK points `AWS_ENDPOINT_URL` at Gatehouse): a
/// service in the endpoint map (`GATEHOUSE_SERVICE_ENDPOINTS`, the configuration's
/// `serviceEndpoints`: moto, LocalStack or a real region) gets the request there, signed afresh;
/// a service this node serves (lambda, logs, apigateway…) answers in-process.
public struct AWSServices: Sendable {
    /// Who signs: a key, its secret, and the signature's region and service.
    public struct Signing: Sendable {
        public var accessKeyId: String
        public var secret: String
        public var region: String
        public var service: String

        public init(accessKeyId: String, secret: String, region: String, service: String) {
            self.accessKeyId = accessKeyId
            self.secret = secret
            self.region = region
            self.service = service
        }
    }

    /// Base URLs by service signing name (`dynamodb` → `http://127.0.0.1:5000`).
    public let endpoints: [String: String]
    /// Answers a request to a service this node serves, in-process; nil for another service.
    public let local: @Sendable (_ request: IncomingRequest, _ service: String) async -> OutgoingResponse?
    /// Signs a request (SigV4).
    public let sign: @Sendable (inout IncomingRequest, Signing) -> Void
    /// The key integrations sign with (API Gateway's own role, here).
    public let integrationKey: (accessKeyId: String, secret: String)

    public init(
        endpoints: [String: String] = [:], integrationKey: (accessKeyId: String, secret: String) = ("", ""),
        local: @escaping @Sendable (IncomingRequest, String) async -> OutgoingResponse? = { _, _ in nil },
        sign: @escaping @Sendable (inout IncomingRequest, Signing) -> Void = { _, _ in }
    ) {
        self.endpoints = endpoints.mapValues { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.integrationKey = integrationKey
        self.local = local
        self.sign = sign
    }

    /// `GATEHOUSE_SERVICE_ENDPOINTS`: `dynamodb=http://127.0.0.1:5000,sqs=http://…`.
    public static func parse(_ text: String) -> [String: String] {
        var endpoints: [String: String] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, !parts[0].isEmpty { endpoints[parts[0]] = parts[1] }
        }
        return endpoints
    }

    /// The request at `base` (a URL without a trailing slash): its path prefixed with the base's,
    /// `host` set to the base's, signed with `signing`. Nil when `base` is no URL.
    func outbound(_ request: IncomingRequest, to base: String, signing: Signing) -> (url: String, request: IncomingRequest)? {
        guard let components = URLComponents(string: base), let host = components.host else { return nil }
        var outbound = request
        outbound.rawPath = components.percentEncodedPath + request.rawPath
        outbound.headers.removeAll { HTTPIntegration.hopByHop.contains($0.name.lowercased()) }
        outbound.headers.append(("host", components.port.map { "\(host):\($0)" } ?? host))
        sign(&outbound, signing)
        let url = "\(components.scheme ?? "http")://\(outbound.header("host") ?? host)\(outbound.rawPath)" + (request.rawQuery.isEmpty ? "" : "?" + request.rawQuery)
        return (url, outbound)
    }

    /// The request's headers for the HTTP client (`host` comes from the URL).
    static func clientHeaders(_ request: IncomingRequest) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for header in request.headers where header.name.lowercased() != "host" { headers.add(name: header.name, value: header.value) }
        return headers
    }
}

import Foundation
import GatehouseControl
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import HTTPTypes
import NIOHTTP1

/// What a request may send, decided from its head before any of its body is read: invoke URLs
/// get AWS's 10 MB body and 10,240-byte request line and headers, the Runtime API a function
/// response's 6 MB, the control plane its own cap (a 50 MB zip, base64 in JSON, fits).
/// `docs/aws/limits.md` records AWS's answers.
struct RequestAdmission: Sendable {
    /// AWS's quota on an invoke URL's request line and header values together.
    static let maxInvokeHeadBytes = 10_240

    let runtimeAPI: RuntimeAPI
    let maxControlPlaneBodyBytes: Int
    /// Where custom domain names are known.
    let directory: StageDirectory

    /// The answer that refuses `head` at once, or nil when its body may be read. Most heads are
    /// small and declare small bodies: they are let through without working out their destination.
    func refusal(for head: HTTPRequest) -> OutgoingResponse? {
        let headTooLarge = Self.headBytes(head) > Self.maxInvokeHeadBytes
        let declared = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
        guard headTooLarge || declared > Self.smallestBodyLimit else { return nil }
        let path = IncomingRequest.split(head.path ?? "/").path
        let destination = Destination(host: head.authority, rawPath: path, deployed: directory.current)
        if case .gateway = destination, headTooLarge {
            return Self.text(431, "HTTP header is larger than \(Self.maxInvokeHeadBytes) bytes.")
        }
        return declared > maxBodyBytes(destination) ? tooLarge(destination, path: path) : nil
    }

    /// Below this a declared body fits every destination but Gatehouse's own (bodiless) endpoints,
    /// whose reader refuses any body anyway.
    private static let smallestBodyLimit = RuntimeAPI.maxResponseBytes

    /// Most body bytes a request to `destination` may send; a chunked body is cut off there.
    func maxBodyBytes(_ destination: Destination) -> Int {
        switch destination {
        case .gateway, .functionURL: Gateway.maxPayloadBytes
        case .runtimeAPI: RuntimeAPI.maxResponseBytes
        case .gatehouse: 0
        case .controlPlane: maxControlPlaneBodyBytes
        case .connections: APIGatewayManagementAPI.maxDataBytes
        }
    }

    /// The answer to a body over `destination`'s limit, in that plane's words.
    func tooLarge(_ destination: Destination, path: String) -> OutgoingResponse {
        switch destination {
        case .gateway:
            // AWS's own words, in plain text; a REQUEST_TOO_LARGE gateway response does not change them.
            return Self.text(413, "HTTP content length exceeded \(Gateway.maxPayloadBytes) bytes.")
        case .runtimeAPI:
            return runtimeAPI.responseTooLarge(rawPath: path)
        case .connections:
            let error = AWSError("PayloadTooLargeException", status: 413, "Message too long: the limit is \(APIGatewayManagementAPI.maxDataBytes) bytes")
            return Self.withRequestID(ControlPlane.errorResponse(error))
        case .gatehouse, .controlPlane, .functionURL:
            let error = AWSError("RequestEntityTooLargeException", status: 413, "Request must be smaller than \(maxBodyBytes(destination)) bytes.")
            return Self.withRequestID(ControlPlane.errorResponse(error))
        }
    }

    /// The answer to bytes the HTTP parser could not read: headers over the listener's cap, or
    /// not HTTP at all. The path is unknown by then, so one answer serves every plane.
    static func malformed(_ error: HTTPParserError) -> OutgoingResponse {
        if case .headerOverflow = error {
            return ControlPlane.errorResponse(AWSError(
                "RequestHeaderFieldsTooLargeException", status: 431, "Request Header Fields Too Large"))
        }
        return ControlPlane.errorResponse(AWSError("BadRequestException", status: 400, "Bad Request"))
    }

    /// A management API's answer carries its request id, refused or not.
    private static func withRequestID(_ response: OutgoingResponse) -> OutgoingResponse {
        var response = response
        response.headers.append(("x-amzn-RequestId", RequestID.next()))
        return response
    }

    /// A plain-text answer, as API Gateway's front door gives before a request reaches an API.
    private static func text(_ status: Int, _ message: String) -> OutgoingResponse {
        OutgoingResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Data(message.utf8))
    }

    /// The size AWS's quota counts: the request line and every header's name and value.
    static func headBytes(_ head: HTTPRequest) -> Int {
        var size = head.method.rawValue.utf8.count + (head.path?.utf8.count ?? 1) + " HTTP/1.1".utf8.count
        if let authority = head.authority { size += "host".utf8.count + authority.utf8.count }
        for field in head.headerFields { size += field.name.rawName.utf8.count + field.value.utf8.count }
        return size
    }
}

import Foundation

/// An HTTP request as the planes see it, independent of the server framework.
public struct IncomingRequest: Sendable {
    public var method: String
    /// The path exactly as sent, still percent-encoded.
    public var rawPath: String
    /// The query string exactly as sent, without the `?`.
    public var rawQuery: String
    /// Header fields in arrival order; names as sent. `host` is included.
    public var headers: [(name: String, value: String)]
    public var body: Data
    public var remoteAddress: String?

    public init(
        method: String, rawPath: String, rawQuery: String = "", headers: [(name: String, value: String)] = [],
        body: Data = Data(), remoteAddress: String? = nil
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// The query as decoded name/value pairs, in order.
    public var queryItems: [(name: String, value: String)] {
        rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? String(parts[1]) : ""
            return (String(parts[0]).formDecoded, value.formDecoded)
        }
    }
}

/// An HTTP response as the planes produce it.
public struct OutgoingResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// A body sent as it arrives (a large backend answer); when set, `body` is empty.
    public var stream: AsyncThrowingStream<Data, any Error>?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSON, status: Int = 200) -> OutgoingResponse {
        OutgoingResponse(status: status, headers: [("Content-Type", "application/json")], body: value.serialized())
    }
}

extension String {
    /// The rest of the text after `prefix`, or nil when it does not start with it.
    public func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }

    /// Equality ignoring the case of ASCII letters, as HTTP header names compare.
    public func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A) }
    }

    /// Percent-decoded, with `+` read as a space as in HTML forms and AWS query strings.
    var formDecoded: String {
        replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? self
    }
}

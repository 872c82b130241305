/// Which deployed stage a request is for, read from the invoke URL in either form:
/// host `{api-id}.execute-api.{anything}` with path `/{stage}/{path}`, or path
/// `/restapis/{api-id}/{stage}/_user_request_/{path}` on any host (custom domain names:
/// `CustomDomains`).
public struct InvokeTarget: Sendable, Equatable {
    public var apiID: String
    public var stage: String
    /// The resource path below the stage, still percent-encoded, always starting with `/`.
    public var path: String
    /// In the host form, the whole path: HTTP APIs decide from it whether the first segment
    /// names a stage or belongs to the `$default` stage's path.
    public var hostFormPath: String?
    /// Through a custom domain name: the request's whole path, base path included, as
    /// `$context.path` and a proxy event's `path` show it.
    public var domainPath: String?

    public init(apiID: String, stage: String, path: String, hostFormPath: String? = nil, domainPath: String? = nil) {
        self.apiID = apiID
        self.stage = stage
        self.path = path
        self.hostFormPath = hostFormPath
        self.domainPath = domainPath
    }

    public init?(host: String?, rawPath: String) {
        if let host, let apiID = Self.apiID(inHost: host) {
            let (stage, rest) = Self.splitFirst(rawPath)
            self.init(apiID: apiID, stage: stage, path: rest, hostFormPath: rawPath)
            return
        }
        let parts = rawPath.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: false)
        // ["", "restapis", id, stage, "_user_request_/rest"] or without the rest.
        guard parts.count >= 5, parts[1] == "restapis", !parts[2].isEmpty else { return nil }
        let tail = parts[4]
        guard tail == "_user_request_" || tail.hasPrefix("_user_request_/") else { return nil }
        self.init(apiID: String(parts[2]), stage: String(parts[3]), path: "/" + tail.dropFirst("_user_request_/".count))
    }

    private static let marker = Array(".execute-api.".utf8)

    /// `abc123` from `abc123.execute-api.localhost:4566`: the host's first label, if the next is `execute-api`.
    public static func apiID(inHost host: String) -> String? {
        let bytes = host.utf8
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")), dot != bytes.startIndex else { return nil }
        guard bytes[dot...].starts(with: marker) else { return nil }
        return String(host[..<dot])
    }

    private static func splitFirst(_ path: String) -> (String, String) {
        let trimmed = path.drop { $0 == "/" }
        guard let slash = trimmed.firstIndex(of: "/") else { return (String(trimmed), "/") }
        return (String(trimmed[..<slash]), String(trimmed[slash...]))
    }
}

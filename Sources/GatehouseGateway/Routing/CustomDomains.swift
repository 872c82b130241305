import GatehouseModel

/// Custom domain names and their mappings, as the data plane routes by them: a request whose
/// `Host` is a domain name goes to the API and stage of the longest base path (REST base path
/// mappings, v2 API mappings) its path starts with, segment by segment; the root mapping
/// (`(none)`, or an empty key) takes the rest. A mapping without a stage lets the caller name it.
public struct CustomDomains: Sendable {
    /// One mapping: its base path's segments, its API and its stage (nil: the next segment).
    struct Mapping: Sendable {
        let basePath: [Substring]
        let apiID: String
        let stage: String?
    }

    /// Mappings by lowercased domain name, the longest base path first.
    private let domains: [String: [Mapping]]

    public init() { domains = [:] }

    /// `mappings`: each domain name with its mappings' base path (`(none)` or "" for the root),
    /// API id and stage (nil or `(none)` when the caller names it).
    public init(_ mappings: [(domain: String, basePath: String, apiID: String, stage: String?)]) {
        var domains: [String: [Mapping]] = [:]
        for entry in mappings {
            let path = entry.basePath == "(none)" ? "" : entry.basePath
            let stage = entry.stage == "(none)" || entry.stage?.isEmpty == true ? nil : entry.stage
            domains[entry.domain.lowercased(), default: []].append(
                Mapping(basePath: path.split(separator: "/"), apiID: entry.apiID, stage: stage))
        }
        self.domains = domains.mapValues { $0.sorted { $0.basePath.count > $1.basePath.count } }
    }

    public var isEmpty: Bool { domains.isEmpty }

    /// Where a request to `host` (a custom domain name, with or without a port) for `rawPath`
    /// goes; nil when `host` is no custom domain. A path no mapping takes gets a target no stage
    /// answers (AWS's 403 `Forbidden`).
    public func target(host: String?, rawPath: String) -> InvokeTarget? {
        guard !domains.isEmpty, let host, let mappings = domains[String(host.prefix { $0 != ":" }).lowercased()] else { return nil }
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for mapping in mappings where segments.starts(with: mapping.basePath) {
            var rest = segments.dropFirst(mapping.basePath.count)
            let stage: String
            if let mapped = mapping.stage {
                stage = mapped
            } else {
                guard let named = rest.first, !named.isEmpty else { continue }
                stage = String(named)
                rest = rest.dropFirst()
            }
            return InvokeTarget(apiID: mapping.apiID, stage: stage, path: "/" + rest.joined(separator: "/"), domainPath: rawPath)
        }
        return InvokeTarget(apiID: "", stage: "", path: rawPath, domainPath: rawPath)
    }
}

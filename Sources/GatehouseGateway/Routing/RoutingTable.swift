/// The compiled routes of one deployed REST stage: its resources in a `PathTrie`; at the end of
/// the path an exact method beats `ANY`.
public struct RoutingTable: Sendable {
    /// What a request resolved to.
    public struct Match: Sendable {
        public var resource: DeployedResource
        public var method: DeployedMethod
        /// Path parameters by name, percent-decoded.
        public var pathParameters: [String: String]
    }

    private let trie: PathTrie<DeployedResource>

    public init(resources: [DeployedResource]) {
        trie = PathTrie(resources.map { ($0.path, $0) })
    }

    /// The resource and method for `method` and the (still percent-encoded) `path`, or nil.
    public func match(method: String, path: String) -> Match? {
        guard let (resource, parameters) = trie.match(path, accepts: { $0.methods[method] != nil || $0.methods["ANY"] != nil }),
            let deployed = resource.methods[method] ?? resource.methods["ANY"]
        else { return nil }
        return Match(resource: resource, method: deployed, pathParameters: parameters)
    }
}

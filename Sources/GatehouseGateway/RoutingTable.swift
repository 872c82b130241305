import Foundation

/// The compiled routes of one deployed stage: a trie over path segments, stored as one flat
/// array of nodes so a lookup walks contiguous memory.
///
/// At each segment a literal child beats a `{param}` child, which beats a greedy `{proxy+}`;
/// at the end an exact method beats `ANY`. Matching backtracks, so `/a/b` still reaches
/// `/{x}/b` when the literal `/a` has no `b` below it.
public struct RoutingTable: Sendable {
    /// What a request resolved to.
    public struct Match: Sendable {
        public var resource: DeployedResource
        public var method: DeployedMethod
        /// Path parameters by name, percent-decoded.
        public var pathParameters: [String: String]
    }

    struct Node: Sendable {
        var literals: [String: Int] = [:]
        var parameter: (name: String, node: Int)?
        var greedy: (name: String, node: Int)?
        var resource: Int?
    }

    private(set) var nodes: [Node] = [Node()]
    private(set) var resources: [DeployedResource] = []

    public init(resources: [DeployedResource]) {
        for resource in resources { insert(resource) }
    }

    private mutating func insert(_ resource: DeployedResource) {
        var current = 0
        for part in resource.path.split(separator: "/").map(String.init) {
            if part.hasPrefix("{") && part.hasSuffix("+}") {
                let name = String(part.dropFirst().dropLast(2))
                current = child(of: current, existing: nodes[current].greedy?.node) { node, index in node.greedy = (name, index) }
            } else if part.hasPrefix("{") && part.hasSuffix("}") {
                let name = String(part.dropFirst().dropLast())
                current = child(of: current, existing: nodes[current].parameter?.node) { node, index in node.parameter = (name, index) }
            } else {
                current = child(of: current, existing: nodes[current].literals[part]) { node, index in node.literals[part] = index }
            }
        }
        resources.append(resource)
        nodes[current].resource = resources.count - 1
    }

    private mutating func child(of parent: Int, existing: Int?, link: (inout Node, Int) -> Void) -> Int {
        if let existing { return existing }
        nodes.append(Node())
        link(&nodes[parent], nodes.count - 1)
        return nodes.count - 1
    }

    /// The resource and method for `method` and the (still percent-encoded) `path`, or nil.
    public func match(method: String, path: String) -> Match? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var parameters: [String: String] = [:]
        guard let resourceIndex = walk(0, segments[...], method: method, parameters: &parameters) else { return nil }
        let resource = resources[resourceIndex]
        guard let deployed = resource.methods[method] ?? resource.methods["ANY"] else { return nil }
        return Match(resource: resource, method: deployed, pathParameters: parameters)
    }

    private func walk(_ index: Int, _ rest: ArraySlice<Substring>, method: String, parameters: inout [String: String]) -> Int? {
        let node = nodes[index]
        guard let segment = rest.first else {
            if let resource = node.resource, accepts(resource, method) { return resource }
            return nil
        }
        if let next = node.literals[String(decoding(segment))],
            let found = walk(next, rest.dropFirst(), method: method, parameters: &parameters)
        {
            return found
        }
        if let (name, next) = node.parameter {
            let saved = parameters
            parameters[name] = decoding(segment)
            if let found = walk(next, rest.dropFirst(), method: method, parameters: &parameters) { return found }
            parameters = saved
        }
        if let (name, next) = node.greedy, let resource = nodes[next].resource, accepts(resource, method) {
            parameters[name] = rest.map(decoding).joined(separator: "/")
            return resource
        }
        return nil
    }

    private func accepts(_ resource: Int, _ method: String) -> Bool {
        let methods = resources[resource].methods
        return methods[method] != nil || methods["ANY"] != nil
    }

    private func decoding(_ segment: Substring) -> String {
        segment.contains("%") ? (String(segment).removingPercentEncoding ?? String(segment)) : String(segment)
    }
}

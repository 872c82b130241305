import Foundation

/// A trie over path segments (`/pets/{id}/toys`, `/files/{path+}`), stored as one flat array of
/// nodes so a lookup walks contiguous memory. REST resources and HTTP API routes both route
/// through it.
///
/// At each segment a literal child beats a `{param}` child, which beats a greedy `{proxy+}`.
/// Matching backtracks, so `/a/b` still reaches `/{x}/b` when the literal `/a` has no `b` below
/// it, and an endpoint counts only if it `accepts` the request (has its method, say).
struct PathTrie<Endpoint: Sendable>: Sendable {
    struct Node: Sendable {
        var literals: [String: Int] = [:]
        var parameter: (name: String, node: Int)?
        var greedy: (name: String, node: Int)?
        var endpoint: Int?
    }

    private(set) var nodes: [Node] = [Node()]
    private(set) var endpoints: [Endpoint] = []

    init(_ entries: [(path: String, endpoint: Endpoint)]) {
        for entry in entries { insert(entry.path, entry.endpoint) }
    }

    private mutating func insert(_ path: String, _ endpoint: Endpoint) {
        var current = 0
        for part in path.split(separator: "/").map(String.init) {
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
        endpoints.append(endpoint)
        nodes[current].endpoint = endpoints.count - 1
    }

    private mutating func child(of parent: Int, existing: Int?, link: (inout Node, Int) -> Void) -> Int {
        if let existing { return existing }
        nodes.append(Node())
        link(&nodes[parent], nodes.count - 1)
        return nodes.count - 1
    }

    /// The endpoint for the (still percent-encoded) `path` that accepts the request, with the
    /// path parameters percent-decoded; nil when none does.
    func match(_ path: String, accepts: (Endpoint) -> Bool) -> (endpoint: Endpoint, parameters: [String: String])? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var parameters: [String: String] = [:]
        guard let index = walk(0, segments[...], accepts: accepts, parameters: &parameters) else { return nil }
        return (endpoints[index], parameters)
    }

    private func walk(_ index: Int, _ rest: ArraySlice<Substring>, accepts: (Endpoint) -> Bool, parameters: inout [String: String]) -> Int? {
        let node = nodes[index]
        guard let segment = rest.first else {
            if let endpoint = node.endpoint, accepts(endpoints[endpoint]) { return endpoint }
            return nil
        }
        if let next = node.literals[String(decoding(segment))],
            let found = walk(next, rest.dropFirst(), accepts: accepts, parameters: &parameters)
        {
            return found
        }
        if let (name, next) = node.parameter {
            let saved = parameters
            parameters[name] = decoding(segment)
            if let found = walk(next, rest.dropFirst(), accepts: accepts, parameters: &parameters) { return found }
            parameters = saved
        }
        if let (name, next) = node.greedy, let endpoint = nodes[next].endpoint, accepts(endpoints[endpoint]) {
            parameters[name] = rest.map(decoding).joined(separator: "/")
            return endpoint
        }
        return nil
    }

    private func decoding(_ segment: Substring) -> String {
        segment.contains("%") ? (String(segment).removingPercentEncoding ?? String(segment)) : String(segment)
    }
}

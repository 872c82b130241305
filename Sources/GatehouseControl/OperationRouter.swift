import GatehouseModel

/// Finds the operation a rest-json request is for, from the model's URI templates.
///
/// A template such as `/restapis/{restapi_id}/resources/{resource_id}` matches segment by
/// segment; where several match, the one with more literal segments (then more required query
/// literals, as in `/restapis?mode=import`) wins.
struct OperationRouter: Sendable {
    struct Match {
        var operation: String
        var labels: [String: String]
    }

    private enum Segment: Sendable {
        case literal(String)
        case label(String, greedy: Bool)
    }

    private struct Route: Sendable {
        var operation: String
        var method: String
        var segments: [Segment]
        var queryLiterals: [(name: String, value: String?)]
        var literalCount: Int { segments.filter { if case .literal = $0 { true } else { false } }.count }
    }

    private let routes: [Route]

    init(model: ServiceModel) {
        routes = model.operations.map { name, operation in
            let parts = operation.uri.split(separator: "?", maxSplits: 1)
            let segments: [Segment] = parts[0].split(separator: "/").map { part in
                if part.hasPrefix("{") && part.hasSuffix("}") {
                    let inner = part.dropFirst().dropLast()
                    return inner.hasSuffix("+")
                        ? .label(String(inner.dropLast()), greedy: true) : .label(String(inner), greedy: false)
                }
                return .literal(String(part))
            }
            let query: [(name: String, value: String?)] = parts.count > 1
                ? parts[1].split(separator: "&").map { pair in
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    return (String(kv[0]), kv.count > 1 ? String(kv[1]) : nil)
                } : []
            return Route(operation: name, method: operation.method, segments: segments, queryLiterals: query)
        }
        .sorted { ($0.literalCount, $0.queryLiterals.count, $0.operation) > ($1.literalCount, $1.queryLiterals.count, $1.operation) }
    }

    /// The best operation for `method` and `rawPath`, with its URI labels percent-decoded.
    func match(method: String, rawPath: String, query: [(name: String, value: String)]) -> Match? {
        let parts = rawPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for route in routes where route.method == method {
            guard route.queryLiterals.allSatisfy({ literal in
                query.contains { $0.name == literal.name && (literal.value == nil || $0.value == literal.value) }
            }) else { continue }
            if let labels = Self.labels(route.segments, parts) {
                return Match(operation: route.operation, labels: labels)
            }
        }
        return nil
    }

    /// The labels of `segments` matched against the path `parts`, or nil if they do not match.
    private static func labels(_ segments: [Segment], _ parts: [String]) -> [String: String]? {
        var labels: [String: String] = [:]
        var index = 0
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
                index += 1
            case .label(let name, let greedy):
                if greedy && position == segments.count - 1 {
                    guard index < parts.count else { return nil }
                    labels[name] = parts[index...].map { $0.removingPercentEncoding ?? $0 }.joined(separator: "/")
                    index = parts.count
                } else {
                    guard index < parts.count else { return nil }
                    labels[name] = parts[index].removingPercentEncoding ?? parts[index]
                    index += 1
                }
            }
        }
        return index == parts.count ? labels : nil
    }
}

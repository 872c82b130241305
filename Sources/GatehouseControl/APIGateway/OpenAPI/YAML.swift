import Foundation
import GatehouseModel
import Yams

/// OpenAPI documents as YAML: read into `JSON`, written from it (keys in sorted order).
enum YAML {
    /// `text` parsed as YAML (JSON is YAML too), or nil when it is neither.
    static func parse(_ text: String) -> JSON? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        return json(node)
    }

    static func serialize(_ value: JSON) -> String {
        (try? Yams.serialize(node: node(value), sortKeys: true)) ?? ""
    }

    private static func json(_ node: Node) -> JSON {
        switch node {
        case .scalar(let scalar):
            // Quoted scalars stay strings; plain ones take YAML's types.
            guard scalar.style == .plain else { return .string(scalar.string) }
            if let bool = Bool.construct(from: scalar) { return .bool(bool) }
            if let int = Int.construct(from: scalar) { return .number(Double(int)) }
            if let double = Double.construct(from: scalar), !scalar.string.isEmpty, scalar.string.first?.isLetter != true { return .number(double) }
            if ["null", "~", ""].contains(scalar.string) { return .null }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object: [String: JSON] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = json(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .alias:
            return .null
        }
    }

    private static func node(_ value: JSON) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .number(let number):
            let text = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            return Node(text, Tag(.float))
        case .string(let text): return Node(text, Tag(.str), .doubleQuoted)
        case .array(let items): return Node(items.map(node))
        case .object(let members): return Node(members.sorted { $0.key < $1.key }.map { (Node($0.key), node($0.value)) })
        }
    }
}

import Foundation
import GatehouseModel
import Yams

/// OpenAPI documents and templates as YAML: read into `JSON`, written from it (keys in sorted
/// order). CloudFormation's short forms (`!Ref X`, `!GetAtt A.B`, `!Sub …`) are read as the long
/// forms they stand for (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`, `{"Fn::Sub": …}`).
public enum YAML {
    /// `text` parsed as YAML (JSON is YAML too), or nil when it is neither.
    public static func parse(_ text: String) -> JSON? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        return json(node)
    }

    public static func serialize(_ value: JSON) -> String {
        (try? Yams.serialize(node: node(value), sortKeys: true)) ?? ""
    }

    private static func json(_ node: Node) -> JSON {
        let tag = node.tag.description
        if tag.hasPrefix("!"), !tag.hasPrefix("!!") {
            let name = String(tag.dropFirst())
            let value = json(untagged(node))
            switch name {
            case "Ref", "Condition": return [name: value]
            case "GetAtt":
                guard let text = value.stringValue, let dot = text.firstIndex(of: ".") else { return ["Fn::GetAtt": value] }
                return ["Fn::GetAtt": [.string(String(text[..<dot])), .string(String(text[text.index(after: dot)...]))]]
            default: return ["Fn::\(name)": value]
            }
        }
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

    /// The node without its tag, read as plain YAML.
    private static func untagged(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            scalar.tag = Tag(.implicit)
            return .scalar(scalar)
        case .mapping(var mapping):
            mapping.tag = Tag(.implicit)
            return .mapping(mapping)
        case .sequence(var sequence):
            sequence.tag = Tag(.implicit)
            return .sequence(sequence)
        case .alias:
            return node
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

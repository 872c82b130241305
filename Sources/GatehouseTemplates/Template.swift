import Foundation
import GatehouseControl
import GatehouseModel

/// A CloudFormation or SAM template with its parameters and conditions settled: what a stack
/// is made of, before any resource exists.
public struct Template: Sendable {
    public let document: JSON
    /// Where `CodeUri` and `DefinitionUri` paths start.
    public let directory: URL
    public let stackName: String
    public let region: String
    public let account: String
    /// Parameter values: overrides, else defaults.
    let parameters: [String: JSON]
    let conditions: [String: Bool]

    public init(file: URL, stackName: String, overrides: [String: String], region: String, account: String) throws {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw TemplateError("cannot read \(file.path)") }
        guard let document = YAML.parse(text), document["Resources"]?.objectValue != nil else {
            throw TemplateError("\(file.path) is not a template: no Resources")
        }
        self.document = document
        directory = file.deletingLastPathComponent()
        self.stackName = stackName
        self.region = region
        self.account = account
        var parameters: [String: JSON] = [:]
        for (name, declaration) in document["Parameters"]?.objectValue ?? [:] {
            guard let value = overrides[name] ?? declaration["Default"]?.plainText else {
                throw TemplateError("parameter \(name) has no value: pass --parameter-overrides \(name)=…")
            }
            let isList = declaration["Type"]?.stringValue.map { $0 == "CommaDelimitedList" || $0.hasPrefix("List<") } ?? false
            parameters[name] = isList ? .array(value.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) : .string(value)
        }
        self.parameters = parameters
        var conditions: [String: Bool] = [:]
        let empty = Evaluator(template: nil, parameters: parameters, pseudo: [:], conditions: [:], mappings: document["Mappings"] ?? .emptyObject)
        for (name, condition) in document["Conditions"]?.objectValue ?? [:] {
            conditions[name] = try empty.with(pseudo: Self.pseudo(stackName: stackName, region: region, account: account), conditions: conditions)
                .condition(condition)
        }
        self.conditions = conditions
    }

    static func pseudo(stackName: String, region: String, account: String) -> [String: JSON] {
        [
            "AWS::Region": .string(region), "AWS::AccountId": .string(account), "AWS::StackName": .string(stackName),
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::StackId": .string("arn:aws:cloudformation:\(region):\(account):stack/\(stackName)/gatehouse"),
        ]
    }

    /// An evaluator knowing the resources made so far (`refs` and `attributes` by logical id).
    func evaluator(refs: [String: JSON], attributes: [String: [String: JSON]]) -> Evaluator {
        Evaluator(
            template: self, parameters: parameters, pseudo: Self.pseudo(stackName: stackName, region: region, account: account),
            conditions: conditions, mappings: document["Mappings"] ?? .emptyObject, refs: refs, attributes: attributes)
    }

    public func isIncluded(condition: String?) -> Bool {
        guard let condition else { return true }
        return conditions[condition] ?? false
    }
}

/// Evaluates intrinsic functions: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::If`,
/// `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Equals`/`Not`/`And`/`Or`, `Condition`;
/// `AWS::NoValue` removes what holds it.
struct Evaluator {
    let template: Template?
    let parameters: [String: JSON]
    let pseudo: [String: JSON]
    let conditions: [String: Bool]
    let mappings: JSON
    var refs: [String: JSON] = [:]
    var attributes: [String: [String: JSON]] = [:]

    func with(pseudo: [String: JSON], conditions: [String: Bool]) -> Evaluator {
        Evaluator(template: template, parameters: parameters, pseudo: pseudo, conditions: conditions, mappings: mappings, refs: refs, attributes: attributes)
    }

    /// `value` with every intrinsic function replaced by its value.
    func evaluate(_ value: JSON) throws -> JSON {
        try resolve(value) ?? .null
    }

    private func resolve(_ value: JSON) throws -> JSON? {
        switch value {
        case .object(let members):
            if members.count == 1, let (name, argument) = members.first, name == "Ref" || name.hasPrefix("Fn::") || name == "Condition" {
                return try function(name, argument)
            }
            var out: [String: JSON] = [:]
            for (key, member) in members { if let resolved = try resolve(member) { out[key] = resolved } }
            return .object(out)
        case .array(let items):
            return .array(try items.compactMap { try resolve($0) })
        default:
            return value
        }
    }

    private func function(_ name: String, _ argument: JSON) throws -> JSON? {
        switch name {
        case "Ref":
            let target = argument.stringValue ?? ""
            if target == "AWS::NoValue" { return nil }
            if let value = parameters[target] ?? pseudo[target] ?? refs[target] { return value }
            throw TemplateError("Ref to \(target), which is neither a parameter nor a resource made before it")
        case "Fn::GetAtt":
            let parts = argument.arrayValue?.compactMap(\.stringValue) ?? argument.stringValue?.split(separator: ".", maxSplits: 1).map(String.init) ?? []
            guard parts.count == 2 else { throw TemplateError("Fn::GetAtt needs a resource and an attribute: \(argument)") }
            guard let value = attributes[parts[0]]?[parts[1]] else { throw TemplateError("Fn::GetAtt \(parts[0]).\(parts[1]) is not known") }
            return value
        case "Fn::Sub":
            let (text, variables): (String, [String: JSON]) = argument.arrayValue.map { items in
                (items.first?.stringValue ?? "", items.count > 1 ? (items[1].objectValue ?? [:]) : [:])
            } ?? (argument.stringValue ?? "", [:])
            return .string(try substitute(text, variables: try variables.mapValues { try evaluate($0) }))
        case "Fn::Join":
            guard let items = argument.arrayValue, items.count == 2, let separator = items[0].stringValue else { throw TemplateError("bad Fn::Join: \(argument)") }
            let parts = try evaluate(items[1]).arrayValue ?? []
            return .string(parts.map(\.plainText).joined(separator: separator))
        case "Fn::If":
            guard let items = argument.arrayValue, items.count == 3, let condition = items[0].stringValue else { throw TemplateError("bad Fn::If: \(argument)") }
            return try resolve((conditions[condition] ?? false) ? items[1] : items[2])
        case "Fn::Select":
            guard let items = argument.arrayValue, items.count == 2 else { throw TemplateError("bad Fn::Select: \(argument)") }
            let index = Int((try evaluate(items[0])).plainText) ?? 0
            let list = try evaluate(items[1]).arrayValue ?? []
            guard list.indices.contains(index) else { throw TemplateError("Fn::Select index \(index) is out of range") }
            return list[index]
        case "Fn::Split":
            guard let items = argument.arrayValue, items.count == 2, let separator = items[0].stringValue else { throw TemplateError("bad Fn::Split: \(argument)") }
            return .array((try evaluate(items[1])).plainText.components(separatedBy: separator).map(JSON.string))
        case "Fn::FindInMap":
            let keys = try (argument.arrayValue ?? []).map { (try evaluate($0)).plainText }
            guard keys.count == 3, let value = mappings[keys[0]]?[keys[1]]?[keys[2]] else { throw TemplateError("Fn::FindInMap \(keys) is not in Mappings") }
            return value
        case "Fn::Base64":
            return .string(Data((try evaluate(argument)).plainText.utf8).base64EncodedString())
        case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
            return .bool(try condition([name: argument]))
        default:
            throw TemplateError("\(name) is not supported")
        }
    }

    /// A condition's truth.
    func condition(_ value: JSON) throws -> Bool {
        guard let (name, argument) = value.objectValue?.first else { return value.boolValue ?? (value.stringValue == "true") }
        switch name {
        case "Condition": return conditions[argument.stringValue ?? ""] ?? false
        case "Fn::Equals":
            let items = try (argument.arrayValue ?? []).map { (try evaluate($0)).plainText }
            return items.count == 2 && items[0] == items[1]
        case "Fn::Not": return !(try condition(argument.arrayValue?.first ?? .null))
        case "Fn::And": return try (argument.arrayValue ?? []).allSatisfy { try condition($0) }
        case "Fn::Or": return try (argument.arrayValue ?? []).contains { try condition($0) }
        default: return (try evaluate(value)).plainText == "true"
        }
    }

    /// `${Name}`, `${Resource.Attribute}` and `${!Literal}` in `text`.
    private func substitute(_ text: String, variables: [String: JSON]) throws -> String {
        var output = "", rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { output += rest[start.lowerBound...]; return output }
            let name = String(rest[start.upperBound..<end])
            if name.hasPrefix("!") {
                output += "${" + name.dropFirst() + "}"
            } else if let value = variables[name] {
                output += value.plainText
            } else if let dot = name.firstIndex(of: "."), !name.hasPrefix("AWS::") {
                output += (try function("Fn::GetAtt", [.string(String(name[..<dot])), .string(String(name[name.index(after: dot)...]))]) ?? "").plainText
            } else {
                output += (try function("Ref", .string(name)) ?? "").plainText
            }
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }

    /// The logical ids `value` refers to (Ref, GetAtt, names in Sub) among `resources`.
    static func references(in value: JSON, among resources: Set<String>) -> Set<String> {
        switch value {
        case .object(let members):
            var found = Set<String>()
            for (key, member) in members {
                switch key {
                case "Ref": if let name = member.stringValue, resources.contains(name) { found.insert(name) }
                case "Fn::GetAtt":
                    let name = member.arrayValue?.first?.stringValue ?? member.stringValue?.split(separator: ".").first.map(String.init)
                    if let name, resources.contains(name) { found.insert(name) }
                case "Fn::Sub":
                    let text = member.arrayValue?.first?.stringValue ?? member.stringValue ?? ""
                    var rest = Substring(text)
                    while let start = rest.range(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
                        let name = rest[start.upperBound..<end].split(separator: ".").first.map(String.init) ?? ""
                        if resources.contains(name) { found.insert(name) }
                        rest = rest[rest.index(after: end)...]
                    }
                    found.formUnion(references(in: member, among: resources))
                default: found.formUnion(references(in: member, among: resources))
                }
            }
            return found
        case .array(let items):
            return items.reduce(into: Set<String>()) { $0.formUnion(references(in: $1, among: resources)) }
        default:
            return []
        }
    }
}

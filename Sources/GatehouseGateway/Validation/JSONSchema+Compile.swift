import Foundation
import GatehouseModel

extension JSONSchema {
    /// Where a schema lives: a document (`""` for the root, else the URL it was resolved from) and
    /// the decoded JSON pointer tokens inside it. Each location compiles to one node, so every
    /// `$ref` to it, recursive ones included, shares that node.
    struct Location: Hashable {
        var document: String
        var pointer: [String]

        func appending(_ tokens: String...) -> Location {
            Location(document: document, pointer: pointer + tokens)
        }

        var text: String {
            let escaped = pointer.map { $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            return document + "#" + escaped.map { "/" + $0 }.joined()
        }
    }

    /// Turns schema documents into `[Node]`; lives only for the duration of `JSONSchema.init`.
    struct Compiler {
        private let resolve: (String) -> JSON?
        private var documents: [String: JSON]
        private var nodes: [Node?] = []
        private var locations: [Location] = []
        private var indexOf: [Location: Int] = [:]

        init(root: JSON, resolve: @escaping (String) -> JSON?) {
            self.resolve = resolve
            documents = ["": root]
        }

        mutating func compile() throws -> [Node] {
            _ = try schema(documents[""]!, at: Location(document: "", pointer: []))
            let compiled = nodes.map { $0! }
            try Self.rejectLoops(compiled, locations)
            return compiled
        }

        private func error(_ location: Location, _ reason: String) -> SchemaError {
            SchemaError(pointer: location.text, reason: reason)
        }

        /// The node for the schema `json` found at `location`, compiling it on first sight.
        private mutating func schema(_ json: JSON, at location: Location) throws -> Int {
            if let index = indexOf[location] { return index }
            guard case .object(let members) = json else {
                throw error(location, "a schema must be an object, found \(TypeSet(of: json).names[0])")
            }
            let index = nodes.count
            nodes.append(nil)
            locations.append(location)
            indexOf[location] = index

            var node = Node()
            // Unused definitions are compiled too, so a broken one fails at deployment, not later.
            for (name, definition) in try schemaMap(members, "definitions", at: location) {
                _ = try schema(definition, at: location.appending("definitions", name))
            }
            if let reference = members["$ref"] {
                guard case .string(let text) = reference else { throw error(location.appending("$ref"), "must be a string") }
                node.reference = try target(of: text, from: location)
            } else {
                try compileKeywords(members, at: location, into: &node)
            }
            nodes[index] = node
            return index
        }

        /// Resolves `$ref` text: `#/definitions/x` within the current document, or `url#/pointer`
        /// in a document the resolver supplies.
        private mutating func target(of reference: String, from location: Location) throws -> Int {
            let here = location.appending("$ref")
            let hash = reference.firstIndex(of: "#") ?? reference.endIndex
            let url = String(reference[..<hash])
            let fragment = hash < reference.endIndex ? String(reference[reference.index(after: hash)...]) : ""
            let document = url.isEmpty ? location.document : url
            if documents[document] == nil {
                guard let resolved = resolve(url) else { throw error(here, "JSON Reference \"\(reference)\" cannot be resolved") }
                documents[document] = resolved
            }
            guard let decoded = fragment.removingPercentEncoding, decoded.isEmpty || decoded.hasPrefix("/") else {
                throw error(here, "JSON Reference \"\(reference)\" is not a JSON pointer")
            }
            let tokens = decoded.isEmpty ? [] : decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            }
            var json = documents[document]!
            for token in tokens {
                switch json {
                case .object(let members) where members[token] != nil: json = members[token]!
                case .array(let elements) where Int(token).map(elements.indices.contains) == true: json = elements[Int(token)!]
                default: throw error(here, "JSON Reference \"\(reference)\" cannot be resolved")
                }
            }
            return try schema(json, at: Location(document: document, pointer: tokens))
        }

        // Kept in fge's keyword order, which is the order their violations are reported in.
        private mutating func compileKeywords(_ members: [String: JSON], at location: Location, into node: inout Node) throws {
            for (name, subschema) in try schemaMap(members, "properties", at: location) {
                node.properties[name] = try schema(subschema, at: location.appending("properties", name))
            }
            for (source, subschema) in try schemaMap(members, "patternProperties", at: location) {
                let pattern = try regex(source, at: location.appending("patternProperties", source))
                let index = try schema(subschema, at: location.appending("patternProperties", source))
                node.patternProperties.append(PatternSchema(pattern: pattern, schema: index))
            }
            switch members["items"] {
            case nil: break
            case .object(let items)?: node.items = .all(try schema(.object(items), at: location.appending("items")))
            case .array(let items)?:
                node.items = .tuple(try items.indices.map { try schema(items[$0], at: location.appending("items", String($0))) })
            default: throw error(location.appending("items"), "must be a schema or an array of schemas")
            }

            var keywords: [Keyword] = []
            switch members["additionalItems"] {
            case nil, .bool(true)?: break
            case .bool(false)?: if case .tuple(let tuple) = node.items { keywords.append(.additionalItems(allowed: tuple.count)) }
            case .object(let schema)?: node.additionalItems = try self.schema(.object(schema), at: location.appending("additionalItems"))
            default: throw error(location.appending("additionalItems"), "must be a boolean or a schema")
            }
            switch members["additionalProperties"] {
            case nil, .bool(true)?: break
            case .bool(false)?:
                keywords.append(.additionalProperties(known: Set(node.properties.keys), patterns: node.patternProperties.map(\.pattern)))
            case .object(let schema)?:
                node.additionalProperties = try self.schema(.object(schema), at: location.appending("additionalProperties"))
            default: throw error(location.appending("additionalProperties"), "must be a boolean or a schema")
            }
            if let schemas = try schemaList(members, "allOf", at: location) { keywords.append(.allOf(schemas)) }
            if let schemas = try schemaList(members, "anyOf", at: location) { keywords.append(.anyOf(schemas)) }
            if let dependencies = try dependencies(members, at: location) { keywords.append(dependencies) }
            if let values = members["enum"] {
                guard case .array(let values) = values, !values.isEmpty else {
                    throw error(location.appending("enum"), "must be a non-empty array")
                }
                keywords.append(.enumeration(values))
            }
            if let count = try count(members, "maxItems", at: location) { keywords.append(.maxItems(count)) }
            if let count = try count(members, "maxLength", at: location) { keywords.append(.maxLength(count)) }
            if let count = try count(members, "maxProperties", at: location) { keywords.append(.maxProperties(count)) }
            if let maximum = try number(members, "maximum", at: location) {
                keywords.append(.maximum(maximum, exclusive: try flag(members, "exclusiveMaximum", at: location) ?? false))
            }
            if let count = try count(members, "minItems", at: location) { keywords.append(.minItems(count)) }
            if let count = try count(members, "minLength", at: location) { keywords.append(.minLength(count)) }
            if let count = try count(members, "minProperties", at: location) { keywords.append(.minProperties(count)) }
            if let minimum = try number(members, "minimum", at: location) {
                keywords.append(.minimum(minimum, exclusive: try flag(members, "exclusiveMinimum", at: location) ?? false))
            }
            if let divisor = try number(members, "multipleOf", at: location) {
                guard divisor > 0 else { throw error(location.appending("multipleOf"), "must be greater than 0") }
                keywords.append(.multipleOf(divisor))
            }
            if let not = members["not"] { keywords.append(.not(try schema(not, at: location.appending("not")))) }
            if let schemas = try schemaList(members, "oneOf", at: location) { keywords.append(.oneOf(schemas)) }
            if let pattern = members["pattern"] {
                guard case .string(let source) = pattern else { throw error(location.appending("pattern"), "must be a string") }
                keywords.append(.pattern(try regex(source, at: location.appending("pattern"))))
            }
            if let names = try strings(members, "required", at: location) { keywords.append(.required(names)) }
            if let types = try types(members, at: location) { keywords.append(.type(types)) }
            if try flag(members, "uniqueItems", at: location) == true { keywords.append(.uniqueItems) }
            switch members["format"] {
            case nil: break
            // fge warns about a format it does not know and validates nothing.
            case .string(let name)?: if let format = Format(rawValue: name) { keywords.append(.format(format)) }
            default: throw error(location.appending("format"), "must be a string")
            }
            node.keywords = keywords
        }

        private mutating func dependencies(_ members: [String: JSON], at location: Location) throws -> Keyword? {
            guard let value = members["dependencies"] else { return nil }
            guard case .object(let entries) = value else { throw error(location.appending("dependencies"), "must be an object") }
            var properties: [(name: String, requires: [String])] = []
            var schemas: [(name: String, schema: Int)] = []
            for name in entries.keys.sorted(by: JSONSchema.javaOrder) {
                let here = location.appending("dependencies", name)
                switch entries[name]! {
                case .object(let schema): schemas.append((name, try self.schema(.object(schema), at: here)))
                case .array(let names):
                    properties.append((name, try names.map {
                        guard case .string(let name) = $0 else { throw error(here, "must be a schema or an array of strings") }
                        return name
                    }))
                default: throw error(here, "must be a schema or an array of strings")
                }
            }
            return .dependencies(properties: properties, schemas: schemas)
        }

        private func types(_ members: [String: JSON], at location: Location) throws -> TypeSet? {
            let here = location.appending("type")
            let names: [JSON]
            switch members["type"] {
            case nil: return nil
            case .string(let name)?: names = [.string(name)]
            case .array(let list)? where !list.isEmpty: names = list
            default: throw error(here, "must be a type name or a non-empty array of type names")
            }
            var types: TypeSet = []
            for name in names {
                guard case .string(let name) = name, let type = TypeSet.named.first(where: { $0.name == name })?.type else {
                    throw error(here, "unknown type \(name.serializedString)")
                }
                types.insert(type)
            }
            // fge allows integers wherever numbers are allowed, and says so in its messages.
            if types.contains(.number) { types.insert(.integer) }
            return types
        }

        // MARK: Reading keyword values

        /// Entries of an object of schemas (`properties`, `definitions`), sorted for a stable node order.
        private func schemaMap(_ members: [String: JSON], _ keyword: String, at location: Location) throws -> [(String, JSON)] {
            guard let value = members[keyword] else { return [] }
            guard case .object(let entries) = value else { throw error(location.appending(keyword), "must be an object of schemas") }
            return entries.keys.sorted(by: JSONSchema.javaOrder).map { ($0, entries[$0]!) }
        }

        private mutating func schemaList(_ members: [String: JSON], _ keyword: String, at location: Location) throws -> [Int]? {
            guard let value = members[keyword] else { return nil }
            guard case .array(let list) = value, !list.isEmpty else {
                throw error(location.appending(keyword), "must be a non-empty array of schemas")
            }
            return try list.indices.map { try schema(list[$0], at: location.appending(keyword, String($0))) }
        }

        private func strings(_ members: [String: JSON], _ keyword: String, at location: Location) throws -> [String]? {
            guard let value = members[keyword] else { return nil }
            guard case .array(let list) = value else { throw error(location.appending(keyword), "must be an array of strings") }
            return try list.map {
                guard case .string(let text) = $0 else { throw error(location.appending(keyword), "must be an array of strings") }
                return text
            }
        }

        private func count(_ members: [String: JSON], _ keyword: String, at location: Location) throws -> Int? {
            guard let value = members[keyword] else { return nil }
            guard let count = value.intValue, count >= 0 else { throw error(location.appending(keyword), "must be a non-negative integer") }
            return count
        }

        private func number(_ members: [String: JSON], _ keyword: String, at location: Location) throws -> Double? {
            guard let value = members[keyword] else { return nil }
            guard case .number(let number) = value else { throw error(location.appending(keyword), "must be a number") }
            return number
        }

        private func flag(_ members: [String: JSON], _ keyword: String, at location: Location) throws -> Bool? {
            guard let value = members[keyword] else { return nil }
            guard case .bool(let flag) = value else { throw error(location.appending(keyword), "must be a boolean") }
            return flag
        }

        private func regex(_ source: String, at location: Location) throws -> Pattern {
            do { return try Pattern(source) } catch { throw self.error(location, "\"\(source)\" is not a valid regular expression") }
        }

        // MARK: Loops

        /// Rejects a cycle of `$ref`, `allOf`, `anyOf`, `oneOf`, `not` or schema `dependencies`:
        /// those apply another schema to the same instance, so such a cycle would never end.
        /// (A cycle through `properties` or `items` is fine: it moves deeper into the instance.)
        static func rejectLoops(_ nodes: [Node], _ locations: [Location]) throws {
            enum Mark { case unvisited, onPath, done }
            var marks = [Mark](repeating: .unvisited, count: nodes.count)
            var path: [Int] = []

            func sameInstanceTargets(_ node: Node) -> [Int] {
                if let reference = node.reference { return [reference] }
                return node.keywords.flatMap { keyword -> [Int] in
                    switch keyword {
                    case .allOf(let schemas), .anyOf(let schemas), .oneOf(let schemas): return schemas
                    case .not(let schema): return [schema]
                    case .dependencies(_, let schemas): return schemas.map(\.schema)
                    default: return []
                    }
                }
            }

            func visit(_ index: Int) throws {
                switch marks[index] {
                case .done: return
                case .onPath:
                    let cycle = path[path.lastIndex(of: index)!...] + [index]
                    if cycle.dropLast().allSatisfy({ nodes[$0].reference != nil }) {
                        throw SchemaError(pointer: locations[index].text, reason: "JSON Reference loops on itself")
                    }
                    throw SchemaError(
                        pointer: locations[index].text,
                        reason: "validation loop: " + cycle.map { locations[$0].text }.joined(separator: " -> ")
                            + " applies schemas to the same instance forever")
                case .unvisited:
                    marks[index] = .onPath
                    path.append(index)
                    for target in sameInstanceTargets(nodes[index]) { try visit(target) }
                    path.removeLast()
                    marks[index] = .done
                }
            }
            for index in nodes.indices { try visit(index) }
        }
    }

    /// Java's `String` order (UTF-16 code units), the order fge sorts member names in.
    static func javaOrder(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }
}

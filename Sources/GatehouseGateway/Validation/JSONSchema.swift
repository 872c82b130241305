import Foundation
import GatehouseModel

/// A JSON Schema draft-04 validator: the dialect of API Gateway models, used for request
/// validation of bodies.
///
/// A schema is compiled once per deployment — `$ref`s resolved, regular expressions built, and
/// each schema's keywords put in the order AWS's validator (the Java fge json-schema-validator)
/// checks them — into one flat array of nodes that point at each other by index, so recursive
/// models cost nothing extra. `validate(_:)` walks that array. A valid instance allocates nothing
/// beyond what `NSRegularExpression` does for `pattern`; only an invalid one builds messages,
/// worded like the ones API Gateway logs (`object has missing required properties (["name"])`).
///
/// Immutable and `Sendable`: compile once, share across concurrent requests.
public struct JSONSchema: Sendable {
    /// Why a schema did not compile; `pointer` says where, as a JSON pointer (`#/properties/price`).
    public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
        public var pointer: String
        public var reason: String

        public var description: String { "invalid JSON schema at \(pointer): \(reason)" }
    }

    /// The compiled schemas; the root is node 0.
    let nodes: [Node]

    /// Compiles `schema`. A `$ref` to another document — API Gateway models refer to each other as
    /// `https://apigateway.amazonaws.com/restapis/{api_id}/models/{model_name}` — is looked up
    /// once through `resolve`, which receives the URL without its `#fragment`.
    ///
    /// Throws `SchemaError` for a schema that is not an object, a keyword of the wrong type, a
    /// `pattern` that is not a regular expression, a `$ref` that leads nowhere, or a loop of
    /// `$ref`/`allOf`/`anyOf`/`oneOf`/`not` that would never reach a deeper part of the instance.
    public init(_ schema: JSON, resolve: (String) -> JSON? = { _ in nil }) throws {
        nodes = try withoutActuallyEscaping(resolve) { resolve in
            var compiler = Compiler(root: schema, resolve: resolve)
            return try compiler.compile()
        }
    }

    /// The violations of `instance`, empty when it is valid. Like AWS, the list stops at the first
    /// level that fails: members and elements are not looked at once something is wrong.
    public func validate(_ instance: JSON) -> [String] {
        // The common case, a valid instance, takes the cheap pass that builds no message.
        if isValid(instance) { return [] }
        var report = Report(collecting: true)
        apply(0, to: instance, &report)
        return report.messages
    }

    /// Whether `instance` is valid; stops at the first violation and builds no message.
    public func isValid(_ instance: JSON) -> Bool {
        var report = Report(collecting: false)
        apply(0, to: instance, &report)
        return !report.failed
    }
}

extension JSONSchema {
    /// One compiled schema object.
    struct Node: Sendable {
        /// Set for `{"$ref": …}`: the node stands for its target, and in draft-04 every other
        /// keyword beside a `$ref` is ignored.
        var reference: Int?
        /// Checks on the instance itself, in fge's order: keyword names sorted, `format` last.
        var keywords: [Keyword] = []
        var properties: [String: Int] = [:]
        /// Sorted by pattern, as fge tries them.
        var patternProperties: [PatternSchema] = []
        /// The schema for members that no `properties` or `patternProperties` entry claims.
        var additionalProperties: Int?
        var items: Items = .absent
        /// The schema for elements past a tuple `items`, or for every element when `items` is
        /// absent (fge's reading; most validators ignore `additionalItems` without `items`).
        var additionalItems: Int?

        var hasMemberSchemas: Bool {
            !properties.isEmpty || !patternProperties.isEmpty || additionalProperties != nil
        }

        var hasElementSchemas: Bool {
            if case .absent = items { return additionalItems != nil }
            return true
        }
    }

    enum Items: Sendable {
        case absent
        case all(Int)
        case tuple([Int])
    }

    struct PatternSchema: Sendable {
        var pattern: Pattern
        var schema: Int
    }

    /// A check on one instance, declared in the order fge runs them.
    enum Keyword: Sendable {
        /// `additionalItems: false` beside a tuple `items` of `allowed` schemas.
        case additionalItems(allowed: Int)
        /// `additionalProperties: false`: members must be named in `properties` or match a pattern.
        case additionalProperties(known: Set<String>, patterns: [Pattern])
        case allOf([Int])
        case anyOf([Int])
        case dependencies(properties: [(name: String, requires: [String])], schemas: [(name: String, schema: Int)])
        case enumeration([JSON])
        case maxItems(Int)
        case maxLength(Int)
        case maxProperties(Int)
        case maximum(Double, exclusive: Bool)
        case minItems(Int)
        case minLength(Int)
        case minProperties(Int)
        case minimum(Double, exclusive: Bool)
        case multipleOf(Double)
        case not(Int)
        case oneOf([Int])
        case pattern(Pattern)
        case required([String])
        case type(TypeSet)
        case uniqueItems
        case format(Format)
    }

    /// The primitive types of draft-04; `integer` is a number with no fractional part.
    struct TypeSet: OptionSet, Sendable {
        var rawValue: UInt8

        static let array = TypeSet(rawValue: 1 << 0)
        static let boolean = TypeSet(rawValue: 1 << 1)
        static let integer = TypeSet(rawValue: 1 << 2)
        static let null = TypeSet(rawValue: 1 << 3)
        static let number = TypeSet(rawValue: 1 << 4)
        static let object = TypeSet(rawValue: 1 << 5)
        static let string = TypeSet(rawValue: 1 << 6)

        /// In fge's order, which messages list them in.
        static let named: [(name: String, type: TypeSet)] = [
            ("array", .array), ("boolean", .boolean), ("integer", .integer), ("null", .null),
            ("number", .number), ("object", .object), ("string", .string),
        ]

        init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The one type of `instance`.
        init(of instance: JSON) {
            switch instance {
            case .null: self = .null
            case .bool: self = .boolean
            case .number(let value): self = value.isFinite && value.rounded(.towardZero) == value ? .integer : .number
            case .string: self = .string
            case .array: self = .array
            case .object: self = .object
            }
        }

        var names: [String] { Self.named.filter { contains($0.type) }.map(\.name) }
    }

    /// A compiled `pattern`: ICU standing in for ECMA 262, searched unanchored as the spec says.
    struct Pattern: @unchecked Sendable {
        // @unchecked: NSRegularExpression is immutable and documented as safe to share across threads.
        let source: String
        let regex: NSRegularExpression

        init(_ source: String) throws {
            self.source = source
            regex = try NSRegularExpression(pattern: source)
        }

        func matches(_ text: String) -> Bool {
            regex.rangeOfFirstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)).location != NSNotFound
        }
    }
}

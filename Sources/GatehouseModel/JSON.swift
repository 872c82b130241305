import Foundation

/// A JSON value. Resources of the management APIs are stored and exchanged in this form, shaped
/// exactly like AWS's wire JSON, so the botocore model can validate and encode them generically.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
}

extension JSON {
    public subscript(key: String) -> JSON? {
        get {
            if case .object(let members) = self { return members[key] }
            return nil
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        if case .number(let value) = self, let int = Int(exactly: value) { return int }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var objectValue: [String: JSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// This object with `key` set to `value`.
    public func replacing(_ key: String, with value: JSON) -> JSON {
        var copy = self
        copy[key] = value
        return copy
    }

    /// This value with `other`'s members laid over it, objects merged member by member.
    public func overlaid(with other: JSON) -> JSON {
        guard case .object(var members) = self, case .object(let overlay) = other else { return other }
        for (key, value) in overlay { members[key] = members[key]?.overlaid(with: value) ?? value }
        return .object(members)
    }

    /// An empty object, the usual starting point for building a resource.
    public static let emptyObject = JSON.object([:])
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSON: JSONBuildable {
    public static var jsonNull: JSON { .null }
    public init(jsonBool: Bool) { self = .bool(jsonBool) }
    public init(jsonNumber: Double, integral: Bool) { self = .number(jsonNumber) }
    public init(jsonString: String) { self = .string(jsonString) }
    public init(jsonArray: [JSON]) { self = .array(jsonArray) }
    public init(jsonObject: [(key: String, value: JSON)]) {
        var members = [String: JSON](minimumCapacity: jsonObject.count)
        for (key, value) in jsonObject { members[key] = value }
        self = .object(members)
    }
}

extension JSON: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Integral values go out as integers: AWS sends `200`, never `200.0`.
            if let int = Int64(exactly: value) { try container.encode(int) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }
}

extension JSON {
    /// Parses UTF-8 JSON text; throws on anything that is not exactly one JSON value.
    public init(parsing data: Data) throws {
        self = try JSONParser<JSON>.parse(data)
    }

    /// Serializes to compact JSON text with sorted keys (stable output for storage and tests).
    public func serialized() -> Data { JSONWriter.write(self) }

    public var serializedString: String { String(decoding: serialized(), as: UTF8.self) }

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String { JSON.string(text).serializedString }
}

extension JSON {
    /// A scalar as text: a string as it is, a whole number without a fraction (`1`, not `1.0`),
    /// a boolean as `true`/`false`; anything else as JSON.
    public var plainText: String {
        switch self {
        case .string(let text): text
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: String(decoding: serialized(), as: UTF8.self)
        }
    }
}

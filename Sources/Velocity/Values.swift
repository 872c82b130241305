/// A value a template reads, computes or renders.
///
/// The cases mirror what Velocity sees of Java objects: `null`, booleans, integral numbers
/// (Java `Integer`/`Long`, held as `Int64`), floating numbers, strings, lists and maps.
/// Anything else — `$input`, `$util`, `$context` in API Gateway — is a host ``VelocityObject``.
///
/// Lists and maps are Swift values, not Java references: `$list.add(1)` writes the new list back
/// to the variable it was read from, but `#set($b = $a)` copies, so a later `$b.add(1)` leaves
/// `$a` alone.
public enum VelocityValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([VelocityValue])
    case map(VelocityMap)
    case object(any VelocityObject)

    /// Whether `#if($x)` takes a reference holding this value as true: Velocity 1.7 semantics,
    /// where only `null` and `false` are false (an empty string or list is true).
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        default: true
        }
    }

    /// Whether this is `null`, the value of an unset reference.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The text Velocity renders for the value: Java's `toString()`.
    ///
    /// `null` renders as the empty string here; the renderer prints the reference's own source
    /// text instead, as Velocity does.
    public var renderedText: String {
        switch self {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): VelocityValue.javaText(value)
        case .string(let value): value
        case .list(let values): "[" + values.map(\.renderedText).joined(separator: ", ") + "]"
        case .map(let map): "{" + map.entries.map { "\($0.key)=\($0.value.renderedText)" }.joined(separator: ", ") + "}"
        case .object(let object): object.renderedText
        }
    }

    /// Java's `Double.toString`: plain decimals from 10⁻³ up to 10⁷ (integral values keep a
    /// `.0`), computerized scientific notation such as `1.0E20` or `1.5E-5` outside that range.
    static func javaText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let magnitude = value.magnitude
        // Swift's shortest representation is already Java's in this range, `-0.0` included.
        if magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e7) { return "\(value)" }
        let (digits, exponent) = decimalDigits(of: magnitude)
        let fraction = digits.count > 1 ? String(digits.dropFirst()) : "0"
        return "\(value < 0 ? "-" : "")\(digits.prefix(1)).\(fraction)E\(exponent)"
    }

    /// The significant digits of Swift's shortest representation of a positive `value`, and the
    /// power of ten of the first one: 12345678.9 → ("123456789", 7).
    private static func decimalDigits(of value: Double) -> (digits: String, exponent: Int) {
        let text = "\(value)"
        let parts = text.split(separator: "e")
        let mantissa = parts[0]
        let integral = mantissa.prefix { $0 != "." }
        let fraction = mantissa.drop { $0 != "." }.dropFirst()
        var exponent = parts.count == 2 ? Int(parts[1])! : 0
        var digits = Substring(integral + fraction)
        let leadingZeros = digits.prefix { $0 == "0" }.count
        digits = digits.dropFirst(leadingZeros)
        exponent += integral.count - 1 - leadingZeros
        while digits.count > 1, digits.last == "0" { digits = digits.dropLast() }
        return (String(digits), exponent)
    }
}

extension VelocityValue: Equatable {
    /// Value equality; numbers compare by value across `int` and `double`, host objects by
    /// their rendered text (which is what Velocity falls back to for unrelated classes).
    public static func == (lhs: VelocityValue, rhs: VelocityValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.int(let a), .double(let b)): Double(a) == b
        case (.double(let a), .int(let b)): a == Double(b)
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a == b
        case (.object(let a), .object(let b)): a.renderedText == b.renderedText
        default: false
        }
    }
}

extension VelocityValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: VelocityValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, VelocityValue)...) {
        var map = VelocityMap()
        for (key, value) in elements { map[key] = value }
        self = .map(map)
    }
}

/// A string-keyed map that remembers insertion order, like the `LinkedHashMap` Velocity builds
/// for `{"a": 1}` literals. Keys of other types are stored by their rendered text.
public struct VelocityMap: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: VelocityValue] = [:]

    public init() {}

    public init(_ entries: [(String, VelocityValue)]) {
        for (key, value) in entries { self[key] = value }
    }

    /// The value under `key`; assigning `nil` removes the key.
    public subscript(key: String) -> VelocityValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var values: [VelocityValue] { keys.map { storage[$0]! } }
    public var entries: [(key: String, value: VelocityValue)] { keys.map { ($0, storage[$0]!) } }

    public static func == (lhs: VelocityMap, rhs: VelocityMap) -> Bool {
        lhs.keys == rhs.keys && lhs.storage == rhs.storage
    }
}

/// A host object a template can read properties of and call methods on.
///
/// This is how an embedder exposes behaviour — API Gateway's `$input.params('name')`,
/// `$util.escapeJavaScript(...)`, `$context.requestId` — without the engine knowing about it.
/// Return `nil` for a name the object does not have: the reference then renders literally,
/// as Velocity does for a method it cannot find.
public protocol VelocityObject: Sendable {
    /// `$object.name`; the default answers `nil` (no such property).
    func property(_ name: String) throws -> VelocityValue?
    /// `$object.name(arguments…)`; the default answers `nil` (no such method).
    func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue?
    /// `#set($object.name = value)`: whether the object took the value; the default refuses.
    /// An object that takes values is a reference its embedder reads back after rendering.
    func setProperty(_ name: String, to value: VelocityValue) -> Bool
    /// What `#foreach` iterates over; the default answers `nil` (not iterable).
    var elements: [VelocityValue]? { get }
    /// The text `$object` renders as; the default is the type's name.
    var renderedText: String { get }
}

extension VelocityObject {
    public func property(_ name: String) throws -> VelocityValue? { nil }
    public func setProperty(_ name: String, to value: VelocityValue) -> Bool { false }
    public func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue? { nil }
    public var elements: [VelocityValue]? { nil }
    public var renderedText: String { String(describing: type(of: self)) }
}

import Foundation
import GatehouseModel

/// One of the `patchOperations` that every API Gateway `Update*` call carries.
public struct PatchOperation: Sendable, Equatable {
    public enum Op: String, Sendable { case add, remove, replace, move, copy, test }
    public var op: Op
    /// A JSON-pointer-like path; `~1` stands for `/` and `~0` for `~` inside a segment.
    public var path: String
    public var value: String?
    public var from: String?

    public init(op: Op, path: String, value: String? = nil, from: String? = nil) {
        self.op = op
        self.path = path
        self.value = value
        self.from = from
    }

    /// Decodes the `patchOperations` member of an update input.
    public static func list(from input: JSON) throws(AWSError) -> [PatchOperation] {
        try (input["patchOperations"]?.arrayValue ?? []).map { (item: JSON) throws(AWSError) -> PatchOperation in
            let opName = item["op"]?.stringValue ?? ""
            guard let op = Op(rawValue: opName) else {
                throw .badRequest("Invalid patch operation specified. Must be one of: [add, remove, move, test, replace, copy]")
            }
            guard let path = item["path"]?.stringValue, path.hasPrefix("/") else {
                throw .badRequest("Invalid patch path '\(item["path"]?.stringValue ?? "null")' specified for op '\(opName)'. Must be a valid patch path.")
            }
            return PatchOperation(op: op, path: path, value: item["value"]?.stringValue, from: item["from"]?.stringValue)
        }
    }

    /// The path's segments with `~1` and `~0` unescaped.
    public var segments: [String] { Self.segments(of: path) }

    static func segments(of path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }
}

/// Applies patch operations to a stored resource the way API Gateway does: paths name members of
/// the resource's model shape, string values are converted to the member's type, `add` on a list
/// appends (`/binaryMediaTypes/image~1png` adds `image/png`), `remove` drops a key or list element.
public struct Patcher: Sendable {
    public var model: ServiceModel
    /// The model shape of the resource being patched, e.g. `Stage`.
    public var shapeName: String
    /// Top-level members a patch may touch; nil allows every member of the shape.
    public var patchable: Set<String>?
    /// Members that take only `replace`.
    public var replaceOnly: Set<String> = []
    /// AWS's answer to a path the resource does not support; its wording differs by resource.
    public var invalidPath: @Sendable (PatchOperation) -> AWSError = { .badRequest("Invalid patch path \($0.path)") }
    /// AWS's answer to `add` or `remove` on a member that takes only `replace`.
    public var replaceOnlyError: @Sendable (PatchOperation) -> AWSError = { _ in
        .badRequest("Invalid patch operation specified. Must be one of: [replace]")
    }

    public init(model: ServiceModel, shapeName: String, patchable: Set<String>? = nil) {
        self.model = model
        self.shapeName = shapeName
        self.patchable = patchable
    }

    /// The wording Resource, Model and RequestValidator use: the supported paths are listed.
    public static func listingPaths(_ paths: [String]) -> @Sendable (PatchOperation) -> AWSError {
        { operation in
            .badRequest("Invalid patch path  '\(operation.path)' specified for op '\(operation.op.rawValue)'. Must be one of: [\(paths.joined(separator: ", "))]")
        }
    }

    /// The same resources' answer to an operation a supported path does not take.
    public static let unsupportedOperation: @Sendable (PatchOperation) -> AWSError = { operation in
        .badRequest("Invalid patch path  '\(operation.path)' specified for op '\(operation.op.rawValue)'. Please choose supported operations")
    }

    public func apply(_ operations: [PatchOperation], to document: JSON) throws(AWSError) -> JSON {
        var result = document
        for operation in operations {
            result = try apply(operation, to: result)
        }
        return result
    }

    private func apply(_ operation: PatchOperation, to document: JSON) throws(AWSError) -> JSON {
        let segments = operation.segments
        guard let first = segments.first, !first.isEmpty,
            model[shape: shapeName]?.members?[first] != nil, patchable?.contains(first) ?? true
        else {
            throw invalidPath(operation)
        }
        if replaceOnly.contains(first), operation.op != .replace { throw replaceOnlyError(operation) }
        switch operation.op {
        case .test:
            return document
        case .copy, .move:
            guard let from = operation.from else {
                throw .badRequest("Invalid patch operation specified. 'from' is required for op '\(operation.op.rawValue)'.")
            }
            let fromSegments = PatchOperation.segments(of: from)
            guard let value = Self.value(at: fromSegments[...], in: document) else {
                throw .badRequest("Invalid patch path '\(from)' specified for op '\(operation.op.rawValue)'. Path does not exist.")
            }
            var result = try set(value, at: segments, in: document, operation: operation)
            if operation.op == .move { result = Self.removing(fromSegments[...], in: result) }
            return result
        case .remove:
            // A map emptied by its last `remove` disappears, as on AWS.
            var result = try remove(segments, in: document, operation: operation)
            if segments.count > 1, result[first]?.objectValue?.isEmpty == true { result[first] = nil }
            return result
        case .replace where segments.count == 2 && Int(segments[1]) == nil:
            // `replace /binaryMediaTypes/image~1png` with a value swaps that element for the value, at the end.
            if case .array(let items)? = document[first], let value = operation.value {
                var result = document
                result[first] = .array(items.filter { $0 != .string(segments[1]) } + [.string(value)])
                return result
            }
            return try set(try typedValue(operation, segments: segments), at: segments, in: document, operation: operation)
        case .add, .replace:
            let target = try typedValue(operation, segments: segments)
            return try set(target, at: segments, in: document, operation: operation)
        }
    }

    /// The operation's string value converted to the type of the member its path names.
    private func typedValue(_ operation: PatchOperation, segments: [String]) throws(AWSError) -> JSON {
        let shape = shapeAt(segments)
        let text = operation.value
        guard let text else { return .null }
        // An empty value clears a number, as AWS does (`replace /minimumCompressionSize` with "").
        if text.isEmpty, ["integer", "long", "double", "float"].contains(shape?.type ?? "") { return .null }
        switch shape?.type {
        case "boolean":
            guard let flag = Bool(text.lowercased()) else { throw invalidValue(operation, "boolean") }
            return .bool(flag)
        case "integer", "long":
            guard let number = Int(text) else { throw invalidValue(operation, "integer") }
            return .number(Double(number))
        case "double", "float":
            guard let number = Double(text) else { throw invalidValue(operation, "number") }
            return .number(number)
        case "list", "structure", "map":
            if let parsed = try? JSON(parsing: Data(text.utf8)) { return parsed }
            return .string(text)
        default:
            try checkLength(text, operation, segments: segments, shape: shape)
            return .string(text)
        }
    }

    /// A string value within `StringLimits`, under its top-level member's caps (a map entry's
    /// key, as in `/variables/NAME`, too).
    private func checkLength(_ text: String, _ operation: PatchOperation, segments: [String], shape: ServiceModel.Shape?) throws(AWSError) {
        let member = segments.first ?? ""
        var violation = StringLimits.violation(text, member: member, shape: shape)
        if segments.count > 1, let map = shapeAt(Array(segments.dropLast())), map.type == "map" {
            violation = violation ?? StringLimits.violation(segments.last!, mapKeyOf: member, shape: map.key.flatMap { model[shape: $0] })
        }
        if let violation {
            throw .badRequest("Invalid value specified for op '\(operation.op.rawValue)' at path '\(operation.path)': \(violation.constraint)")
        }
    }

    /// The model shape at `segments`, walking structures by member, maps by value, lists by element.
    private func shapeAt(_ segments: [String]) -> ServiceModel.Shape? {
        var shape = model[shape: shapeName]
        for segment in segments {
            guard let current = shape else { return nil }
            switch current.type {
            case "structure": shape = current.members?[segment].flatMap { model[shape: $0.shape] }
            case "map": shape = current.value.flatMap { model[shape: $0] }
            case "list": shape = current.member.flatMap { model[shape: $0] }
            default: return nil
            }
        }
        return shape
    }

    /// `document` with `value` placed at `path[depth...]`; missing lists and maps on the way are
    /// created according to the model.
    private func set(_ value: JSON, at path: [String], depth: Int = 0, in document: JSON, operation: PatchOperation) throws(AWSError) -> JSON {
        guard depth < path.count else { return value }
        let head = path[depth]
        let isLast = depth == path.count - 1
        switch document {
        case .array(var items):
            // `add` with a list element as the last segment appends that element.
            if isLast && operation.op == .add {
                if let index = Int(head), index <= items.count, value != .null {
                    items.insert(value, at: index)
                } else if !items.contains(.string(head)) {
                    items.append(.string(head))
                }
                return .array(items)
            }
            guard let index = Int(head), items.indices.contains(index) else { throw invalidPath(operation) }
            items[index] = try set(value, at: path, depth: depth + 1, in: items[index], operation: operation)
            return .array(items)
        case .object(var members):
            let child = members[head] ?? emptyContainer(at: Array(path[...depth]))
            if isLast, operation.op == .add, case .array(var items) = child, value != .null {
                if case .array(let more) = value { items += more } else { items.append(value) }
                members[head] = .array(items)
            } else {
                members[head] = try set(value, at: path, depth: depth + 1, in: child, operation: operation)
            }
            return .object(members)
        default:
            guard isLast else { throw invalidPath(operation) }
            return .object([head: value])
        }
    }

    /// A new list or map for a member that is not there yet, chosen by its model type.
    private func emptyContainer(at path: [String]) -> JSON {
        switch shapeAt(path)?.type {
        case "list": return .array([])
        case "map", "structure": return .object([:])
        default: return .null
        }
    }

    private func remove(_ segments: [String], in document: JSON, operation: PatchOperation) throws(AWSError) -> JSON {
        // Removing a list element by value: `/binaryMediaTypes/image~1png`.
        if segments.count >= 2, case .array(let items)? = Self.value(at: segments.dropLast(), in: document),
            Int(segments.last!) == nil
        {
            let remaining = items.filter { $0 != .string(segments.last!) }
            return try set(.array(remaining), at: Array(segments.dropLast()), in: document, operation: PatchOperation(op: .replace, path: operation.path))
        }
        if segments.count == 1, let value = operation.value, case .array(let items)? = document[segments[0]] {
            return try set(.array(items.filter { $0 != .string(value) }), at: segments, in: document, operation: PatchOperation(op: .replace, path: operation.path))
        }
        return Self.removing(segments[...], in: document)
    }

    static func value(at segments: ArraySlice<String>, in document: JSON) -> JSON? {
        var current: JSON? = document
        for segment in segments {
            switch current {
            case .object(let members)?: current = members[segment]
            case .array(let items)?: current = Int(segment).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    static func removing(_ segments: ArraySlice<String>, in document: JSON) -> JSON {
        guard let head = segments.first else { return document }
        switch document {
        case .object(var members):
            if segments.count == 1 {
                members[head] = nil
            } else if let child = members[head] {
                members[head] = removing(segments.dropFirst(), in: child)
            }
            return .object(members)
        case .array(var items):
            guard let index = Int(head), items.indices.contains(index) else { return document }
            if segments.count == 1 { items.remove(at: index) } else { items[index] = removing(segments.dropFirst(), in: items[index]) }
            return .array(items)
        default:
            return document
        }
    }

    private func invalidValue(_ operation: PatchOperation, _ type: String) -> AWSError {
        .badRequest("Invalid \(type) value '\(operation.value ?? "null")' specified for op '\(operation.op.rawValue)' at path '\(operation.path)'")
    }
}

import Foundation
import GatehouseModel

/// Builds an operation's input from a request, member by member, from where the model says each
/// member travels (URI label, query string, header or JSON body), and validates it against the
/// shapes: a missing required member or a value of the wrong type is a validation error.
struct InputDecoder {
    let model: ServiceModel
    /// The exception this service answers malformed input with.
    let validationError: String
    /// Where validation messages say a member is, e.g. `putMethodInput.` (API Gateway) or "" (Lambda).
    var pathPrefix = ""
    /// Enum shapes the operations check themselves, with the service's own wording.
    var enumsCheckedByOperations: Set<String> = []
    /// Whether messages name members in lower camel case (`maximumRetryAttempts`), as Lambda's do.
    var lowercasesMemberNames = false

    func decode(
        shapeName: String?, request: IncomingRequest, labels: [String: String]
    ) throws(AWSError) -> JSON {
        guard let shapeName, let shape = model[shape: shapeName] else { return .emptyObject }
        let members = shape.members ?? [:]
        var input: [String: JSON] = [:]
        let query = request.queryItems

        if let payloadName = shape.payload, let payloadMember = members[payloadName] {
            input[payloadName] = try payload(request.body, member: payloadMember)
        } else if members.values.contains(where: { $0.location == nil }) {
            let body = try bodyObject(request.body)
            for (name, member) in members where member.location == nil {
                if let value = body[member.locationName ?? name], value != .null { input[name] = fromWire(value, shapeName: member.shape) }
            }
        }

        let claimedQuery = Set(members.values.filter { $0.location == "querystring" }.compactMap { $0.locationName })
        for (name, member) in members {
            let wireName = member.locationName ?? name
            switch member.location {
            case "uri":
                if let value = labels[wireName] { input[name] = try scalar(value, member: member, name: name) }
            case "querystring":
                let memberShape = model[shape: member.shape]
                if memberShape?.type == "map" {
                    let rest = query.filter { !claimedQuery.contains($0.name) }
                    if !rest.isEmpty { input[name] = .object(Dictionary(rest.map { ($0.name, JSON.string($0.value)) }, uniquingKeysWith: { a, _ in a })) }
                } else if memberShape?.type == "list" {
                    let values = query.filter { $0.name == wireName }.map { JSON.string($0.value) }
                    if !values.isEmpty { input[name] = .array(values) }
                } else if let value = query.first(where: { $0.name == wireName })?.value {
                    input[name] = try scalar(value, member: member, name: name)
                }
            case "header":
                if let value = request.header(wireName) { input[name] = try scalar(value, member: member, name: name) }
            case "headers":
                let prefix = wireName.lowercased()
                let matched = request.headers.filter { $0.name.lowercased().hasPrefix(prefix) }
                if !matched.isEmpty {
                    input[name] = .object(Dictionary(matched.map { (String($0.name.dropFirst(prefix.count)), JSON.string($0.value)) }, uniquingKeysWith: { a, _ in a }))
                }
            default:
                break
            }
        }
        let value = JSON.object(input)
        try validate(value, shapeName: shapeName, path: pathPrefix)
        return value
    }

    /// Decodes a json-protocol request: the whole body is the input.
    func decodeJSONBody(shapeName: String?, body: Data) throws(AWSError) -> JSON {
        guard let shapeName else { return .emptyObject }
        let value = JSON.object(try bodyObject(body))
        try validate(value, shapeName: shapeName, path: pathPrefix)
        return value
    }

    /// A body value with its structures' members renamed from their wire names (`allowOrigins`)
    /// to the model's (`AllowOrigins`), as operations read them. Members the model does not know
    /// keep their names.
    private func fromWire(_ value: JSON, shapeName: String) -> JSON {
        guard let shape = model[shape: shapeName] else { return value }
        switch (shape.type, value) {
        case ("structure", .object(var object)):
            for (name, member) in shape.members ?? [:] {
                guard let wire = member.locationName, wire != name, let child = object.removeValue(forKey: wire) else {
                    if let child = object[name] { object[name] = fromWire(child, shapeName: member.shape) }
                    continue
                }
                object[name] = fromWire(child, shapeName: member.shape)
            }
            return .object(object)
        case ("list", .array(let items)):
            return .array(items.map { fromWire($0, shapeName: shape.member ?? "") })
        case ("map", .object(let entries)):
            return .object(entries.mapValues { fromWire($0, shapeName: shape.value ?? "") })
        default:
            return value
        }
    }

    private func bodyObject(_ body: Data) throws(AWSError) -> [String: JSON] {
        if body.isEmpty || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard let parsed = try? JSON(parsing: body), case .object(let object) = parsed else {
            throw AWSError("SerializationException", status: 400, "Could not parse request body into json: the body is not a JSON object.")
        }
        return object
    }

    private func payload(_ body: Data, member: ServiceModel.Member) throws(AWSError) -> JSON? {
        switch model[shape: member.shape]?.type {
        case "structure":
            let object = try bodyObject(body)
            return object.isEmpty ? nil : .object(object)
        case "string":
            return body.isEmpty ? nil : .string(String(decoding: body, as: UTF8.self))
        default:
            // Blobs are carried as base64 text, as they are inside JSON bodies.
            return body.isEmpty ? nil : .string(body.base64EncodedString())
        }
    }

    /// Converts a URI, query or header string into the member's type.
    func scalar(_ text: String, member: ServiceModel.Member, name: String) throws(AWSError) -> JSON {
        switch model[shape: member.shape]?.type {
        case "integer", "long":
            guard let number = Int(text) else { throw invalid(name, "Member must be an integer", text) }
            return .number(Double(number))
        case "double", "float":
            guard let number = Double(text) else { throw invalid(name, "Member must be a number", text) }
            return .number(number)
        case "boolean":
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw invalid(name, "Member must be a boolean", text)
            }
        case "timestamp":
            if let seconds = Double(text) { return .number(seconds) }
            return .string(text)
        default:
            if member.jsonvalue == true, let data = Data(base64Encoded: text), let parsed = try? JSON(parsing: data) {
                return parsed
            }
            return .string(text)
        }
    }

    /// Checks `value` against its shape; `member` is the structure member it sits under (list
    /// elements and map values share their member's name), for the string caps.
    func validate(_ value: JSON, shapeName: String, path: String, member: String = "") throws(AWSError) {
        guard let shape = model[shape: shapeName] else { return }
        let label = path.isEmpty ? "input" : path
        switch shape.type {
        case "structure":
            guard case .object(let object) = value else { throw invalid(label, "Member must be a structure", nil) }
            let members = shape.members ?? [:]
            // AWS names URI members plainly (`responseType`), body members under the input (`putMethodInput.type`).
            func memberPath(_ name: String) -> String {
                let shown = lowercasesMemberNames ? name.prefix(1).lowercased() + name.dropFirst() : name
                return members[name]?.location == "uri" ? shown : join(path, shown)
            }
            for required in shape.required ?? [] where object[required] == nil || object[required] == .null {
                throw AWSError(validationError, status: 400,
                    "1 validation error detected: Value null at '\(memberPath(required))' failed to satisfy constraint: Member must not be null")
            }
            for (name, member) in members {
                if let memberValue = object[name], memberValue != .null {
                    try validate(memberValue, shapeName: member.shape, path: memberPath(name), member: name)
                }
            }
        case "list":
            guard case .array(let items) = value else { throw invalid(label, "Member must be a list", nil) }
            for (index, item) in items.enumerated() {
                try validate(item, shapeName: shape.member ?? "", path: "\(path).\(index + 1).member", member: member)
            }
        case "map":
            guard case .object(let entries) = value else { throw invalid(label, "Member must be a map", nil) }
            for (key, entry) in entries {
                if let violation = StringLimits.violation(key, mapKeyOf: member, shape: shape.key.flatMap { model[shape: $0] }) {
                    throw invalid("\(path).key", violation, key)
                }
                if entry != .null { try validate(entry, shapeName: shape.value ?? "", path: "\(path).\(key)", member: member) }
            }
        case "string":
            guard case .string(let text) = value else { throw invalid(label, "Member must be a string", nil) }
            if let allowed = shape.enum, !allowed.isEmpty, !allowed.contains(text), !enumsCheckedByOperations.contains(shapeName) {
                throw invalid(label, "Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]", text)
            }
            if let violation = StringLimits.violation(text, member: member, shape: shape, shapeName: shapeName) {
                throw invalid(label, violation, text)
            }
        case "integer", "long":
            guard case .number(let number) = value, number.rounded() == number else {
                throw invalid(label, "Member must be an integer", nil)
            }
            if let min = shape.min, number < min {
                throw invalid(label, "Member must have value greater than or equal to \(Int(min))", String(Int(number)))
            }
            if let max = shape.max, number > max { throw invalid(label, "Member must have value less than or equal to \(Int(max))", String(Int(number))) }
        case "double", "float":
            guard case .number = value else { throw invalid(label, "Member must be a number", nil) }
        case "boolean":
            guard case .bool = value else { throw invalid(label, "Member must be a boolean", nil) }
        case "blob":
            guard case .string = value else { throw invalid(label, "Member must be a base64-encoded blob", nil) }
        case "timestamp":
            switch value {
            case .number, .string: break
            default: throw invalid(label, "Member must be a timestamp", nil)
            }
        default:
            break
        }
    }

    private func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// A length limit broken: the model's limits answer with the service's validation error,
    /// Gatehouse's own with `BadRequestException`. A value too long to be worth echoing is left out.
    private func invalid(_ path: String, _ violation: StringLimits.Violation, _ value: String) -> AWSError {
        var error = invalid(path, violation.constraint, value.utf8.count <= 256 ? value : nil)
        if !violation.isModelConstraint { error.code = "BadRequestException" }
        return error
    }

    private func invalid(_ path: String, _ constraint: String, _ value: String?) -> AWSError {
        let shown = value.map { "Value '\($0)' at" } ?? "Value at"
        return AWSError(validationError, status: 400,
            "1 validation error detected: \(shown) '\(path)' failed to satisfy constraint: \(constraint)")
    }
}

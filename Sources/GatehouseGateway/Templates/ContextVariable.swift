import Velocity

/// `$context`, read lazily: the request's context variables are gathered on the first read,
/// so a template that reads one or two pays for no more. `$context.responseOverride` is the
/// one writable part.
final class ContextVariable: VelocityObject, @unchecked Sendable {
    // Unchecked: one render uses an instance on one thread.
    private let invocation: (any TemplateSource)?
    private let error: TemplateVariables.ErrorContext?
    private let responseOverride: ResponseOverride?
    private var flat: [String: String]?

    init(invocation: (any TemplateSource)?, error: TemplateVariables.ErrorContext?, responseOverride: ResponseOverride?) {
        self.invocation = invocation
        self.error = error
        self.responseOverride = responseOverride
    }

    func property(_ name: String) throws -> VelocityValue? {
        switch name {
        case "error":
            guard let error else { return nil }
            return [
                "message": .string(error.message), "messageString": .string(error.messageString),
                "responseType": .string(error.responseType), "validationErrorString": .string(error.validationErrorString),
            ]
        case "responseOverride":
            return responseOverride.map(VelocityValue.object)
        default:
            return ContextGroup.value(name, in: variables)
        }
    }

    private var variables: [String: String] {
        if let flat { return flat }
        let gathered = invocation?.contextVariables ?? [:]
        flat = gathered
        return gathered
    }

    var renderedText: String { "{" + variables.keys.sorted().map { "\($0)=\(variables[$0]!)" }.joined(separator: ", ") + "}" }
}

/// A dotted group of context variables (`identity`, `authorizer`, `authorizer.claims`).
struct ContextGroup: VelocityObject {
    let prefix: String
    let variables: [String: String]

    /// The variable `name` (under `prefix`), or the group it starts; nil when neither exists.
    static func value(_ name: String, in variables: [String: String], prefix: String = "") -> VelocityValue? {
        let key = prefix + name
        if let value = variables[key] { return .string(value) }
        let group = key + "."
        guard variables.keys.contains(where: { $0.hasPrefix(group) }) else { return nil }
        return .object(ContextGroup(prefix: group, variables: variables))
    }

    func property(_ name: String) throws -> VelocityValue? {
        Self.value(name, in: variables, prefix: prefix)
    }

    var renderedText: String {
        "{" + variables.keys.filter { $0.hasPrefix(prefix) }.sorted()
            .map { "\($0.dropFirst(prefix.count))=\(variables[$0]!)" }.joined(separator: ", ") + "}"
    }
}

/// `$context.responseOverride`: the status and headers a response template asks for.
final class ResponseOverride: VelocityObject, @unchecked Sendable {
    // Unchecked: written by one render on one thread, read after it.
    private(set) var status: VelocityValue?
    let header = HeaderOverrides()

    func property(_ name: String) throws -> VelocityValue? {
        switch name {
        case "status": status
        case "header": .object(header)
        default: nil
        }
    }

    func setProperty(_ name: String, to value: VelocityValue) -> Bool {
        guard name == "status" else { return false }
        status = value
        return true
    }
}

/// `$context.responseOverride.header`: headers by name, in the order they were set.
final class HeaderOverrides: VelocityObject, @unchecked Sendable {
    private(set) var values: [(name: String, value: String)] = []

    func property(_ name: String) throws -> VelocityValue? {
        values.last { $0.name.equalsIgnoringASCIICase(name) }.map { .string($0.value) }
    }

    func setProperty(_ name: String, to value: VelocityValue) -> Bool {
        values.removeAll { $0.name.equalsIgnoringASCIICase(name) }
        values.append((name, value.renderedText))
        return true
    }
}

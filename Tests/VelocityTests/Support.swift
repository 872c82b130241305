import Velocity

/// Parses and renders `source` in one go.
func render(_ source: String, _ context: [String: VelocityValue] = [:]) throws -> String {
    try VelocityTemplate(source).render(context: context)
}

/// A stand-in for API Gateway's `$input`: `params(name)` and `path(expression)` answer from
/// fixed tables, `body` is a property.
struct FakeInput: VelocityObject {
    var params: [String: String] = [:]
    var paths: [String: VelocityValue] = [:]
    var body = ""

    func property(_ name: String) throws -> VelocityValue? {
        name == "body" ? .string(body) : nil
    }

    func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue? {
        switch (method, arguments.first) {
        case ("params", .string(let name)?): params[name].map { .string($0) } ?? .string("")
        case ("path", .string(let path)?): paths[path] ?? .null
        case ("json", .string(let path)?): .string(paths[path]?.renderedText ?? "null")
        default: nil
        }
    }
}

/// A stand-in for `$util`: `escapeJavaScript` escapes quotes and backslashes.
struct FakeUtil: VelocityObject {
    func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue? {
        guard method == "escapeJavaScript", case .string(let text)? = arguments.first else { return nil }
        return .string(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))
    }
}

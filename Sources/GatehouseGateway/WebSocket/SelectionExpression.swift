import Foundation
import GatehouseModel

/// A WebSocket API's selection expression, as routes and templates are chosen by:
/// `$request.body.action` (or `${request.body.action}`, or a dotted path below the body) reads a
/// member of the message's JSON body; anything else is a constant (`\$default` reads `$default`).
struct SelectionExpression: Sendable, Equatable {
    private enum Source: Sendable, Equatable {
        case body([String])
        case constant(String)
    }

    private let source: Source

    init(_ text: String) {
        var inner = text
        if inner.hasPrefix("${"), inner.hasSuffix("}") { inner = "$" + inner.dropFirst(2).dropLast() }
        if let path = inner.dropPrefix("$request.body.") {
            source = .body(path.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
        } else {
            source = .constant(text.replacingOccurrences(of: "\\$", with: "$"))
        }
    }

    /// The expression's value for a message: nil when the body is not a JSON object; `""` for a
    /// missing member; a string as it is, any other value in its JSON form.
    func evaluate(body: String) -> String? {
        switch source {
        case .constant(let value):
            return value
        case .body(let path):
            guard let parsed = try? JSON(parsing: Data(body.utf8)), case .object = parsed else { return nil }
            var value: JSON? = parsed
            for name in path { value = value?[name] }
            switch value {
            case nil, .null?: return ""
            case .string(let text)?: return text
            case let other?: return other.serializedString
            }
        }
    }
}

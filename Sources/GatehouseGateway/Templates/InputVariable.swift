import Foundation
import GatehouseModel
import Velocity

/// `$input`: the payload — the method request's body in a request template, the integration's
/// answer in a response template — and the method request's parameters.
///
/// The payload is parsed as JSON on first use only, and once per render.
final class InputVariable: VelocityObject, @unchecked Sendable {
    // Unchecked: one render uses an instance on one thread; the cache is never shared.
    private let body: Data
    private let parameters: RequestParameters
    private var parsed: VelocityValue?

    init(body: Data, parameters: RequestParameters) {
        self.body = body
        self.parameters = parameters
    }

    /// `$input.body`; an empty payload reads as `{}`, as on AWS.
    func property(_ name: String) throws -> VelocityValue? {
        switch name {
        case "body": .string(body.isEmpty ? "{}" : String(decoding: body, as: UTF8.self))
        default: nil
        }
    }

    func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue? {
        switch (method, arguments.count) {
        case ("json", 1):
            return .string(try path(arguments[0]).jsonText)
        case ("path", 1):
            return try path(arguments[0])
        case ("params", 0):
            return parameters.all
        case ("params", 1):
            return parameters.named(arguments[0].renderedText).map(VelocityValue.string) ?? .string("")
        case ("body", 0), ("getBody", 0):
            return try property("body")
        default:
            return nil
        }
    }

    var renderedText: String { String(decoding: body, as: UTF8.self) }

    private func path(_ expression: VelocityValue) throws -> VelocityValue {
        let path: JSONPath
        do {
            path = try JSONPath(expression.renderedText)
        } catch {
            throw TemplateFailure.invalidPath(expression.renderedText, error.message)
        }
        return path.evaluate(try payload())
    }

    /// The body as JSON; an empty body reads as `{}`, as on AWS.
    private func payload() throws -> VelocityValue {
        if let parsed { return parsed }
        let value: VelocityValue
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            value = .map(VelocityMap())
        } else {
            do {
                value = try VelocityValue(parsingJSON: body)
            } catch {
                throw TemplateFailure.invalidJSON("\(error)")
            }
        }
        parsed = value
        return value
    }
}

/// The method request's parameters as `$input.params()` shows them: `path`, `querystring` and
/// `header` maps, searched in that order by `$input.params('name')`.
struct RequestParameters: Sendable {
    var path: [(name: String, value: String)]
    var querystring: [(name: String, value: String)]
    var header: [(name: String, value: String)]

    init(path: [(name: String, value: String)] = [], querystring: [(name: String, value: String)] = [], header: [(name: String, value: String)] = []) {
        self.path = path
        self.querystring = querystring
        self.header = header
    }

    init(_ invocation: Invocation) {
        path = invocation.match.pathParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        querystring = invocation.request.queryItems
        header = invocation.request.headers
    }

    var all: VelocityValue {
        var map = VelocityMap()
        map["path"] = Self.map(path)
        map["querystring"] = Self.map(querystring)
        map["header"] = Self.map(header)
        return .map(map)
    }

    func named(_ name: String) -> String? {
        path.first { $0.name == name }?.value
            ?? querystring.first { $0.name == name }?.value
            ?? header.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// A map of the first value of each name (AWS's single-value view).
    private static func map(_ pairs: [(name: String, value: String)]) -> VelocityValue {
        var map = VelocityMap()
        for pair in pairs where map[pair.name] == nil { map[pair.name] = .string(pair.value) }
        return .map(map)
    }
}

/// Why rendering a mapping template failed, in the words AWS uses.
enum TemplateFailure: Error {
    /// The payload is not JSON but the template reads it as JSON: AWS answers 400.
    case invalidJSON(String)
    case invalidPath(String, String)
}

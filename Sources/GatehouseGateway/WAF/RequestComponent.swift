import Foundation
import GatehouseModel

/// The part of a request a WAF statement inspects (`FieldToMatch`) and the text
/// transformations applied to it first, in priority order.
struct RequestComponent: Sendable {
    enum Field: Sendable {
        case uriPath, queryString, method, body
        case header(String)
    }

    let field: Field
    let transformations: [String]

    /// Nil for a field Gatehouse does not inspect yet (cookies, JSON body, header order…).
    init?(_ statement: JSON) {
        let field = statement["FieldToMatch"] ?? [:]
        if field["UriPath"] != nil {
            self.field = .uriPath
        } else if field["QueryString"] != nil {
            self.field = .queryString
        } else if field["Method"] != nil {
            self.field = .method
        } else if field["Body"] != nil {
            self.field = .body
        } else if let name = field["SingleHeader"]?["Name"]?.stringValue {
            self.field = .header(name)
        } else {
            return nil
        }
        transformations = (statement["TextTransformations"]?.arrayValue ?? [])
            .sorted { ($0["Priority"]?.intValue ?? 0) < ($1["Priority"]?.intValue ?? 0) }
            .compactMap { $0["Type"]?.stringValue }
    }

    /// The component's bytes, transformed.
    func value(of request: IncomingRequest) -> [UInt8] {
        var value: [UInt8]
        switch field {
        case .uriPath: value = Array(request.rawPath.utf8)
        case .queryString: value = Array(request.rawQuery.utf8)
        case .method: value = Array(request.method.utf8)
        case .body: value = Array(request.body.prefix(8 * 1024))  // what WAF inspects of a body
        case .header(let name): value = Array((request.header(name) ?? "").utf8)
        }
        for transformation in transformations { value = TextTransformation.apply(transformation, to: value) }
        return value
    }
}

/// A regular expression compiled once, when the web ACL is (matching is thread-safe).
final class CompiledPattern: @unchecked Sendable {
    let expression: NSRegularExpression

    init?(_ pattern: String) {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
        self.expression = expression
    }

    func matches(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

import Foundation
import GatehouseModel

/// A web ACL compiled once for the data plane: its rules in priority order, each a statement
/// tree over the request (IP sets, byte and regex matches and size constraints over a
/// transformed request component, `And`/`Or`/`Not`)
/// and an action. `verdict` runs them as WAF does: the first rule that matches with `Allow` or
/// `Block` decides, `Count` goes on, and no match takes the default action.
public struct WebACLMatcher: Sendable {
    enum Action: Sendable {
        case allow, count
        case block(OutgoingResponse?)
    }

    /// Where an IP set statement finds the client's address: the connection, or a header
    /// (`IPSetForwardedIPConfig`) with its position and what a missing or malformed one means.
    struct AddressSource: Sendable {
        let header: String
        let position: String
        let matchWhenMissing: Bool
    }

    indirect enum Statement: Sendable {
        case addresses([IPRange], AddressSource?)
        case bytes(ByteMatch)
        /// Any of the patterns matches the component.
        case patterns([CompiledPattern], RequestComponent)
        /// The component's size (bytes) compared to a size: `EQ`, `NE`, `LT`, `LE`, `GT`, `GE`.
        case size(String, Int, RequestComponent)
        case all([Statement])
        case any([Statement])
        case not(Statement)
        /// A statement Gatehouse does not evaluate yet: never matches.
        case unsupported(String)
    }

    struct ByteMatch: Sendable {
        let component: RequestComponent
        let search: [UInt8]
        let position: String
    }

    struct Rule: Sendable {
        let name: String
        let statement: Statement
        let action: Action
    }

    let rules: [Rule]
    let defaultAction: Action

    /// What a web ACL's statements refer to, by ARN: IP sets' addresses and regex pattern sets' patterns.
    public struct References: Sendable {
        public var ipSets: [String: [IPRange]] = [:]
        public var patternSets: [String: [String]] = [:]

        public init() {}
    }

    /// `acl` (a stored web ACL) with the sets it refers to.
    public init(acl: JSON, references: References) {
        let bodies = acl["CustomResponseBodies"]?.objectValue ?? [:]
        defaultAction = Self.action(acl["DefaultAction"] ?? [:], bodies)
        rules = (acl["Rules"]?.arrayValue ?? [])
            .sorted { ($0["Priority"]?.intValue ?? 0) < ($1["Priority"]?.intValue ?? 0) }
            .map { rule in
                Rule(name: rule["Name"]?.stringValue ?? "", statement: Self.statement(rule["Statement"] ?? [:], references),
                     action: Self.action(rule["Action"] ?? [:], bodies))
            }
    }

    /// What happens to `request`: nil when it may pass, else the block — a custom response, or
    /// nil inside for the gateway's own (`WAF_FILTERED`) — and the rule that blocked it.
    func verdict(_ request: IncomingRequest) -> (block: OutgoingResponse?, rule: String?)? {
        for rule in rules where Self.matches(rule.statement, request) {
            switch rule.action {
            case .allow: return nil
            case .block(let response): return (response, rule.name)
            case .count: continue
            }
        }
        if case .block(let response) = defaultAction { return (response, nil) }
        return nil
    }

    /// `{"Block": {"CustomResponse": …}}`, `{"Allow": {}}`, `{"Count": {}}`. A custom response
    /// has its code, a body of the ACL's `CustomResponseBodies`, and headers AWS prefixes with `x-amzn-waf-`.
    static func action(_ json: JSON, _ bodies: [String: JSON]) -> Action {
        if json["Count"] != nil { return .count }
        guard let block = json["Block"] else { return .allow }
        guard let custom = block["CustomResponse"] else { return .block(nil) }
        var response = OutgoingResponse(status: custom["ResponseCode"]?.intValue ?? 403)
        for header in custom["ResponseHeaders"]?.arrayValue ?? [] {
            response.headers.append(("x-amzn-waf-" + (header["Name"]?.stringValue ?? ""), header["Value"]?.stringValue ?? ""))
        }
        if let key = custom["CustomResponseBodyKey"]?.stringValue, let body = bodies[key] {
            let types = ["APPLICATION_JSON": "application/json", "TEXT_HTML": "text/html", "TEXT_PLAIN": "text/plain"]
            response.headers.append(("Content-Type", types[body["ContentType"]?.stringValue ?? ""] ?? "text/plain"))
            response.body = Data((body["Content"]?.stringValue ?? "").utf8)
        }
        return .block(response)
    }

    static func statement(_ json: JSON, _ references: References) -> Statement {
        if let reference = json["IPSetReferenceStatement"] {
            let forwarded = reference["IPSetForwardedIPConfig"].map { config in
                AddressSource(
                    header: config["HeaderName"]?.stringValue ?? "X-Forwarded-For", position: config["Position"]?.stringValue ?? "FIRST",
                    matchWhenMissing: config["FallbackBehavior"]?.stringValue == "MATCH")
            }
            return .addresses(references.ipSets[reference["ARN"]?.stringValue ?? ""] ?? [], forwarded)
        }
        if let byteMatch = json["ByteMatchStatement"] {
            guard let component = RequestComponent(byteMatch) else { return .unsupported("FieldToMatch") }
            return .bytes(ByteMatch(
                component: component, search: Array(Data(base64Encoded: byteMatch["SearchString"]?.stringValue ?? "") ?? Data()),
                position: byteMatch["PositionalConstraint"]?.stringValue ?? "CONTAINS"))
        }
        if let regex = json["RegexMatchStatement"] {
            guard let component = RequestComponent(regex), let pattern = CompiledPattern(regex["RegexString"]?.stringValue ?? "") else {
                return .unsupported("RegexMatchStatement")
            }
            return .patterns([pattern], component)
        }
        if let reference = json["RegexPatternSetReferenceStatement"] {
            guard let component = RequestComponent(reference) else { return .unsupported("FieldToMatch") }
            let patterns = (references.patternSets[reference["ARN"]?.stringValue ?? ""] ?? []).compactMap(CompiledPattern.init)
            return .patterns(patterns, component)
        }
        if let size = json["SizeConstraintStatement"] {
            guard let component = RequestComponent(size) else { return .unsupported("FieldToMatch") }
            return .size(size["ComparisonOperator"]?.stringValue ?? "GT", size["Size"]?.intValue ?? 0, component)
        }
        if let and = json["AndStatement"]?["Statements"]?.arrayValue { return .all(and.map { statement($0, references) }) }
        if let or = json["OrStatement"]?["Statements"]?.arrayValue { return .any(or.map { statement($0, references) }) }
        if let not = json["NotStatement"]?["Statement"] { return .not(statement(not, references)) }
        return .unsupported(json.objectValue?.keys.first ?? "")
    }

    static func matches(_ statement: Statement, _ request: IncomingRequest) -> Bool {
        switch statement {
        case .addresses(let ranges, let source):
            guard let source else {
                let address = request.remoteAddress ?? ""
                return ranges.contains { $0.contains(address) }
            }
            let listed = (request.header(source.header) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let candidates = source.position == "LAST" ? Array(listed.suffix(1)) : source.position == "ANY" ? listed : Array(listed.prefix(1))
            guard !candidates.isEmpty, candidates.allSatisfy({ IPRange.isAddress($0) }) else { return source.matchWhenMissing }
            return candidates.contains { address in ranges.contains { $0.contains(address) } }
        case .bytes(let match): return matches(match, request)
        case .patterns(let patterns, let component):
            let value = component.value(of: request)
            return patterns.contains { $0.matches(value) }
        case .size(let comparison, let size, let component):
            let count = component.value(of: request).count
            switch comparison {
            case "EQ": return count == size
            case "NE": return count != size
            case "LT": return count < size
            case "LE": return count <= size
            case "GE": return count >= size
            default: return count > size
            }
        case .all(let statements): return statements.allSatisfy { matches($0, request) }
        case .any(let statements): return statements.contains { matches($0, request) }
        case .not(let inner): return !matches(inner, request)
        case .unsupported: return false
        }
    }

    static func matches(_ match: ByteMatch, _ request: IncomingRequest) -> Bool {
        let value = match.component.value(of: request)
        let search = match.search
        switch match.position {
        case "EXACTLY": return value == search
        case "STARTS_WITH": return value.starts(with: search)
        case "ENDS_WITH": return value.count >= search.count && Array(value.suffix(search.count)) == search
        case "CONTAINS_WORD": return TextTransformation.containsWord(value, search)
        default: return search.isEmpty || value.firstRange(of: search) != nil
        }
    }
}

/// WAF's text transformations over a request component's bytes.
enum TextTransformation {
    static func apply(_ type: String, to value: [UInt8]) -> [UInt8] {
        switch type {
        case "LOWERCASE": return Array(String(decoding: value, as: UTF8.self).lowercased().utf8)
        case "URL_DECODE", "URL_DECODE_UNI":
            let text = String(decoding: value, as: UTF8.self).replacingOccurrences(of: "+", with: " ")
            return Array((text.removingPercentEncoding ?? text).utf8)
        case "COMPRESS_WHITE_SPACE":
            var out: [UInt8] = []
            for byte in value {
                let space = [9, 10, 11, 12, 13, 32, 160].contains(byte)
                if space, out.last == 32 { continue }
                out.append(space ? 32 : byte)
            }
            return out
        case "HTML_ENTITY_DECODE":
            var text = String(decoding: value, as: UTF8.self)
            for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")] {
                text = text.replacingOccurrences(of: entity, with: character, options: .caseInsensitive)
            }
            return Array(text.utf8)
        case "BASE64_DECODE", "BASE64_DECODE_EXT":
            return Data(base64Encoded: String(decoding: value, as: UTF8.self)).map(Array.init) ?? value
        default:
            return value  // NONE, and transformations Gatehouse does not apply yet
        }
    }

    /// `search` in `value` with no letter, digit or underscore on either side.
    static func containsWord(_ value: [UInt8], _ search: [UInt8]) -> Bool {
        guard !search.isEmpty else { return false }
        func isWord(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 }
        var start = value.startIndex
        while let range = value[start...].firstRange(of: search) {
            let before = range.lowerBound == value.startIndex || !isWord(value[range.lowerBound - 1])
            let after = range.upperBound == value.endIndex || !isWord(value[range.upperBound])
            if before && after { return true }
            start = range.lowerBound + 1
        }
        return false
    }
}

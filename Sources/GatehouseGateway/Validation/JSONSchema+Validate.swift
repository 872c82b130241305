import Foundation
import GatehouseModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Violation messages are fge json-schema-validator's (its validation.properties), the library
// behind API Gateway request validation, with arguments printed the way it prints them: JSON
// values and lists as compact JSON, strings raw inside quotes.
extension JSONSchema {
    /// Collects violations, or in `isValid` mode only notes that one happened.
    struct Report {
        let collecting: Bool
        private(set) var failed = false
        private(set) var messages: [String] = []

        init(collecting: Bool) { self.collecting = collecting }

        /// A check that only needs a yes or no can stop at the first violation.
        var shouldStop: Bool { failed && !collecting }

        mutating func fail(_ message: @autoclosure () -> String) {
            failed = true
            if collecting { messages.append(message()) }
        }
    }

    func apply(_ index: Int, to instance: JSON, _ report: inout Report) {
        let node = nodes[index]
        if let target = node.reference { return apply(target, to: instance, &report) }
        for keyword in node.keywords {
            check(keyword, instance, &report)
            if report.shouldStop { return }
        }
        // fge goes down into members and elements only while its whole report is still clean,
        // which is why AWS logs the first problems it meets rather than all of them.
        guard !report.failed else { return }
        switch instance {
        case .object(let members) where node.hasMemberSchemas:
            if report.collecting {
                for name in members.keys.sorted(by: JSONSchema.javaOrder) { applyToMember(name, members[name]!, of: node, &report) }
            } else {
                for (name, value) in members {
                    applyToMember(name, value, of: node, &report)
                    if report.shouldStop { return }
                }
            }
        case .array(let elements) where node.hasElementSchemas:
            for (offset, element) in elements.enumerated() {
                let schema: Int?
                switch node.items {
                case .absent: schema = node.additionalItems
                case .all(let items): schema = items
                case .tuple(let items): schema = offset < items.count ? items[offset] : node.additionalItems
                }
                guard let schema else { continue }
                apply(schema, to: element, &report)
                if report.shouldStop { return }
            }
        default: break
        }
    }

    private func applyToMember(_ name: String, _ value: JSON, of node: Node, _ report: inout Report) {
        var claimed = false
        if let schema = node.properties[name] {
            claimed = true
            apply(schema, to: value, &report)
        }
        for entry in node.patternProperties {
            if report.shouldStop { return }
            guard entry.pattern.matches(name) else { continue }
            claimed = true
            apply(entry.schema, to: value, &report)
        }
        if !claimed, let schema = node.additionalProperties { apply(schema, to: value, &report) }
    }

    private func matches(_ schema: Int, _ instance: JSON) -> Bool {
        var report = Report(collecting: false)
        apply(schema, to: instance, &report)
        return !report.failed
    }

    private func check(_ keyword: Keyword, _ instance: JSON, _ report: inout Report) {
        switch (keyword, instance) {
        case (.additionalItems(let allowed), .array(let elements)) where elements.count > allowed:
            report.fail("schema only allows \(allowed) elements in array but instance has \(elements.count) elements")
        case (.additionalProperties(let known, let patterns), .object(let members)):
            func unwanted(_ name: String) -> Bool { !known.contains(name) && !patterns.contains { $0.matches(name) } }
            if members.keys.contains(where: unwanted) {
                let names = members.keys.filter(unwanted).sorted(by: JSONSchema.javaOrder)
                report.fail("object instance has properties which are not allowed by the schema: \(Self.list(names))")
            }
        case (.allOf(let schemas), _):
            // Every branch is counted, not just up to the first miss: the message gives the tally.
            let matched = schemas.count(where: { matches($0, instance) })
            if matched < schemas.count {
                report.fail("instance failed to match all required schemas (matched only \(matched) out of \(schemas.count))")
            }
        case (.anyOf(let schemas), _) where !schemas.contains(where: { matches($0, instance) }):
            report.fail("instance failed to match at least one required schema among \(schemas.count)")
        case (.dependencies(let properties, let schemas), .object(let members)):
            for dependency in properties where members[dependency.name] != nil {
                let missing = dependency.requires.filter { members[$0] == nil }
                guard !missing.isEmpty else { continue }
                report.fail(
                    "property \"\(dependency.name)\" of object has missing property dependencies (schema requires "
                        + "\(Self.list(dependency.requires)); missing: \(Self.list(missing)))")
                if report.shouldStop { return }
            }
            for dependency in schemas where members[dependency.name] != nil {
                apply(dependency.schema, to: instance, &report)
                if report.shouldStop { return }
            }
        case (.enumeration(let values), _) where !values.contains(instance):
            report.fail(
                "instance value (\(instance.serializedString)) not found in enum (possible values: \(JSON.array(values).serializedString))")
        case (.maxItems(let maximum), .array(let elements)) where elements.count > maximum:
            report.fail("array is too long: must have at most \(maximum) elements but instance has \(elements.count) elements")
        // A code point takes at least one UTF-8 byte, and the byte count is known without counting.
        case (.maxLength(let maximum), .string(let text)) where text.utf8.count > maximum:
            let length = text.unicodeScalars.count
            if length > maximum { report.fail("string \"\(text)\" is too long (length: \(length), maximum allowed: \(maximum))") }
        case (.maxProperties(let maximum), .object(let members)) where members.count > maximum:
            report.fail("object has too many properties (found \(members.count) but schema requires at most \(maximum))")
        case (.maximum(let maximum, let exclusive), .number(let value)):
            if value > maximum {
                report.fail(
                    "numeric instance is greater than the required maximum (maximum: \(Self.text(maximum)), found: \(Self.text(value)))")
            } else if exclusive && value == maximum {
                report.fail("numeric instance is not strictly lower than the required maximum \(Self.text(maximum))")
            }
        case (.minItems(let minimum), .array(let elements)) where elements.count < minimum:
            report.fail("array is too short: must have at least \(minimum) elements but instance has \(elements.count) elements")
        case (.minLength(let minimum), .string(let text)):
            let length = text.unicodeScalars.count
            if length < minimum { report.fail("string \"\(text)\" is too short (length: \(length), required minimum: \(minimum))") }
        case (.minProperties(let minimum), .object(let members)) where members.count < minimum:
            report.fail("object has too few properties (found \(members.count) but schema requires at least \(minimum))")
        case (.minimum(let minimum, let exclusive), .number(let value)):
            if value < minimum {
                report.fail(
                    "numeric instance is lower than the required minimum (minimum: \(Self.text(minimum)), found: \(Self.text(value)))")
            } else if exclusive && value == minimum {
                report.fail("numeric instance is not strictly greater than the required minimum \(Self.text(minimum))")
            }
        case (.multipleOf(let divisor), .number(let value)) where !Self.isMultiple(value, of: divisor):
            report.fail("remainder of division is not zero (\(Self.text(value)) / \(Self.text(divisor)))")
        case (.not(let schema), _) where matches(schema, instance):
            report.fail("instance matched a schema which it should not have")
        case (.oneOf(let schemas), _):
            let matched = schemas.count(where: { matches($0, instance) })
            if matched != 1 { report.fail("instance failed to match exactly one schema (matched \(matched) out of \(schemas.count))") }
        case (.pattern(let pattern), .string(let text)) where !pattern.matches(text):
            report.fail("ECMA 262 regex \"\(pattern.source)\" does not match input string \"\(text)\"")
        case (.required(let names), .object(let members)) where names.contains(where: { members[$0] == nil }):
            report.fail("object has missing required properties (\(Self.list(names.filter { members[$0] == nil })))")
        case (.type(let allowed), _):
            let found = TypeSet(of: instance)
            if !allowed.contains(found) {
                report.fail(
                    "instance type (\(found.names[0])) does not match any allowed primitive type (allowed: \(Self.list(allowed.names)))")
            }
        case (.uniqueItems, .array(let elements)) where Self.hasDuplicates(elements):
            report.fail("array must not contain duplicate elements")
        case (.format(let format), .string(let text)) where !format.accepts(text):
            report.fail(format.violation(text))
        default:
            break
        }
    }

    /// fge divides exact decimals; doubles get a few units in the last place of slack so that
    /// 0.3 is a multiple of 0.1 here too.
    static func isMultiple(_ value: Double, of divisor: Double) -> Bool {
        if let value = Int64(exactly: value), let divisor = Int64(exactly: divisor) { return value % divisor == 0 }
        let quotient = value / divisor
        guard quotient.isFinite else { return false }
        let nearest = quotient.rounded()
        return abs(quotient - nearest) <= 4 * nearest.ulp
    }

    static func hasDuplicates(_ elements: [JSON]) -> Bool {
        // Pairwise comparison allocates nothing, and most arrays in request bodies are short.
        if elements.count <= 16 {
            for first in elements.indices {
                for second in elements.index(after: first)..<elements.endIndex where elements[first] == elements[second] { return true }
            }
            return false
        }
        var seen = Set<JSON>(minimumCapacity: elements.count)
        return elements.contains { !seen.insert($0).inserted }
    }

    /// A list of names as fge prints it: a compact JSON array, `["a","b"]`.
    static func list(_ names: [String]) -> String { JSON.array(names.map(JSON.string)).serializedString }

    static func text(_ number: Double) -> String { JSON.number(number).serializedString }
}

extension JSONSchema {
    /// The `format` attributes fge checks on draft-04 strings. Any other name is ignored, as fge
    /// ignores it (with a warning that never reaches the caller).
    enum Format: String, Sendable {
        case dateTime = "date-time"
        case email, hostname, ipv4, ipv6, uri

        func accepts(_ text: String) -> Bool {
            switch self {
            case .dateTime: Self.isDateTime(text)
            case .email: Self.isEmail(text)
            case .hostname: Self.isHostname(text)
            case .ipv4: Self.parses(text, family: AF_INET)
            case .ipv6: Self.parses(text, family: AF_INET6)
            case .uri: Self.isURI(text)
            }
        }

        func violation(_ text: String) -> String {
            switch self {
            case .dateTime:
                "string \"\(text)\" is invalid against requested date format(s) "
                    + "[yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]"
            case .email: "string \"\(text)\" is not a valid email address"
            case .hostname: "string \"\(text)\" is not a valid hostname"
            case .ipv4: "string \"\(text)\" is not a valid IPv4 address"
            case .ipv6: "string \"\(text)\" is not a valid IPv6 address"
            case .uri: "string \"\(text)\" is not a valid URI"
            }
        }

        /// fge's Joda pattern: `yyyy-MM-ddTHH:mm:ss`, up to 12 fraction digits, then `Z` or an
        /// offset `±HH:MM` (or `±HHMM`); the fields must name a real date and time.
        static func isDateTime(_ text: String) -> Bool {
            var scan = ByteScanner(text)
            guard let year = scan.digits(4), scan.skip("-"), let month = scan.digits(2), scan.skip("-"), let day = scan.digits(2),
                scan.skip("T") || scan.skip("t"), let hour = scan.digits(2), scan.skip(":"), let minute = scan.digits(2),
                scan.skip(":"), let second = scan.digits(2), (1...12).contains(month), hour < 24, minute < 60, second < 60
            else { return false }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let days = month == 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
            guard (1...days).contains(day) else { return false }
            if scan.skip(".") {
                var fractionDigits = 0
                while fractionDigits < 12, scan.digits(1) != nil { fractionDigits += 1 }
                guard fractionDigits > 0 else { return false }
            }
            if scan.skip("Z") || scan.skip("z") { return scan.atEnd }
            guard scan.skip("+") || scan.skip("-"), let offsetHours = scan.digits(2), offsetHours < 24 else { return false }
            _ = scan.skip(":")
            guard let offsetMinutes = scan.digits(2), offsetMinutes < 60 else { return false }
            return scan.atEnd
        }

        /// RFC 5322 `atext` in ASCII.
        private static let atomCharacters = Set(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-".unicodeScalars)

        /// An RFC 5322 addr-spec, as javax.mail's strict `InternetAddress` wants it; a one-label
        /// domain (`foo@bar`) is fine.
        static func isEmail(_ text: String) -> Bool {
            guard let at = text.lastIndex(of: "@") else { return false }
            let local = text[..<at]
            let domain = text[text.index(after: at)...]
            let quotedLocal = local.count >= 2 && local.first == "\"" && local.last == "\""
            let literalDomain = domain.count >= 2 && domain.first == "[" && domain.last == "]"
            return (quotedLocal || isDotAtom(local)) && (literalDomain || isDotAtom(domain))
        }

        private static func isDotAtom(_ text: Substring) -> Bool {
            text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
                !atom.isEmpty && atom.unicodeScalars.allSatisfy { !$0.isASCII || atomCharacters.contains($0) }
            }
        }

        /// Guava's `InternetDomainName` rules: at most 253 characters, labels of 1 to 63 letters,
        /// digits, `-` and `_` that neither start nor end with `-` or `_`, and a last label that
        /// does not start with a digit. One label (`localhost`) is a hostname.
        static func isHostname(_ text: String) -> Bool {
            let name = text.hasSuffix(".") ? text.dropLast() : Substring(text)
            guard !name.isEmpty, name.utf16.count <= 253 else { return false }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            return labels.count <= 127 && labels.indices.allSatisfy { offset in
                let label = labels[offset].unicodeScalars
                guard (1...63).contains(label.count), let first = label.first, let last = label.last else { return false }
                let edges: Set<Unicode.Scalar> = ["-", "_"]
                return label.allSatisfy { !$0.isASCII || isASCIIAlphanumeric($0) || edges.contains($0) }
                    && !edges.contains(first) && !edges.contains(last)
                    && !(offset == labels.count - 1 && ("0"..."9").contains(first))
            }
        }

        /// Dotted quads without leading zeros, or RFC 4291 text; the C library agrees with Guava,
        /// which fge uses, on both.
        private static func parses(_ text: String, family: Int32) -> Bool {
            var address = in6_addr()  // large enough for either family
            return withUnsafeMutableBytes(of: &address) { inet_pton(family, text, $0.baseAddress) } == 1
        }

        /// java.net.URI's RFC 2396 grammar in outline: only legal characters, well-formed `%`
        /// escapes, at most one `#`, `[` `]` only in the authority, a proper scheme when there is
        /// one and something after it. Relative references are URIs too.
        static func isURI(_ text: String) -> Bool {
            let scalars = text.unicodeScalars
            var start = scalars.startIndex
            if let colon = scalars.firstIndex(where: { ":/?#".unicodeScalars.contains($0) }), scalars[colon] == ":" {
                let scheme = scalars[..<colon]
                guard let first = scheme.first, first.isASCII, first.properties.isAlphabetic,
                    scheme.allSatisfy({ isASCIIAlphanumeric($0) || "+-.".unicodeScalars.contains($0) }),
                    scalars.index(after: colon) != scalars.endIndex
                else { return false }
                start = scalars.index(after: colon)
            }
            var authority = start..<start
            if scalars[start...].starts(with: "//".unicodeScalars) {
                let host = scalars.index(start, offsetBy: 2)
                authority = host..<(scalars[host...].firstIndex(where: { "/?#".unicodeScalars.contains($0) }) ?? scalars.endIndex)
            }
            var sawFragment = false
            var index = scalars.startIndex
            while index != scalars.endIndex {
                let scalar = scalars[index]
                switch scalar {
                case "%":
                    for _ in 0..<2 {
                        scalars.formIndex(after: &index)
                        guard index != scalars.endIndex, scalars[index].properties.isASCIIHexDigit else { return false }
                    }
                case "#":
                    guard !sawFragment else { return false }
                    sawFragment = true
                case "[", "]":
                    guard authority.contains(index) else { return false }
                case _ where !scalar.isASCII:
                    guard !scalar.properties.isWhitespace, scalar.properties.generalCategory != .control else { return false }
                case _ where isASCIIAlphanumeric(scalar) || "-_.!~*'();/?:@&=+$,".unicodeScalars.contains(scalar):
                    break
                default:
                    return false
                }
                scalars.formIndex(after: &index)
            }
            return true
        }
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// Reads a string's UTF-8 in place, for the fixed-width `date-time` grammar.
    struct ByteScanner {
        private let bytes: String.UTF8View
        private var index: String.UTF8View.Index

        init(_ text: String) {
            bytes = text.utf8
            index = bytes.startIndex
        }

        var atEnd: Bool { index == bytes.endIndex }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index != bytes.endIndex, bytes[index] == UInt8(ascii: character) else { return false }
            bytes.formIndex(after: &index)
            return true
        }

        /// The value of exactly `count` decimal digits; consumes nothing when they are not there.
        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            var cursor = index
            for _ in 0..<count {
                guard cursor != bytes.endIndex, (0x30...0x39).contains(bytes[cursor]) else { return nil }
                value = value * 10 + Int(bytes[cursor] - 0x30)
                bytes.formIndex(after: &cursor)
            }
            index = cursor
            return value
        }
    }
}

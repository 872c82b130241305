import Foundation

/// `java.lang.String` methods. Indices count UTF-16 code units, as Java's do, and regular
/// expressions run on ICU (`NSRegularExpression`), whose syntax and `$1` replacements match
/// Java's for everything templates commonly use.
enum StringMethods {
    static func call(_ name: String, on string: String, _ arguments: [VelocityValue], at location: SourceLocation)
        throws -> VelocityValue?
    {
        let text = NSString(string: string)
        switch (name, arguments.count) {
        case ("length", 0): return .int(Int64(text.length))
        case ("isEmpty", 0): return .bool(string.isEmpty)
        case ("toLowerCase", 0): return .string(string.lowercased())
        case ("toUpperCase", 0): return .string(string.uppercased())
        case ("trim", 0): return .string(trimmed(string))
        case ("substring", 1), ("substring", 2):
            guard let start = int(arguments[0]) else { return nil }
            let end = arguments.count == 2 ? int(arguments[1]) : text.length
            guard let end else { return nil }
            guard start >= 0, end <= text.length, start <= end else {
                throw VelocityError.evaluation("substring(\(start), \(end)) is out of range for length \(text.length)", at: location)
            }
            return .string(text.substring(with: NSRange(location: start, length: end - start)))
        case ("charAt", 1):
            guard let index = int(arguments[0]) else { return nil }
            guard index >= 0, index < text.length else {
                throw Methods.outOfRange(Int64(index), count: text.length, at: location)
            }
            return .string(text.substring(with: NSRange(location: index, length: 1)))
        case ("indexOf", 1), ("indexOf", 2):
            guard case .string(let needle) = arguments[0] else { return nil }
            let from = arguments.count == 2 ? max(0, min(int(arguments[1]) ?? 0, text.length)) : 0
            let found = text.range(of: needle, options: .literal, range: NSRange(location: from, length: text.length - from))
            return .int(Int64(found.location == NSNotFound ? -1 : found.location))
        case ("lastIndexOf", 1):
            guard case .string(let needle) = arguments[0] else { return nil }
            let found = text.range(of: needle, options: [.literal, .backwards])
            return .int(Int64(found.location == NSNotFound ? -1 : found.location))
        case ("contains", 1), ("startsWith", 1), ("endsWith", 1), ("equalsIgnoreCase", 1), ("concat", 1):
            guard case .string(let other) = arguments[0] else { return nil }
            switch name {
            case "contains": return .bool(other.isEmpty || string.contains(other))
            case "startsWith": return .bool(string.hasPrefix(other))
            case "endsWith": return .bool(string.hasSuffix(other))
            case "concat": return .string(string + other)
            default: return .bool(string.lowercased() == other.lowercased())
            }
        case ("replace", 2):
            guard case .string(let target) = arguments[0], case .string(let replacement) = arguments[1] else { return nil }
            return .string(target.isEmpty ? string : string.replacingOccurrences(of: target, with: replacement))
        case ("replaceAll", 2), ("replaceFirst", 2):
            guard case .string(let pattern) = arguments[0], case .string(let template) = arguments[1] else { return nil }
            let regex = try compile(pattern, at: location)
            let whole = NSRange(location: 0, length: text.length)
            if name == "replaceAll" {
                return .string(regex.stringByReplacingMatches(in: string, range: whole, withTemplate: template))
            }
            guard let match = regex.firstMatch(in: string, range: whole) else { return .string(string) }
            let replacement = regex.replacementString(for: match, in: string, offset: 0, template: template)
            return .string(text.replacingCharacters(in: match.range, with: replacement))
        case ("matches", 1):
            guard case .string(let pattern) = arguments[0] else { return nil }
            let regex = try compile("(?:" + pattern + ")\\z", at: location)
            let match = regex.firstMatch(in: string, options: .anchored, range: NSRange(location: 0, length: text.length))
            return .bool(match != nil)
        case ("split", 1):
            guard case .string(let pattern) = arguments[0] else { return nil }
            return .list(try split(text, by: compile(pattern, at: location)).map { .string($0) })
        default:
            return nil
        }
    }

    private static func int(_ value: VelocityValue) -> Int? {
        if case .int(let int) = value { return Int(exactly: int) }
        return nil
    }

    /// Java's `trim()`: strips code points up to U+0020 from both ends.
    private static func trimmed(_ string: String) -> String {
        let scalars = string.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }) else { return "" }
        let last = scalars.lastIndex(where: { $0.value > 0x20 })!
        return String(scalars[first...last])
    }

    private static func compile(_ pattern: String, at location: SourceLocation) throws -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            throw VelocityError.evaluation("invalid regular expression '\(pattern)'", at: location)
        }
    }

    /// Java's `split(regex)`: no leading empty piece from a zero-width match at the start, and
    /// trailing empty pieces dropped.
    private static func split(_ text: NSString, by regex: NSRegularExpression) -> [String] {
        var pieces: [String] = []
        var start = 0
        for match in regex.matches(in: text as String, range: NSRange(location: 0, length: text.length)) {
            if match.range.length == 0 && match.range.location == 0 { continue }
            if match.range.length == 0 && match.range.location >= text.length { continue }
            pieces.append(text.substring(with: NSRange(location: start, length: match.range.location - start)))
            start = match.range.location + match.range.length
        }
        pieces.append(text.substring(from: start))
        while pieces.count > 1, pieces.last == "" { pieces.removeLast() }
        if pieces == [""] && text.length > 0 { return [] }
        return pieces
    }
}

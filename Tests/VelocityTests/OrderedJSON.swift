import Velocity

/// Reads JSON into ``VelocityValue``s, keeping object keys in their written order — which
/// Foundation's `JSONSerialization` loses, and which templates that render or iterate a map see.
/// Numbers with a fraction or exponent become doubles, the others integers.
struct OrderedJSON {
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "invalid JSON at scalar \(offset)" }
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0

    static func parse(_ text: String) throws -> VelocityValue {
        var reader = OrderedJSON(scalars: Array(text.unicodeScalars))
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.index == reader.scalars.count else { throw SyntaxError(offset: reader.index) }
        return value
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private mutating func value() throws -> VelocityValue {
        skipWhitespace()
        guard index < scalars.count else { throw SyntaxError(offset: index) }
        switch scalars[index] {
        case "{":
            index += 1
            var map = VelocityMap()
            if try consume("}") { return .map(map) }
            repeat {
                skipWhitespace()
                guard case .string(let key) = try value(), try consume(":") else { throw SyntaxError(offset: index) }
                map[key] = try value()
            } while try consume(",")
            guard try consume("}") else { throw SyntaxError(offset: index) }
            return .map(map)
        case "[":
            index += 1
            var list: [VelocityValue] = []
            if try consume("]") { return .list(list) }
            repeat { list.append(try value()) } while try consume(",")
            guard try consume("]") else { throw SyntaxError(offset: index) }
            return .list(list)
        case "\"":
            return .string(try string())
        case "t":
            try expect("true")
            return .bool(true)
        case "f":
            try expect("false")
            return .bool(false)
        case "n":
            try expect("null")
            return .null
        default:
            return try number()
        }
    }

    private mutating func skipWhitespace() {
        while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
    }

    private mutating func consume(_ scalar: Unicode.Scalar) throws -> Bool {
        skipWhitespace()
        guard index < scalars.count, scalars[index] == scalar else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ word: String) throws {
        for scalar in word.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { throw SyntaxError(offset: index) }
            index += 1
        }
    }

    private mutating func number() throws -> VelocityValue {
        let start = index
        while index < scalars.count, "+-.eE0123456789".unicodeScalars.contains(scalars[index]) { index += 1 }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<index])
        let literal = String(text)
        if literal.contains(where: { ".eE".contains($0) }), let double = Double(literal) { return .double(double) }
        if let int = Int64(literal) { return .int(int) }
        throw SyntaxError(offset: start)
    }

    private mutating func string() throws -> String {
        index += 1  // "
        var text = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\"":
                return String(text)
            case "\\":
                guard index < scalars.count else { throw SyntaxError(offset: index) }
                let escaped = scalars[index]
                index += 1
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case "b": text.append("\u{8}")
                case "f": text.append("\u{C}")
                case "u": text.append(try unicodeEscape())
                default: text.append(escaped)
                }
            default:
                text.append(scalar)
            }
        }
        throw SyntaxError(offset: index)
    }

    /// `\uXXXX`, or a surrogate pair of them.
    private mutating func unicodeEscape() throws -> Unicode.Scalar {
        let high = try hexUnit()
        guard (0xD800..<0xDC00).contains(high) else {
            guard let scalar = Unicode.Scalar(high) else { throw SyntaxError(offset: index) }
            return scalar
        }
        try expect("\\u")
        let low = try hexUnit()
        guard let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
            throw SyntaxError(offset: index)
        }
        return scalar
    }

    private mutating func hexUnit() throws -> UInt32 {
        guard index + 4 <= scalars.count else { throw SyntaxError(offset: index) }
        var hex = String.UnicodeScalarView()
        hex.append(contentsOf: scalars[index..<index + 4])
        index += 4
        guard let unit = UInt32(String(hex), radix: 16) else { throw SyntaxError(offset: index) }
        return unit
    }
}

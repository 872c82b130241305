/// A cursor over template source that tracks line and column, and cuts expression text
/// (inside `#if(…)`, `#set(…)`, method arguments) into tokens.
///
/// Template text itself has no tokens worth the name — `$` and `#` mean something only when a
/// name follows — so the parser reads it scalar by scalar through this cursor.
struct Lexer {
    enum Token: Equatable {
        case number(VelocityValue)
        /// A string literal's content; `interpolates` for a double-quoted one holding `$` or `#`.
        case string(String, interpolates: Bool, contentStart: SourceLocation)
        case word(String)
        case symbol(String)
        /// A `$` starting a reference; the cursor is left on the `$`.
        case dollar
        case end
    }

    let scalars: [Unicode.Scalar]
    private(set) var position = 0
    private(set) var line: Int
    private(set) var column: Int

    init(_ source: String, start: SourceLocation = SourceLocation(line: 1, column: 1)) {
        scalars = Array(source.unicodeScalars)
        line = start.line
        column = start.column
    }

    var isAtEnd: Bool { position >= scalars.count }
    var location: SourceLocation { SourceLocation(line: line, column: column) }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let index = position + offset
        return index < scalars.count ? scalars[index] : nil
    }

    @discardableResult
    mutating func advance() -> Unicode.Scalar {
        let scalar = scalars[position]
        position += 1
        if scalar == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return scalar
    }

    mutating func advance(by count: Int) {
        for _ in 0..<count { advance() }
    }

    func looks(at text: String) -> Bool {
        var offset = 0
        for scalar in text.unicodeScalars {
            guard peek(offset) == scalar else { return false }
            offset += 1
        }
        return true
    }

    mutating func consume(_ text: String) -> Bool {
        guard looks(at: text) else { return false }
        advance(by: text.unicodeScalars.count)
        return true
    }

    mutating func skipWhitespace() {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            advance()
        }
    }

    func text(from start: Int, to end: Int) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<end])
        return String(text)
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    static func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("0"..."9").contains(scalar)
    }

    /// A Velocity identifier: a letter or `_`, then letters, digits, `_` and — as in Velocity
    /// 1.7 — `-`, so `$a-b` names the variable `a-b`.
    mutating func readIdentifier(allowingHyphen: Bool = true) -> String? {
        guard Lexer.isIdentifierStart(peek()) else { return nil }
        let start = position
        while let scalar = peek(),
            Lexer.isIdentifierStart(scalar) || Lexer.isDigit(scalar) || (allowingHyphen && scalar == "-")
        {
            advance()
        }
        return text(from: start, to: position)
    }

    // MARK: Expression tokens

    private static let twoCharacterSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||", ".."]
    private static let oneCharacterSymbols: Set<Unicode.Scalar> = [
        "(", ")", "[", "]", "{", "}", ",", ":", "+", "-", "*", "/", "%", "<", ">", "!", "=",
    ]

    /// The next token after any whitespace, without consuming it.
    func peekToken() throws -> Token {
        var copy = self
        return try copy.nextToken()
    }

    mutating func nextToken() throws -> Token {
        skipWhitespace()
        guard let scalar = peek() else { return .end }
        let start = location
        if scalar == "$" { return .dollar }
        if scalar == "\"" || scalar == "'" { return try readString(quote: scalar) }
        // As in Velocity 1.7, a '-' touching a digit is part of the number: `5 -1` is two values.
        if Lexer.isDigit(scalar) || (scalar == "-" && Lexer.isDigit(peek(1))) { return readNumber() }
        if Lexer.isIdentifierStart(scalar) { return .word(readIdentifier(allowingHyphen: false)!) }
        if let next = peek(1) {
            let pair = String(scalar) + String(next)
            if Lexer.twoCharacterSymbols.contains(pair) {
                advance(by: 2)
                return .symbol(pair)
            }
        }
        if Lexer.oneCharacterSymbols.contains(scalar) {
            advance()
            return .symbol(String(scalar))
        }
        throw VelocityError.parse("unexpected character '\(scalar)'", at: start)
    }

    private mutating func readNumber() -> Token {
        let start = position
        if peek() == "-" { advance() }
        while Lexer.isDigit(peek()) { advance() }
        // `1..3` is a range, not the number `1.`.
        if peek() == ".", Lexer.isDigit(peek(1)) {
            advance()
            while Lexer.isDigit(peek()) { advance() }
            return .number(.double(Double(text(from: start, to: position)) ?? 0))
        }
        let digits = text(from: start, to: position)
        if let value = Int64(digits) { return .number(.int(value)) }
        return .number(.double(Double(digits) ?? .infinity))
    }

    /// A quoted literal. A doubled quote stands for one quote; backslashes are kept as written
    /// and escape nothing (Velocity 1.7 neither unescapes `\n` nor lets `\"` continue a string).
    private mutating func readString(quote: Unicode.Scalar) throws -> Token {
        let start = location
        advance()
        let contentStart = location
        var content = String.UnicodeScalarView()
        while true {
            guard let scalar = peek() else {
                throw VelocityError.parse("string literal is not closed", at: start)
            }
            advance()
            if scalar == quote {
                guard peek() == quote else { break }
                advance()
            }
            content.append(scalar)
        }
        let text = String(content)
        let interpolates = quote == "\"" && (text.contains("$") || text.contains("#"))
        return .string(text, interpolates: interpolates, contentStart: contentStart)
    }
}

/// Expressions and references: what goes inside `#if(…)`, `#set(…)`, method arguments and
/// `$a.b(…)[…]` chains. Precedence, loosest first: `||`, `&&`, `== !=`, `< > <= >=`, `+ -`,
/// `* / %`, then unary `!`. Word forms (`or and eq ne lt gt le ge not`) are equivalent.
/// As in Velocity 1.7 there is no unary minus: `-3` is a literal, `-$x` and `-(1)` do not parse.
extension Parser {
    private static let wordOperators: [String: String] = [
        "or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
        "not": "!",
    ]

    /// The next token with word operators turned into their symbols.
    private func peekOperator() throws -> String? {
        switch try lexer.peekToken() {
        case .symbol(let symbol): symbol
        case .word(let word): Parser.wordOperators[word]
        default: nil
        }
    }

    mutating func parseExpression() throws -> Expression {
        try parseBinary(level: 0)
    }

    private static let levels: [[String: BinaryOperator]] = [
        ["||": .or],
        ["&&": .and],
        ["==": .equal, "!=": .notEqual],
        ["<": .less, ">": .greater, "<=": .lessOrEqual, ">=": .greaterOrEqual],
        ["+": .add, "-": .subtract],
        ["*": .multiply, "/": .divide, "%": .remainder],
    ]

    private mutating func parseBinary(level: Int) throws -> Expression {
        guard level < Parser.levels.count else { return try parseUnary() }
        var left = try parseBinary(level: level + 1)
        while let symbol = try peekOperator(), let op = Parser.levels[level][symbol] {
            _ = try lexer.nextToken()
            let location = lexer.location
            let right = try parseBinary(level: level + 1)
            left = .binary(op, left, right, location)
        }
        return left
    }

    mutating func parseUnary() throws -> Expression {
        try enterNesting()
        defer { depth -= 1 }
        let symbol = try peekOperator()
        if symbol == "!" {
            _ = try lexer.nextToken()
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> Expression {
        lexer.skipWhitespace()
        let start = lexer.location
        switch try lexer.nextToken() {
        case .number(let value):
            return .literal(value)
        case .string(let text, let interpolates, let contentStart):
            guard interpolates else { return .literal(.string(text)) }
            var inner = Parser(text, start: contentStart)
            inner.isStringContent = true
            inner.macros = macros
            inner.depth = depth
            let nodes = try inner.parseTemplate()
            return .interpolated(nodes)
        case .word("true"):
            return .literal(.bool(true))
        case .word("false"):
            return .literal(.bool(false))
        case .dollar:
            guard let reference = try parseReference() else {
                throw VelocityError.parse("'$' must start a reference such as $name", at: start)
            }
            return .reference(reference)
        case .symbol("("):
            let inner = try parseExpression()
            try expectSymbol(")", after: "'('")
            return inner
        case .symbol("["):
            return try parseListOrRange(start: start)
        case .symbol("{"):
            return try parseMap()
        case .end:
            throw VelocityError.parse("expression ends too early", at: start)
        case .word(let word):
            throw VelocityError.parse("unexpected word '\(word)' (references start with $)", at: start)
        default:
            throw VelocityError.parse("expected a value", at: start)
        }
    }

    private mutating func parseListOrRange(start: SourceLocation) throws -> Expression {
        if try lexer.peekToken() == .symbol("]") {
            _ = try lexer.nextToken()
            return .list([])
        }
        let first = try parseExpression()
        if try lexer.peekToken() == .symbol("..") {
            _ = try lexer.nextToken()
            let last = try parseExpression()
            try expectSymbol("]", after: "range")
            return .range(first, last, start)
        }
        var elements = [first]
        while try lexer.peekToken() == .symbol(",") {
            _ = try lexer.nextToken()
            elements.append(try parseExpression())
        }
        try expectSymbol("]", after: "list")
        return .list(elements)
    }

    private mutating func parseMap() throws -> Expression {
        var entries: [(key: Expression, value: Expression)] = []
        if try lexer.peekToken() == .symbol("}") {
            _ = try lexer.nextToken()
            return .map(entries)
        }
        while true {
            let key = try parseExpression()
            try expectSymbol(":", after: "map key")
            entries.append((key, try parseExpression()))
            guard try lexer.peekToken() == .symbol(",") else { break }
            _ = try lexer.nextToken()
        }
        try expectSymbol("}", after: "map")
        return .map(entries)
    }

    mutating func expectSymbol(_ symbol: String, after context: String) throws {
        let location = lexer.location
        guard try lexer.nextToken() == .symbol(symbol) else {
            lexer.skipWhitespace()
            throw VelocityError.parse("expected '\(symbol)' after \(context)", at: location)
        }
    }

    /// `$name`, `$!name`, `${name}`, `$!{name}` with their `.property`, `.method(…)` and
    /// `[index]` chain. Answers nil, consuming nothing, when the `$` starts no reference.
    mutating func parseReference() throws -> Reference? {
        var probe = lexer
        let start = probe.location
        let sourceStart = probe.position
        guard probe.consume("$") else { return nil }
        let quiet = probe.consume("!")
        let formal = probe.consume("{")
        guard let root = probe.readIdentifier() else { return nil }
        lexer = probe
        var segments: [Reference.Segment] = []
        while true {
            if lexer.peek() == ".", Lexer.isIdentifierStart(lexer.peek(1)) {
                lexer.advance()
                let name = lexer.readIdentifier()!
                if lexer.peek() == "(" {
                    lexer.advance()
                    segments.append(.method(name, try parseArguments(of: name)))
                } else {
                    segments.append(.property(name))
                }
            } else if lexer.peek() == "[" {
                lexer.advance()
                let index = try parseExpression()
                try expectSymbol("]", after: "index")
                segments.append(.index(index))
            } else {
                break
            }
        }
        if formal {
            guard lexer.consume("}") else {
                throw VelocityError.parse("${\(root) is not closed with '}'", at: lexer.location)
            }
        }
        let source = lexer.text(from: sourceStart, to: lexer.position)
        return Reference(root: root, segments: segments, quiet: quiet, source: source, location: start)
    }

    private mutating func parseArguments(of method: String) throws -> [Expression] {
        if try lexer.peekToken() == .symbol(")") {
            _ = try lexer.nextToken()
            return []
        }
        var arguments = [try parseExpression()]
        while try lexer.peekToken() == .symbol(",") {
            _ = try lexer.nextToken()
            arguments.append(try parseExpression())
        }
        try expectSymbol(")", after: "arguments of \(method)(")
        return arguments
    }
}

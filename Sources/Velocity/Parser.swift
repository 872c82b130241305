/// Turns template source into ``Node``s: text, references, directives and comments.
///
/// Expressions (directive arguments, method arguments, literals) are parsed in
/// `ExpressionParser.swift`; this file handles the template level and whitespace.
///
/// Whitespace follows Velocity 1.7 (what API Gateway runs; Velocity 2 calls it the `bc` space
/// gobbling mode), as its parser grammar defines it:
/// - the `)` that closes a directive or macro call (`#set`, `#if`, `#elseif`, `#foreach`,
///   `#macro`, `#define`, `#name(…)`) swallows the spaces, tabs and one line break after it,
///   if nothing else follows on the line; so do `#end` and `#else`;
/// - `#set` also swallows the spaces and tabs before it, unless text leads up to them (see
///   ``PendingText``); every other directive keeps its indentation in the output;
/// - a `##` comment swallows its line break, a `#* … *#` comment nothing;
/// - `#break`, `#stop` and references swallow nothing.
struct Parser {
    var lexer: Lexer
    /// Every `#macro` seen so far, wherever it appears, as in Velocity's parse-time registry.
    var macros: [String: Macro] = [:]
    /// How many blocks and sub-expressions enclose the cursor; bounded so that a hostile
    /// template fails to parse instead of exhausting the stack.
    var depth = 0
    static let maximumDepth = 50
    /// Whether this parses a double-quoted string's content rather than a whole template; only a
    /// whole template may not end in a lone `$` or `#`.
    var isStringContent = false

    /// How a nested block ended.
    enum Terminator {
        case end
        case otherwise
        case elseIf(Expression)
    }

    private static let directives: Set<String> = [
        "set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro", "define",
    ]

    init(_ source: String, start: SourceLocation = SourceLocation(line: 1, column: 1)) {
        lexer = Lexer(source, start: start)
    }

    mutating func parseTemplate() throws -> [Node] {
        try parseNodes(opener: nil).nodes
    }

    /// Parses nodes up to the end of input, or — inside a block named by `opener` — up to the
    /// `#end`, `#else` or `#elseif` that closes it.
    mutating func parseNodes(opener: (name: String, location: SourceLocation)?) throws
        -> (nodes: [Node], terminator: Terminator?)
    {
        if opener != nil { try enterNesting() }
        defer { if opener != nil { depth -= 1 } }
        var nodes: [Node] = []
        var text = PendingText()
        func append(_ node: Node) {
            if let pending = text.take() { nodes.append(.text(pending)) }
            nodes.append(node)
        }
        while let scalar = lexer.peek() {
            switch scalar {
            case "\\":
                if let escaped = try parseEscape(into: &text) { append(escaped) }
            case "$":
                if let reference = try parseReference() {
                    append(.reference(reference, backslashes: 0))
                    if reference.endsInProperty, lexer.consume("##") { text.appendToken("##") }
                } else {
                    try appendLoneSymbol(to: &text)
                }
            case "#":
                if try skipComment() {
                    text.markBoundary()
                    continue
                }
                if lexer.consume("#[[") {
                    text.appendToken(try readUnparsed())
                    continue
                }
                let start = lexer.location
                let sourceStart = lexer.position
                guard let name = readDirectiveName() else {
                    try appendLoneSymbol(to: &text)
                    continue
                }
                switch name {
                case "end", "else", "elseif":
                    guard let opener, name == "end" || opener.name == "#if" || opener.name == "#elseif" else {
                        throw VelocityError.parse("#\(name) without a matching #if/#foreach/#macro/#define", at: start)
                    }
                    let terminator: Terminator
                    switch name {
                    case "end", "else":
                        terminator = name == "end" ? .end : .otherwise
                        gobbleLineEnd()
                    default:
                        terminator = .elseIf(try parseParenthesizedCondition(directive: name))
                    }
                    if let pending = text.take() { nodes.append(.text(pending)) }
                    return (nodes, terminator)
                case "set", "if", "foreach", "break", "stop", "macro", "define":
                    if name == "set" { text.dropBlanksBeforeSet() }
                    if let node = try parseDirective(name, at: start) {
                        append(node)
                    } else {
                        text.markBoundary()
                    }
                default:
                    if let call = try parseMacroCall(name, at: start) {
                        append(call)
                    } else {
                        text.appendToken(lexer.text(from: sourceStart, to: lexer.position))
                    }
                }
            default:
                text.append(lexer.advance())
            }
        }
        if let opener {
            throw VelocityError.parse("\(opener.name) has no matching #end", at: opener.location)
        }
        if let pending = text.take() { nodes.append(.text(pending)) }
        return (nodes, nil)
    }

    /// A `$` or `#` that starts nothing is text — except at the very end of a template, where
    /// Velocity 1.7's lexer fails on it (`$!` too).
    private mutating func appendLoneSymbol(to text: inout PendingText) throws {
        let location = lexer.location
        let symbol = lexer.advance()
        let atEnd = lexer.isAtEnd || (symbol == "$" && lexer.peek() == "!" && lexer.peek(1) == nil)
        if atEnd && !isStringContent {
            throw VelocityError.parse("a template cannot end with a lone '\(symbol)'", at: location)
        }
        text.appendToken(String(symbol))
    }

    mutating func enterNesting() throws {
        depth += 1
        guard depth <= Parser.maximumDepth else {
            throw VelocityError.parse("nesting deeper than \(Parser.maximumDepth) levels", at: lexer.location)
        }
    }

    /// Parses one opening directive whose name has been read; answers the node it makes, if any.
    private mutating func parseDirective(_ name: String, at start: SourceLocation) throws -> Node? {
        switch name {
        case "set":
            try expectOpeningParenthesis(directive: name)
            lexer.skipWhitespace()
            guard let target = try parseReference(), !target.quiet else {
                throw VelocityError.parse("#set needs a reference such as $name on the left", at: lexer.location)
            }
            if case .method = target.segments.last {
                throw VelocityError.parse("#set cannot assign to a method call", at: target.location)
            }
            try expectSymbol("=", after: "#set($\(target.root)")
            let value = try parseExpression()
            try closeDirective("#set")
            return .set(target: target, value: value, location: start)
        case "if":
            var branches = [Branch(condition: try parseParenthesizedCondition(directive: name), body: [])]
            var opener = (name: "#if", location: start)
            while true {
                let (body, terminator) = try parseNodes(opener: opener)
                branches[branches.count - 1].body = body
                switch terminator {
                case .elseIf(let condition):
                    branches.append(Branch(condition: condition, body: []))
                    opener = ("#elseif", opener.location)
                case .otherwise:
                    let otherwise = try parseNodes(opener: ("#else", start)).nodes
                    return .conditional(branches: branches, otherwise: otherwise)
                case .end, nil:
                    return .conditional(branches: branches, otherwise: [])
                }
            }
        case "foreach":
            try expectOpeningParenthesis(directive: name)
            lexer.skipWhitespace()
            guard lexer.consume("$"), let variable = lexer.readIdentifier() else {
                throw VelocityError.parse("#foreach needs a loop variable such as $item", at: lexer.location)
            }
            guard try lexer.nextToken() == .word("in") else {
                throw VelocityError.parse("#foreach expects 'in' after $\(variable)", at: lexer.location)
            }
            let iterable = try parseExpression()
            try closeDirective("#foreach")
            let body = try parseNodes(opener: ("#foreach", start)).nodes
            return .loop(variable: variable, iterable: iterable, body: body, location: start)
        case "macro":
            try expectOpeningParenthesis(directive: name)
            lexer.skipWhitespace()
            guard let macroName = lexer.readIdentifier() else {
                throw VelocityError.parse("#macro needs a name", at: lexer.location)
            }
            var parameters: [String] = []
            while true {
                skipArgumentSeparators()
                if lexer.consume(")") { break }
                guard lexer.consume("$"), let parameter = lexer.readIdentifier() else {
                    throw VelocityError.parse("#macro parameters must be references such as $a", at: lexer.location)
                }
                parameters.append(parameter)
            }
            gobbleLineEnd()
            let body = try parseNodes(opener: ("#macro", start)).nodes
            macros[macroName] = Macro(name: macroName, parameters: parameters, body: body)
            return nil
        case "define":
            try expectOpeningParenthesis(directive: name)
            lexer.skipWhitespace()
            guard lexer.consume("$"), let variable = lexer.readIdentifier() else {
                throw VelocityError.parse("#define needs a reference such as $block", at: lexer.location)
            }
            try closeDirective("#define")
            let body = try parseNodes(opener: ("#define", start)).nodes
            return .define(name: variable, body: body)
        case "break":
            return .breakLoop
        default:
            return .stop
        }
    }

    /// `#name(arguments…)`, a call to a macro defined anywhere in the template; nil, consuming
    /// nothing, when no `(` follows. Velocity 1.7 also takes bare words as arguments of a call it
    /// cannot resolve (`#fff (see note)`) and renders such a call as written.
    private mutating func parseMacroCall(_ name: String, at start: SourceLocation) throws -> Node? {
        let sourceStart = lexer.position
        var probe = lexer
        probe.skipWhitespace()
        guard probe.consume("(") else { return nil }
        lexer = probe
        var arguments: [Expression] = []
        var hasWords = false
        while true {
            skipArgumentSeparators()
            if lexer.consume(")") { break }
            if lexer.isAtEnd { throw VelocityError.parse("#\(name)( is not closed", at: start) }
            if case .word(let word) = try lexer.peekToken(), word != "true", word != "false" {
                _ = try lexer.nextToken()
                hasWords = true
            } else {
                arguments.append(try parseUnary())
            }
        }
        gobbleLineEnd()
        // Rendered as written when no macro answers, the swallowed line break included.
        let source = "#" + name + lexer.text(from: sourceStart, to: lexer.position)
        guard hasWords else {
            return .macroCall(name: name, arguments: arguments, source: source, location: start)
        }
        if macros[name] != nil {
            throw VelocityError.parse("arguments of #\(name) must be values, not bare words", at: start)
        }
        return .text(source)
    }

    private mutating func skipArgumentSeparators() {
        while let scalar = lexer.peek(), scalar == "," || scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            lexer.advance()
        }
    }

    private mutating func parseParenthesizedCondition(directive: String) throws -> Expression {
        try expectOpeningParenthesis(directive: directive)
        let condition = try parseExpression()
        try closeDirective("#\(directive)(condition")
        return condition
    }

    /// Velocity 1.7 allows only spaces between `#set` and its `(`, any whitespace elsewhere.
    private mutating func expectOpeningParenthesis(directive: String) throws {
        while let scalar = lexer.peek(), scalar == " " || (directive != "set" && (scalar == "\t" || scalar == "\n" || scalar == "\r")) {
            lexer.advance()
        }
        guard lexer.consume("(") else {
            throw VelocityError.parse("#\(directive) must be followed by '('", at: lexer.location)
        }
    }

    /// The `)` ending a directive's arguments, and the line end it swallows.
    private mutating func closeDirective(_ context: String) throws {
        try expectSymbol(")", after: context)
        gobbleLineEnd()
    }

    /// Velocity 1.7's directive ending: spaces, tabs and one line break right after a
    /// directive's `)`, `#end` or `#else` belong to it — when nothing else follows on the line.
    private mutating func gobbleLineEnd() {
        var probe = lexer
        while probe.peek() == " " || probe.peek() == "\t" { probe.advance() }
        if probe.consume("\r\n") || probe.consume("\n") || probe.consume("\r") { lexer = probe }
    }

    /// `#name` or `#{name}` naming a directive or macro; consumes nothing when it does not.
    private mutating func readDirectiveName() -> String? {
        var probe = lexer
        probe.advance()  // #
        let formal = probe.consume("{")
        guard let name = probe.readIdentifier(allowingHyphen: false) else { return nil }
        if formal, !probe.consume("}") { return nil }
        // `#elsewhere` is text, but `#else` before non-letters is the directive.
        lexer = probe
        return name
    }

    /// `##` to the end of the line (newline included) or `#* … *#`; false if neither starts here.
    private mutating func skipComment() throws -> Bool {
        if lexer.consume("##") {
            while let scalar = lexer.peek() {
                lexer.advance()
                if scalar == "\n" { break }
            }
            return true
        }
        let start = lexer.location
        guard lexer.consume("#*") else { return false }
        while !lexer.consume("*#") {
            if lexer.isAtEnd { throw VelocityError.parse("comment #* is not closed with *#", at: start) }
            lexer.advance()
        }
        return true
    }

    private mutating func readUnparsed() throws -> String {
        let start = lexer.position
        while !lexer.looks(at: "]]#") {
            if lexer.isAtEnd { throw VelocityError.parse("#[[ is not closed with ]]#", at: lexer.location) }
            lexer.advance()
        }
        defer { lexer.advance(by: 3) }
        return lexer.text(from: start, to: lexer.position)
    }

    /// Backslashes before `$reference` or `#directive` escape it; elsewhere they are text.
    private mutating func parseEscape(into text: inout PendingText) throws -> Node? {
        var count = 0
        while lexer.peek(count) == "\\" { count += 1 }
        if lexer.peek(count) == "$" {
            var probe = self
            probe.lexer.advance(by: count)
            if let reference = try probe.parseReference() {
                self = probe
                return .reference(reference, backslashes: count)
            }
        } else if lexer.peek(count) == "#" {
            var probe = self
            probe.lexer.advance(by: count)
            let nameStart = probe.lexer.position
            if let name = probe.readDirectiveName(), Parser.directives.contains(name) || macros[name] != nil {
                var escaped = String(repeating: "\\", count: count / 2)
                if count % 2 == 1 {
                    // `\#if` is text, lexed as one token together with the name.
                    escaped += probe.lexer.text(from: nameStart, to: probe.lexer.position)
                    lexer = probe.lexer
                } else {
                    lexer.advance(by: count)
                }
                text.appendToken(escaped)
                return nil
            }
        }
        lexer.advance(by: count)
        text.appendToken(String(repeating: "\\", count: count))
        return nil
    }
}

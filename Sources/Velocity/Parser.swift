/// Turns template source into ``Node``s: text, references, directives and comments.
///
/// Expressions (directive arguments, method arguments, literals) are parsed in
/// `ExpressionParser.swift`; this file handles the template level and whitespace gobbling.
///
/// Whitespace: a line that holds only a directive (`#set`, `#if`, `#elseif`, `#else`, `#end`,
/// `#foreach`, `#break`, `#stop`, `#macro`, `#define`) or only a comment, plus spaces or
/// tabs, renders nothing — its indentation and its newline are dropped. Directives sharing a
/// line with text or references leave all whitespace alone. This is Velocity 2's "lines"
/// space gobbling; Velocity 1.7 (what API Gateway runs) differs in corners, such as keeping
/// the indentation before an indented directive, which has yet to be checked against AWS.
/// Macro calls are not gobbled: they produce output.
struct Parser {
    var lexer: Lexer
    /// Every `#macro` seen so far, wherever it appears, as in Velocity's parse-time registry.
    var macros: [String: Macro] = [:]
    /// How many blocks and sub-expressions enclose the cursor; bounded so that a hostile
    /// template fails to parse instead of exhausting the stack.
    var depth = 0
    static let maximumDepth = 50

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
        var text = ""
        func flush() {
            if !text.isEmpty { nodes.append(.text(text)) }
            text = ""
        }
        while let scalar = lexer.peek() {
            switch scalar {
            case "\\":
                if let escaped = try parseEscape(into: &text) {
                    flush()
                    nodes.append(escaped)
                }
            case "$":
                if let reference = try parseReference() {
                    flush()
                    nodes.append(.reference(reference, backslashes: 0))
                } else {
                    text.unicodeScalars.append(lexer.advance())
                }
            case "#":
                let lineOnly = isAlone(before: lexer.position)
                let lineComment = lexer.looks(at: "##")
                if try skipComment() {
                    // A `##` comment swallows its newline itself.
                    if lineOnly, lineComment || gobbleLineEnd() { trimBlanks(&text) }
                    continue
                }
                if lexer.consume("#[[") {
                    text += try readUnparsed()
                    continue
                }
                let start = lexer.location
                guard let name = readDirectiveName() else {
                    text.unicodeScalars.append(lexer.advance())
                    continue
                }
                switch name {
                case "end", "else", "elseif":
                    guard let opener, name == "end" || opener.name == "#if" || opener.name == "#elseif" else {
                        throw VelocityError.parse("#\(name) without a matching #if/#foreach/#macro/#define", at: start)
                    }
                    let terminator: Terminator =
                        switch name {
                        case "end": .end
                        case "else": .otherwise
                        default: .elseIf(try parseParenthesizedCondition(directive: name))
                        }
                    if lineOnly, gobbleLineEnd() { trimBlanks(&text) }
                    flush()
                    return (nodes, terminator)
                case "set", "if", "foreach", "break", "stop", "macro", "define":
                    let header = try parseDirective(name, at: start, lineOnly: lineOnly, text: &text)
                    flush()
                    if let header { nodes.append(header) }
                default:
                    if lexer.peek() == "(" {
                        flush()
                        nodes.append(try parseMacroCall(name, at: start))
                    } else {
                        text += "#" + name
                    }
                }
            default:
                text.unicodeScalars.append(lexer.advance())
            }
        }
        if let opener {
            throw VelocityError.parse("\(opener.name) has no matching #end", at: opener.location)
        }
        flush()
        return (nodes, nil)
    }

    mutating func enterNesting() throws {
        depth += 1
        guard depth <= Parser.maximumDepth else {
            throw VelocityError.parse("nesting deeper than \(Parser.maximumDepth) levels", at: lexer.location)
        }
    }

    /// Parses one opening directive whose name has been read; answers the node it makes, if any.
    private mutating func parseDirective(
        _ name: String, at start: SourceLocation, lineOnly: Bool, text: inout String
    ) throws -> Node? {
        func gobble(_ text: inout String) {
            if lineOnly, gobbleLineEnd() { trimBlanks(&text) }
        }
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
            try expectSymbol(")", after: "#set")
            gobble(&text)
            return .set(target: target, value: value, location: start)
        case "if":
            var branches = [Branch(condition: try parseParenthesizedCondition(directive: name), body: [])]
            gobble(&text)
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
            try expectSymbol(")", after: "#foreach")
            gobble(&text)
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
                while lexer.peek() == "," || lexer.peek() == " " || lexer.peek() == "\t" || lexer.peek() == "\n" {
                    lexer.advance()
                }
                if lexer.consume(")") { break }
                guard lexer.consume("$"), let parameter = lexer.readIdentifier() else {
                    throw VelocityError.parse("#macro parameters must be references such as $a", at: lexer.location)
                }
                parameters.append(parameter)
            }
            gobble(&text)
            let body = try parseNodes(opener: ("#macro", start)).nodes
            macros[macroName] = Macro(name: macroName, parameters: parameters, body: body)
            return nil
        case "define":
            try expectOpeningParenthesis(directive: name)
            lexer.skipWhitespace()
            guard lexer.consume("$"), let variable = lexer.readIdentifier() else {
                throw VelocityError.parse("#define needs a reference such as $block", at: lexer.location)
            }
            try expectSymbol(")", after: "#define")
            gobble(&text)
            let body = try parseNodes(opener: ("#define", start)).nodes
            return .define(name: variable, body: body)
        case "break":
            gobble(&text)
            return .breakLoop
        default:
            gobble(&text)
            return .stop
        }
    }

    private mutating func parseMacroCall(_ name: String, at start: SourceLocation) throws -> Node {
        let sourceStart = lexer.position
        lexer.advance()  // (
        var arguments: [Expression] = []
        while true {
            while lexer.peek() == "," || lexer.peek() == " " || lexer.peek() == "\t" || lexer.peek() == "\n" {
                lexer.advance()
            }
            if lexer.consume(")") { break }
            if lexer.isAtEnd { throw VelocityError.parse("#\(name)( is not closed", at: start) }
            arguments.append(try parseUnary())
        }
        let source = "#" + name + lexer.text(from: sourceStart, to: lexer.position)
        return .macroCall(name: name, arguments: arguments, source: source, location: start)
    }

    private mutating func parseParenthesizedCondition(directive: String) throws -> Expression {
        try expectOpeningParenthesis(directive: directive)
        let condition = try parseExpression()
        try expectSymbol(")", after: "#\(directive)(condition")
        return condition
    }

    private mutating func expectOpeningParenthesis(directive: String) throws {
        while lexer.peek() == " " || lexer.peek() == "\t" { lexer.advance() }
        guard lexer.consume("(") else {
            throw VelocityError.parse("#\(directive) must be followed by '('", at: lexer.location)
        }
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
    private mutating func parseEscape(into text: inout String) throws -> Node? {
        var count = 0
        while lexer.peek(count) == "\\" { count += 1 }
        let backslashes = String(repeating: "\\", count: count)
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
            if let name = probe.readDirectiveName(), Parser.directives.contains(name) || macros[name] != nil {
                lexer.advance(by: count)
                text += String(repeating: "\\", count: count / 2)
                if count % 2 == 1 { text.unicodeScalars.append(lexer.advance()) }
                return nil
            }
        }
        lexer.advance(by: count)
        text += backslashes
        return nil
    }

    /// Whether only spaces and tabs stand between the start of the line and `position`.
    private func isAlone(before position: Int) -> Bool {
        var index = position - 1
        while index >= 0, lexer.scalars[index] == " " || lexer.scalars[index] == "\t" { index -= 1 }
        return index < 0 || lexer.scalars[index] == "\n"
    }

    /// Consumes trailing blanks and the newline if nothing else is left on the line.
    private mutating func gobbleLineEnd() -> Bool {
        var probe = lexer
        while probe.peek() == " " || probe.peek() == "\t" { probe.advance() }
        if probe.isAtEnd || probe.consume("\n") || probe.consume("\r\n") {
            lexer = probe
            return true
        }
        // A `##` comment ending the line swallows the newline itself.
        if probe.looks(at: "##") {
            lexer = probe
            return true
        }
        return false
    }

    private func trimBlanks(_ text: inout String) {
        while let last = text.unicodeScalars.last, last == " " || last == "\t" {
            text.unicodeScalars.removeLast()
        }
    }
}

/// Where a construct starts in the template source; lines and columns count from 1.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public var description: String { "line \(line), column \(column)" }
}

/// One piece of a parsed template, rendered in order.
indirect enum Node: Sendable {
    /// Literal text, copied to the output.
    case text(String)
    /// `$x`, `$!x`, `${x.y}`, preceded by `backslashes` escaping backslashes.
    case reference(Reference, backslashes: Int)
    /// `#set($target = value)`.
    case set(target: Reference, value: Expression, location: SourceLocation)
    /// `#if … #elseif … #else … #end`.
    case conditional(branches: [Branch], otherwise: [Node])
    /// `#foreach($variable in iterable) body #end`.
    case loop(variable: String, iterable: Expression, body: [Node], location: SourceLocation)
    /// `#break`: leaves the innermost `#foreach` (or the template, outside one).
    case breakLoop
    /// `#stop`: ends rendering, keeping what was output so far.
    case stop
    /// `#name(arguments…)`; `source` is rendered when no macro has that name.
    case macroCall(name: String, arguments: [Expression], source: String, location: SourceLocation)
    /// `#define($name) body #end`: `$name` renders the body each time it is referenced.
    case define(name: String, body: [Node])
}

/// One `#if`/`#elseif` condition and the nodes it guards.
struct Branch: Sendable {
    var condition: Expression
    var body: [Node]
}

/// A `#macro(name $a $b) … #end` definition.
struct Macro: Sendable {
    var name: String
    var parameters: [String]
    var body: [Node]
}

/// `$root.segment.segment…` as written, with the text to render when it resolves to null.
struct Reference: Sendable {
    enum Segment: Sendable {
        case property(String)
        case method(String, [Expression])
        case index(Expression)
    }

    var root: String
    var segments: [Segment]
    /// `$!x`: render nothing, rather than the source, when null.
    var quiet: Bool
    /// The reference exactly as written, e.g. `$input.params('name')`.
    var source: String
    var location: SourceLocation

    /// Whether this is `$a.b` or `$a.b[0]` — informal, its chain ending in a property — after
    /// which Velocity 1.7's lexer takes `##` as text rather than a comment.
    var endsInProperty: Bool {
        guard !source.hasPrefix("${"), !source.hasPrefix("$!{") else { return false }
        let last = segments.last { segment in
            if case .index = segment { return false }
            return true
        }
        if case .property? = last { return true }
        return false
    }
}

/// An expression inside a directive, a method argument or a literal.
indirect enum Expression: Sendable {
    case literal(VelocityValue)
    /// A double-quoted string holding `$` or `#`, rendered as a small template.
    case interpolated([Node])
    case reference(Reference)
    case list([Expression])
    /// `[from..to]`, inclusive, counting down when `from > to`.
    case range(Expression, Expression, SourceLocation)
    case map([(key: Expression, value: Expression)])
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression, SourceLocation)
}

/// The infix operators, each with its word form (`eq`, `and`, …) folded in.
enum BinaryOperator: String, Sendable {
    case or = "||", and = "&&"
    case equal = "==", notEqual = "!="
    case less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">="
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
}

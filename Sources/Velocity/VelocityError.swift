/// Why a template could not be parsed or rendered, with the position in its source.
public enum VelocityError: Error, Equatable, CustomStringConvertible {
    /// The source is not valid Velocity, e.g. an `#if` without its `#end`.
    case parse(message: String, line: Int, column: Int)
    /// Rendering failed, e.g. `$list.get(9)` on a shorter list or macros recursing too deep.
    case evaluation(message: String, line: Int, column: Int)

    public var description: String {
        switch self {
        case .parse(let message, let line, let column):
            "Velocity parse error at line \(line), column \(column): \(message)"
        case .evaluation(let message, let line, let column):
            "Velocity evaluation error at line \(line), column \(column): \(message)"
        }
    }

    static func parse(_ message: String, at location: SourceLocation) -> VelocityError {
        .parse(message: message, line: location.line, column: location.column)
    }

    static func evaluation(_ message: String, at location: SourceLocation) -> VelocityError {
        .evaluation(message: message, line: location.line, column: location.column)
    }
}

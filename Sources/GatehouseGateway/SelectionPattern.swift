import Foundation

/// An integration response's `selectionPattern`, compiled once per deployment. AWS matches it
/// against the whole status code (or Lambda error message), as Java's `String.matches` does.
public final class SelectionPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from many threads.
    private let expression: NSRegularExpression?

    public init(_ pattern: String) {
        expression = try? NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.dotMatchesLineSeparators])
    }

    public func matches(_ text: String) -> Bool {
        guard let expression else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

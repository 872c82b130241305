/// Literal text the parser has gathered since the last node, plus what Velocity 1.7's lexer
/// would know about its end: how many spaces and tabs stand at the start of the current token.
///
/// Velocity 1.7 lexes `#set(` together with the blanks right before it, but only when those
/// blanks start a token: in `a\n  #set(…)` the text token runs up to the `#` and keeps the
/// indentation, while blanks after a reference, a directive, a comment or an escape are eaten
/// with the `#set`.
struct PendingText {
    private(set) var text = ""
    /// Blanks since the last token boundary while nothing else has come since it; nil after.
    private var blankRun: Int? = 0

    /// Appends plain template text, which continues the current token.
    mutating func append(_ scalar: Unicode.Scalar) {
        text.unicodeScalars.append(scalar)
        if let run = blankRun { blankRun = scalar == " " || scalar == "\t" ? run + 1 : nil }
    }

    /// Appends text Velocity lexes as a token of its own — an escape, a `$` or `#` that starts
    /// nothing, an unparsed block — so blanks after it start a new token.
    mutating func appendToken(_ token: String) {
        text += token
        blankRun = 0
    }

    /// Marks a token boundary that leaves no text, such as a comment.
    mutating func markBoundary() {
        blankRun = 0
    }

    /// Drops the blanks an upcoming `#set` swallows, if they start a token.
    mutating func dropBlanksBeforeSet() {
        if let run = blankRun { text.unicodeScalars.removeLast(run) }
        blankRun = 0
    }

    /// The gathered text, if any, leaving nothing behind: a node follows.
    mutating func take() -> String? {
        defer {
            text = ""
            blankRun = 0
        }
        return text.isEmpty ? nil : text
    }
}

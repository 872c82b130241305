import Velocity

/// A JSONPath expression as `$input.path(…)`, `$input.json(…)` and
/// `integration.response.body.…` take them, in Jayway JsonPath's syntax (what AWS runs):
/// `$`, `.name`, `['name']`, `[0]`, `[-1]`, `[*]`, `.*`, `..name`, `[1:3]`, `['a','b']`.
/// Filters (`[?(…)]`) are not supported. A path without `$` is read from the root.
struct JSONPath: Sendable {
    enum Step: Sendable, Equatable {
        case keys([String])
        case indices([Int])
        case slice(Int?, Int?)
        case wildcard
        /// `..name`, or `..*` (every descendant) when nil.
        case descendants(String?)
    }

    struct SyntaxError: Error {
        var message: String
    }

    let steps: [Step]

    /// Whether the path names at most one value (no wildcard, scan, slice or union): its result
    /// is that value, not a list of matches.
    var isDefinite: Bool {
        steps.allSatisfy { step in
            switch step {
            case .keys(let keys): keys.count == 1
            case .indices(let indices): indices.count == 1
            default: false
            }
        }
    }

    init(_ expression: String) throws(SyntaxError) {
        var scanner = Scanner(Array(expression.trimmingCharacters(in: .whitespaces).unicodeScalars))
        steps = try scanner.steps()
    }

    /// The value the path names (`null` when missing) or, for an indefinite path, the list of matches.
    func evaluate(_ root: VelocityValue) -> VelocityValue {
        var current = [root]
        for step in steps {
            current = current.flatMap { Self.apply(step, to: $0) }
        }
        return isDefinite ? (current.first ?? .null) : .list(current)
    }

    private static func apply(_ step: Step, to value: VelocityValue) -> [VelocityValue] {
        switch (step, value) {
        case (.keys(let keys), .map(let map)):
            return keys.compactMap { map[$0] }
        case (.indices(let indices), .list(let list)):
            return indices.compactMap { index in
                let resolved = index < 0 ? list.count + index : index
                return list.indices.contains(resolved) ? list[resolved] : nil
            }
        case (.slice(let from, let to), .list(let list)):
            let lower = clamp(from ?? 0, count: list.count)
            let upper = clamp(to ?? list.count, count: list.count)
            return lower < upper ? Array(list[lower..<upper]) : []
        case (.wildcard, .map(let map)): return map.values
        case (.wildcard, .list(let list)): return list
        case (.descendants(let name), _): return descendants(of: value, named: name)
        default: return []
        }
    }

    private static func clamp(_ index: Int, count: Int) -> Int {
        min(max(index < 0 ? count + index : index, 0), count)
    }

    private static func descendants(of value: VelocityValue, named name: String?) -> [VelocityValue] {
        var found: [VelocityValue] = []
        func visit(_ value: VelocityValue) {
            switch value {
            case .map(let map):
                for entry in map.entries {
                    if name == nil || entry.key == name { found.append(entry.value) }
                    visit(entry.value)
                }
            case .list(let list):
                for item in list {
                    if name == nil { found.append(item) }
                    visit(item)
                }
            default: break
            }
        }
        if name == nil { found.append(value) }
        visit(value)
        return name == nil ? Array(found.dropFirst()) : found
    }

    /// Reads the expression left to right into steps.
    private struct Scanner {
        let characters: [Unicode.Scalar]
        var position = 0

        init(_ characters: [Unicode.Scalar]) {
            self.characters = characters
        }

        var current: Unicode.Scalar? { position < characters.count ? characters[position] : nil }

        mutating func steps() throws(SyntaxError) -> [Step] {
            var steps: [Step] = []
            if current == "$" {
                position += 1
            } else if let first = current, first != "." && first != "[" {
                steps.append(.keys([name()]))
            }
            while let character = current {
                switch character {
                case ".":
                    position += 1
                    if current == "." {
                        position += 1
                        if current == "*" {
                            position += 1
                            steps.append(.descendants(nil))
                        } else if current == "[" {
                            steps.append(.descendants(nil))
                        } else {
                            steps.append(.descendants(try requiredName()))
                        }
                    } else if current == "*" {
                        position += 1
                        steps.append(.wildcard)
                    } else {
                        steps.append(.keys([try requiredName()]))
                    }
                case "[":
                    position += 1
                    steps.append(try bracket())
                default:
                    throw SyntaxError(message: "Unexpected character '\(character)' at position \(position)")
                }
            }
            return steps
        }

        private mutating func name() -> String {
            var text = ""
            while let character = current, character != ".", character != "[" {
                text.unicodeScalars.append(character)
                position += 1
            }
            return text
        }

        private mutating func requiredName() throws(SyntaxError) -> String {
            let text = name()
            guard !text.isEmpty else { throw SyntaxError(message: "Path must not end with a '.' or '..'") }
            return text
        }

        /// The inside of `[…]` up to and including the closing bracket.
        private mutating func bracket() throws(SyntaxError) -> Step {
            skipSpaces()
            if current == "*" {
                position += 1
                try close()
                return .wildcard
            }
            if current == "'" || current == "\"" {
                var keys: [String] = []
                repeat {
                    if current == "," { position += 1; skipSpaces() }
                    keys.append(try quoted())
                    skipSpaces()
                } while current == ","
                try close()
                return .keys(keys)
            }
            if current == "?" { throw SyntaxError(message: "Filter expressions are not supported") }
            var text = ""
            while let character = current, character != "]" {
                text.unicodeScalars.append(character)
                position += 1
            }
            try close()
            let trimmed = text.filter { $0 != " " }
            if trimmed.contains(":") {
                let bounds = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                return .slice(Int(bounds[0]), bounds.count > 1 ? Int(bounds[1]) : nil)
            }
            let indices = trimmed.split(separator: ",").compactMap { Int($0) }
            guard !indices.isEmpty, indices.count == trimmed.split(separator: ",").count else {
                throw SyntaxError(message: "Could not parse token starting at position \(position)")
            }
            return .indices(indices)
        }

        private mutating func quoted() throws(SyntaxError) -> String {
            guard let quote = current else { throw SyntaxError(message: "Unexpected end of path") }
            position += 1
            var text = ""
            while let character = current, character != quote {
                if character == "\\", position + 1 < characters.count {
                    position += 1
                }
                text.unicodeScalars.append(characters[position])
                position += 1
            }
            guard current == quote else { throw SyntaxError(message: "Unterminated quote in path") }
            position += 1
            return text
        }

        private mutating func close() throws(SyntaxError) {
            skipSpaces()
            guard current == "]" else { throw SyntaxError(message: "Expected ']' at position \(position)") }
            position += 1
        }

        private mutating func skipSpaces() {
            while current == " " { position += 1 }
        }
    }
}

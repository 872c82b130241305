import Foundation

/// CloudWatch's simple metric math for `GetMetricData`: `+ - * /` between series (by query
/// `Id`) and numbers, parentheses, and `SUM`, `AVG`, `MIN`, `MAX` across series
/// (`SUM([m1, m2])`, `AVG(METRICS())`), point by point at the timestamps the series share.
struct MetricMath {
    /// Values by timestamp.
    typealias Series = [Double: Double]

    enum Value {
        case number(Double)
        case series(Series)
        case list([Series])
    }

    struct Invalid: Error {
        let message: String
    }

    let series: [String: Series]
    private var tokens: [String] = []
    private var position = 0

    init(series: [String: Series]) {
        self.series = series
    }

    /// The series `expression` makes.
    mutating func evaluate(_ expression: String) throws(Invalid) -> Series {
        tokens = try Self.tokens(expression)
        position = 0
        let value = try sum()
        guard position == tokens.count else { throw Invalid(message: "Unexpected \(tokens[position]) in \(expression)") }
        switch value {
        case .series(let series): return series
        case .number(let number): return Dictionary(uniqueKeysWithValues: (series.values.first ?? [:]).keys.map { ($0, number) })
        case .list: throw Invalid(message: "The expression \(expression) makes several series; use a function over them.")
        }
    }

    private mutating func sum() throws(Invalid) -> Value {
        var value = try product()
        while let token = peek(), token == "+" || token == "-" {
            position += 1
            value = try Self.combine(value, try product(), token == "+" ? (+) : (-))
        }
        return value
    }

    private mutating func product() throws(Invalid) -> Value {
        var value = try factor()
        while let token = peek(), token == "*" || token == "/" {
            position += 1
            value = try Self.combine(value, try factor(), token == "*" ? (*) : (/))
        }
        return value
    }

    private mutating func factor() throws(Invalid) -> Value {
        guard let token = next() else { throw Invalid(message: "The expression ends too soon.") }
        if token == "-" { return try Self.combine(.number(0), try factor(), -) }
        if token == "(" {
            let value = try sum()
            try expect(")")
            return value
        }
        if token == "[" {
            var list: [Series] = []
            while peek() != "]" {
                guard case .series(let item) = try sum() else { throw Invalid(message: "A list holds series.") }
                list.append(item)
                if peek() == "," { position += 1 }
            }
            try expect("]")
            return .list(list)
        }
        if let number = Double(token) { return .number(number) }
        if peek() == "(" {
            position += 1
            return try function(token.uppercased())
        }
        guard let found = series[token] else { throw Invalid(message: "Unknown id \(token) in the expression.") }
        return .series(found)
    }

    private mutating func function(_ name: String) throws(Invalid) -> Value {
        var arguments: [Series]
        if name == "METRICS" {
            try expect(")")
            return .list(series.keys.sorted().map { series[$0]! })
        }
        switch try sum() {
        case .list(let list): arguments = list
        case .series(let one): arguments = [one]
        case .number: throw Invalid(message: "\(name) takes series.")
        }
        try expect(")")
        let reduce: ([Double]) -> Double
        switch name {
        case "SUM": reduce = { $0.reduce(0, +) }
        case "AVG": reduce = { $0.reduce(0, +) / Double($0.count) }
        case "MIN": reduce = { $0.min()! }
        case "MAX": reduce = { $0.max()! }
        default: throw Invalid(message: "Gatehouse's metric math has no function \(name).")
        }
        let times = Set(arguments.flatMap(\.keys))
        return .series(Dictionary(uniqueKeysWithValues: times.compactMap { time in
            let values = arguments.compactMap { $0[time] }
            return values.isEmpty ? nil : (time, reduce(values))
        }))
    }

    private static func combine(_ left: Value, _ right: Value, _ operation: (Double, Double) -> Double) throws(Invalid) -> Value {
        switch (left, right) {
        case (.number(let a), .number(let b)): return .number(operation(a, b))
        case (.series(let a), .number(let b)): return .series(a.mapValues { operation($0, b) })
        case (.number(let a), .series(let b)): return .series(b.mapValues { operation(a, $0) })
        case (.series(let a), .series(let b)):
            return .series(Dictionary(uniqueKeysWithValues: a.compactMap { time, value in b[time].map { (time, operation(value, $0)) } }))
        default: throw Invalid(message: "Arithmetic takes numbers and series, not lists.")
        }
    }

    private func peek() -> String? { position < tokens.count ? tokens[position] : nil }

    private mutating func next() -> String? {
        defer { position += 1 }
        return peek()
    }

    private mutating func expect(_ token: String) throws(Invalid) {
        guard next() == token else { throw Invalid(message: "Expected \(token) in the expression.") }
    }

    static func tokens(_ text: String) throws(Invalid) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        for character in text {
            if "+-*/(),[]".contains(character) {
                flush()
                tokens.append(String(character))
            } else if character.isWhitespace {
                flush()
            } else if character.isLetter || character.isNumber || character == "_" || character == "." {
                current.append(character)
            } else {
                throw Invalid(message: "Unexpected character \(character) in the expression.")
            }
        }
        flush()
        return tokens
    }
}

/// Arithmetic and comparison with Velocity 1.7 semantics.
///
/// - `+` concatenates rendered text when either side is a string.
/// - Integer arithmetic stays integral (`7 / 2` is `3`) and widens to double on overflow.
/// - A null operand, or division by zero, gives null — Velocity logs and yields null — so
///   `#set($x = $missing + 1)` leaves `$x` as it was. (Beside a string, the renderer hands
///   over a null reference's source text instead: `'x' + $missing` is `x$missing`.)
/// - `==` compares numbers by value, equal kinds by value, and unrelated kinds by their
///   rendered text, as Velocity compares `toString()` of different classes.
enum Operators {
    static func apply(_ op: BinaryOperator, _ left: VelocityValue, _ right: VelocityValue) -> VelocityValue {
        switch op {
        case .equal: .bool(equals(left, right))
        case .notEqual: .bool(!equals(left, right))
        case .less: compare(left, right).map { .bool($0 < 0) } ?? .bool(false)
        case .greater: compare(left, right).map { .bool($0 > 0) } ?? .bool(false)
        case .lessOrEqual: compare(left, right).map { .bool($0 <= 0) } ?? .bool(false)
        case .greaterOrEqual: compare(left, right).map { .bool($0 >= 0) } ?? .bool(false)
        case .add: add(left, right)
        case .subtract, .multiply, .divide, .remainder: arithmetic(op, left, right)
        case .and, .or: preconditionFailure("the renderer short-circuits && and || itself")
        }
    }

    static func equals(_ left: VelocityValue, _ right: VelocityValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double),
            (.bool, .bool), (.string, .string), (.list, .list), (.map, .map):
            return left == right
        default:
            return left.renderedText == right.renderedText
        }
    }

    /// Negative, zero or positive; nil unless both are numbers: Velocity 1.7 orders nothing else,
    /// not even strings, and answers false.
    static func compare(_ left: VelocityValue, _ right: VelocityValue) -> Int? {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        default:
            guard let a = double(left), let b = double(right) else { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        }
    }

    private static func add(_ left: VelocityValue, _ right: VelocityValue) -> VelocityValue {
        if left.isNull || right.isNull { return .null }
        switch (left, right) {
        case (.string, _), (_, .string): return .string(left.renderedText + right.renderedText)
        default: return arithmetic(.add, left, right)
        }
    }

    private static func arithmetic(_ op: BinaryOperator, _ left: VelocityValue, _ right: VelocityValue)
        -> VelocityValue
    {
        if case .int(let a) = left, case .int(let b) = right {
            let result: (Int64, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide:
                guard b != 0 else { return .null }
                result = a.dividedReportingOverflow(by: b)
            default:
                guard b != 0 else { return .null }
                result = a.remainderReportingOverflow(dividingBy: b)
            }
            if !result.1 { return .int(result.0) }
        }
        guard let a = double(left), let b = double(right) else { return .null }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide: return b == 0 ? .null : .double(a / b)
        default: return b == 0 ? .null : .double(a.truncatingRemainder(dividingBy: b))
        }
    }

    static func double(_ value: VelocityValue) -> Double? {
        switch value {
        case .int(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }
}

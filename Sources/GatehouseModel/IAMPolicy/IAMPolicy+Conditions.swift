extension IAMPolicy {
    /// One key under one operator of a statement's `Condition` block, e.g.
    /// `"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}`. A statement applies when all its
    /// conditions hold (operators and keys are ANDed); a condition holds when the request's value
    /// matches any of its values (ORed) or, for the negated `…Not…` operators, none of them.
    ///
    /// A key the request lacks makes the condition false, except, as IAM documents: negated
    /// operators and `…IfExists` operators are then true, and `Null` tests presence itself. The
    /// set prefixes only matter for a missing key (`ForAllValues:` is vacuously true,
    /// `ForAnyValue:` false): every key in `RequestFacts` holds a single value.
    ///
    /// `Arn*` operators match like `StringLike` on the whole ARN. `Binary*` operators and policy
    /// variables (`${aws:username}`) are not supported; the former is a `Malformed` policy.
    struct Condition: Sendable {
        enum Test: Sendable {
            /// Policy values; lowercased when `ignoresCase`.
            case string([String], ignoresCase: Bool)
            case like([Wildcard])
            case ipAddress([CIDR])
            case numeric([Double], Comparison)
            /// Seconds since 1970.
            case date([Double], Comparison)
            case bool([Bool])
            case null(keyIsAbsent: Bool)
        }

        enum Comparison: Sendable { case equal, less, lessOrEqual, greater, greaterOrEqual }
        enum Quantifier: Sendable { case single, anyValue, allValues }

        /// A condition key: `name` as the policy spells it, and the `RequestFacts` field it names, if any.
        struct Key: Sendable {
            enum Field: Sendable { case sourceIP, sourceVpce, sourceVpc, principalAccount, principalArn }
            let name: String
            let field: Field?

            /// Key names are case-insensitive in IAM (AWS's own examples write `aws:sourceVpce`).
            init(_ name: String) {
                self.name = name
                field =
                    switch name.lowercased() {
                    case "aws:sourceip": .sourceIP
                    case "aws:sourcevpce": .sourceVpce
                    case "aws:sourcevpc": .sourceVpc
                    case "aws:principalaccount": .principalAccount
                    case "aws:principalarn": .principalArn
                    default: nil
                    }
            }
        }

        let key: Key
        let test: Test
        let negated: Bool
        let ifExists: Bool
        let quantifier: Quantifier

        func isSatisfied(by request: RequestFacts) -> Bool {
            guard let value = request.value(for: key) else {
                switch (test, quantifier) {
                case (.null(let keyIsAbsent), _): return keyIsAbsent
                case (_, .allValues): return true
                case (_, .anyValue): return ifExists
                case (_, .single): return ifExists || negated
                }
            }
            return test.matches(value) != negated
        }
    }
}

extension IAMPolicy.Condition.Test {
    func matches(_ value: String) -> Bool {
        switch self {
        case .string(let values, false): return values.contains(value)
        case .string(let lowercased, true): return lowercased.contains { IAMPolicy.equalsIgnoringCase(value, lowercased: $0) }
        case .like(let patterns): return patterns.contains { $0.matches(value) }
        case .ipAddress(let blocks):
            guard let address = IAMPolicy.IPAddress(value) else { return false }
            return blocks.contains { $0.contains(address) }
        case .numeric(let values, let comparison):
            guard let number = Double(value) else { return false }
            return values.contains { comparison.holds(number, $0) }
        case .date(let values, let comparison):
            guard let seconds = IAMPolicy.epochSeconds(value) else { return false }
            return values.contains { comparison.holds(seconds, $0) }
        case .bool(let values):
            guard let flag = IAMPolicy.bool(value) else { return false }
            return values.contains(flag)
        case .null(let keyIsAbsent): return !keyIsAbsent
        }
    }
}

extension IAMPolicy.Condition.Comparison {
    func holds(_ value: Double, _ policy: Double) -> Bool {
        switch self {
        case .equal: value == policy
        case .less: value < policy
        case .lessOrEqual: value <= policy
        case .greater: value > policy
        case .greaterOrEqual: value >= policy
        }
    }
}

extension RequestFacts {
    /// The request's value for a condition key: a dedicated field, else `extra` (exact name first).
    func value(for key: IAMPolicy.Condition.Key) -> String? {
        let field: String? =
            switch key.field {
            case .sourceIP?: sourceIP
            case .sourceVpce?: sourceVpce
            case .sourceVpc?: sourceVpc
            case .principalAccount?: principal?.account
            case .principalArn?: principal?.arn
            case nil: nil
            }
        if let field { return field }
        if let exact = extra[key.name] { return exact }
        return extra.first { IAMPolicy.equalsIgnoringASCIICase($0.key, key.name) }?.value
    }
}

// MARK: - Compiling

extension IAMPolicy.Condition {
    typealias Malformed = IAMPolicy.Malformed

    /// A statement's `Condition` element (absent: no conditions).
    static func compile(_ json: JSON?, index: Int) throws(Malformed) -> [Self] {
        guard let json else { return [] }
        let context = "Statement \(index): Condition"
        guard let operators = json.objectValue else { throw Malformed("\(context) is not an object") }
        var conditions: [Self] = []
        // Sorted so a policy with several problems always reports the same one.
        for (name, keys) in operators.sorted(by: { $0.key < $1.key }) {
            guard let keys = keys.objectValue else { throw Malformed("\(context): \(name) is not an object") }
            for (key, values) in keys.sorted(by: { $0.key < $1.key }) {
                conditions.append(try Self(operator: name, key: key, values: values, context: "\(context): \(name)"))
            }
        }
        return conditions
    }

    init(operator name: String, key: String, values json: JSON, context: String) throws(Malformed) {
        var base = Substring(name)
        quantifier =
            if base.hasPrefix("ForAnyValue:") { .anyValue } else if base.hasPrefix("ForAllValues:") { .allValues } else { .single }
        if quantifier != .single, let colon = base.firstIndex(of: ":") { base = base[base.index(after: colon)...] }
        ifExists = base.hasSuffix("IfExists") && base != "IfExists"
        if ifExists { base = base.dropLast("IfExists".count) }
        self.key = Key(key)

        let values = try Self.strings(json, "\(context).\(key)")
        switch base {
        case "StringEquals", "StringNotEquals":
            test = .string(values, ignoresCase: false)
        case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
            test = .string(values.map { $0.lowercased() }, ignoresCase: true)
        case "StringLike", "StringNotLike", "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike":
            test = .like(values.map { IAMPolicy.Wildcard($0) })
        case "IpAddress", "NotIpAddress":
            var blocks: [IAMPolicy.CIDR] = []
            for value in values {
                guard let block = IAMPolicy.CIDR(value) else { throw Malformed("\(context).\(key): \(value) is not an IP address or CIDR") }
                blocks.append(block)
            }
            test = .ipAddress(blocks)
        case "Bool":
            test = .bool(try Self.parse(values, "\(context).\(key)", as: "a boolean", IAMPolicy.bool))
        case "Null":
            guard values.count == 1, let absent = IAMPolicy.bool(values[0]) else {
                throw Malformed("\(context).\(key) must be \"true\" or \"false\"")
            }
            test = .null(keyIsAbsent: absent)
        default:
            if base.hasPrefix("Numeric"), let comparison = Comparison(base.dropFirst("Numeric".count)) {
                test = .numeric(try Self.parse(values, "\(context).\(key)", as: "a number") { Double($0) }, comparison)
            } else if base.hasPrefix("Date"), let comparison = Comparison(base.dropFirst("Date".count)) {
                test = .date(try Self.parse(values, "\(context).\(key)", as: "a date", IAMPolicy.epochSeconds), comparison)
            } else {
                throw Malformed("\(context) is not a supported condition operator")
            }
        }
        // Every negated operator, and only those, has `Not` in its name.
        negated = base.contains("Not")
    }

    /// Condition values: a string, number or boolean, or a list of them; all are compared as text.
    private static func strings(_ json: JSON, _ context: String) throws(Malformed) -> [String] {
        var strings: [String] = []
        for item in json.arrayValue ?? [json] {
            switch item {
            case .string(let string): strings.append(string)
            case .bool(let flag): strings.append(flag ? "true" : "false")
            case .number(let number): strings.append(Int(exactly: number).map(String.init) ?? String(number))
            default: throw Malformed("\(context) holds a value that is not a string, number or boolean")
            }
        }
        return strings
    }

    private static func parse<Value>(
        _ values: [String], _ context: String, as kind: String, _ parse: (String) -> Value?
    ) throws(Malformed) -> [Value] {
        var parsed: [Value] = []
        for value in values {
            guard let value = parse(value) else { throw Malformed("\(context): \(value) is not \(kind)") }
            parsed.append(value)
        }
        return parsed
    }
}

extension IAMPolicy.Condition.Comparison {
    /// The comparison named by the tail of `NumericLessThan`, `DateNotEquals`, …
    init?(_ name: Substring) {
        switch name {
        case "Equals", "NotEquals": self = .equal
        case "LessThan": self = .less
        case "LessThanEquals": self = .lessOrEqual
        case "GreaterThan": self = .greater
        case "GreaterThanEquals": self = .greaterOrEqual
        default: return nil
        }
    }
}

/// An IAM policy document compiled once (per deployment, or per authorizer result).
///
/// This is the subset of the IAM policy language that API Gateway resource policies and Lambda
/// authorizer output policies use: `Effect`, `Action`/`NotAction`, `Resource`/`NotResource`,
/// `Principal`/`NotPrincipal` and `Condition` (see `IAMPolicy+Conditions.swift`). Wildcards are
/// compiled into byte patterns and CIDRs into 128-bit masks at init, so `evaluate` compares bytes
/// and integers and allocates nothing on the hot path.
///
/// Decisions follow IAM: any matching `Deny` is an explicit deny, otherwise any matching `Allow`
/// allows, otherwise the request is implicitly denied. Combining this decision with another
/// policy's (authorizer policy × resource policy, same or cross account) is the caller's job.
public struct IAMPolicy: Sendable {
    /// Why a document is not a policy; the message names the offending element.
    public struct Malformed: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public enum Decision: Equatable, Sendable { case allow, explicitDeny, implicitDeny }

    /// Deny statements first, then Allow statements, so the first statement that matches decides.
    private let statements: [Statement]

    public init(_ document: JSON) throws(Malformed) {
        guard let members = document.objectValue else { throw Malformed("Policy document is not a JSON object") }
        if let version = members["Version"], version.stringValue == nil {
            throw Malformed("Policy Version is not a string")
        }
        guard let statement = members["Statement"] else { throw Malformed("Policy document has no Statement") }
        let items: [JSON]
        switch statement {
        case .object: items = [statement]
        case .array(let list): items = list
        default: throw Malformed("Policy Statement is neither an object nor a list")
        }
        var compiled: [Statement] = []
        for (index, item) in items.enumerated() {
            compiled.append(try Statement(item, index: index))
        }
        statements = compiled.filter { $0.denies } + compiled.filter { !$0.denies }
    }

    /// The decision for `action` (e.g. `execute-api:Invoke`) on `resource` (the full ARN, e.g.
    /// `arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/1`) by `request`.
    public func evaluate(action: String, resource: String, request: RequestFacts) -> Decision {
        IAMPolicy.withBytes(action) { action in
            IAMPolicy.withBytes(resource) { resource in
                let target = Target(action: action, resource: resource, apiRelative: IAMPolicy.apiRelativePart(of: resource))
                for statement in statements where statement.matches(target, request) {
                    return statement.denies ? .explicitDeny : .allow
                }
                return .implicitDeny
            }
        }
    }
}

/// What a policy knows about the caller besides the action and resource: the request context keys.
public struct RequestFacts: Sendable {
    /// Who is calling: nil for an anonymous caller, else an AWS account and usually the signing ARN.
    public var principal: Principal?
    /// `aws:SourceIp`.
    public var sourceIP: String?
    /// `aws:SourceVpce`.
    public var sourceVpce: String?
    /// `aws:SourceVpc`.
    public var sourceVpc: String?
    /// Any other condition keys, e.g. `aws:SecureTransport`; names match case-insensitively.
    public var extra: [String: String] = [:]

    public init(
        principal: Principal? = nil, sourceIP: String? = nil, sourceVpce: String? = nil, sourceVpc: String? = nil,
        extra: [String: String] = [:]
    ) {
        self.principal = principal
        self.sourceIP = sourceIP
        self.sourceVpce = sourceVpce
        self.sourceVpc = sourceVpc
        self.extra = extra
    }
}

/// An authenticated AWS caller as a policy's `Principal` element names it.
public struct Principal: Sendable, Hashable {
    /// The 12-digit account id.
    public var account: String
    /// The caller's ARN, e.g. `arn:aws:iam::123456789012:user/alice`; nil when only the account is known.
    public var arn: String?
    /// For an `arn:aws:sts::…:assumed-role/Name/session` caller, `Name`: a policy naming the role matches it.
    public var assumedRoleName: String?

    public init(account: String, arn: String? = nil) {
        self.account = account
        self.arn = arn
        let parts = arn.map { $0.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false) } ?? []
        if parts.count == 6, parts[2] == "sts", parts[5].hasPrefix("assumed-role/") {
            assumedRoleName = parts[5].split(separator: "/").dropFirst().first.map(String.init)
        }
    }

    /// The caller with ARN `arn`, its account taken from the ARN; nil if `arn` carries no account.
    public init?(arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[4].isEmpty else { return nil }
        self.init(account: String(parts[4]), arn: arn)
    }
}

// MARK: - Statements

extension IAMPolicy {
    /// The evaluated action and resource as bytes, plus the resource's `/{stage}/{METHOD}/{path}` tail.
    struct Target {
        var action: UnsafeBufferPointer<UInt8>
        var resource: UnsafeBufferPointer<UInt8>
        var apiRelative: UnsafeBufferPointer<UInt8>?
    }

    struct Statement: Sendable {
        let denies: Bool
        let actions: [Wildcard]
        let notAction: Bool
        let resources: [ResourcePattern]
        let notResource: Bool
        /// nil when the statement names no principal: it then applies to every caller, as in identity
        /// and authorizer policies.
        let principals: [PrincipalPattern]?
        let notPrincipal: Bool
        let conditions: [Condition]

        init(_ json: JSON, index: Int) throws(Malformed) {
            guard let members = json.objectValue else { throw Malformed("Statement \(index) is not an object") }
            switch members["Effect"] {
            case "Allow"?: denies = false
            case "Deny"?: denies = true
            default: throw Malformed("Statement \(index): Effect must be Allow or Deny")
            }
            (actions, notAction) = try Statement.element("Action", in: members, index: index) { Wildcard($0, ignoresCase: true) }
            (resources, notResource) = try Statement.element("Resource", in: members, index: index, ResourcePattern.init)
            (principals, notPrincipal) = try PrincipalPattern.compile(members, index: index)
            conditions = try Condition.compile(members["Condition"], index: index)
        }

        func matches(_ target: Target, _ request: RequestFacts) -> Bool {
            actions.contains { $0.matches(target.action) } != notAction
                && resources.contains { $0.matches(target) } != notResource
                && (principals.map { list in list.contains { $0.matches(request.principal) } != notPrincipal } ?? true)
                && conditions.allSatisfy { $0.isSatisfied(by: request) }
        }

        /// Exactly one of `name` and `Not<name>`, a string or a list of strings, each compiled by `compile`.
        static func element<Pattern>(
            _ name: String, in members: [String: JSON], index: Int, _ compile: (String) -> Pattern
        ) throws(Malformed) -> ([Pattern], negated: Bool) {
            switch (members[name], members["Not" + name]) {
            case (let value?, nil): return (try strings(value, "Statement \(index): \(name)").map(compile), false)
            case (nil, let value?): return (try strings(value, "Statement \(index): Not\(name)").map(compile), true)
            case (nil, nil): throw Malformed("Statement \(index) has neither \(name) nor Not\(name)")
            default: throw Malformed("Statement \(index) has both \(name) and Not\(name)")
            }
        }

        static func strings(_ value: JSON, _ context: String) throws(Malformed) -> [String] {
            if let string = value.stringValue { return [string] }
            guard let list = value.arrayValue else { throw Malformed("\(context) is neither a string nor a list") }
            var strings: [String] = []
            for item in list {
                guard let string = item.stringValue else { throw Malformed("\(context) holds a non-string") }
                strings.append(string)
            }
            return strings
        }
    }

    /// One `Resource` entry. `execute-api:/{stage}/{METHOD}/{path}` is API Gateway's shorthand for the
    /// API the policy is attached to: AWS fills in region, account and API id when the policy is saved.
    /// We keep the policy independent of its API and instead match the shorthand against the part of
    /// the evaluated ARN from the first `/` after the API id, i.e. as `arn:*:execute-api:*:*:*/{…}`
    /// where the three `*` cannot cross a `/` (so `execute-api:/prod/*` never matches stage `dev`).
    struct ResourcePattern: Sendable {
        let pattern: Wildcard
        let apiRelative: Bool

        init(_ text: String) {
            let shorthand = "execute-api:/"
            apiRelative = text.hasPrefix(shorthand)
            pattern = Wildcard(apiRelative ? String(text.dropFirst(shorthand.count - 1)) : text)
        }

        func matches(_ target: Target) -> Bool {
            guard apiRelative else { return pattern.matches(target.resource) }
            return target.apiRelative.map(pattern.matches) ?? false
        }
    }

    /// The `/{stage}/{METHOD}/{path}` tail of an `arn:{partition}:execute-api:{region}:{account}:{apiId}/…`
    /// ARN; nil for any other ARN.
    static func apiRelativePart(of arn: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        var colons = 0
        var fieldStart = 0
        for index in arn.indices {
            if colons == 5, arn[index] == UInt8(ascii: "/") {
                return UnsafeBufferPointer(rebasing: arn[index...])
            }
            guard arn[index] == UInt8(ascii: ":"), colons < 5 else { continue }
            if colons == 0, !arn[fieldStart..<index].elementsEqual("arn".utf8) { return nil }
            if colons == 2, !arn[fieldStart..<index].elementsEqual("execute-api".utf8) { return nil }
            colons += 1
            fieldStart = index + 1
        }
        return nil
    }
}

// MARK: - Principals

extension IAMPolicy {
    /// One entry of a `Principal`/`NotPrincipal` element. Only `"*"` and `AWS` principals can match:
    /// our callers are anonymous or AWS identities, never services or federated users.
    enum PrincipalPattern: Sendable {
        /// `"*"` or `{"AWS": "*"}` — IAM treats both as everyone, anonymous callers included.
        case anyone
        /// `"123456789012"` or `arn:aws:iam::123456789012:root`: every identity of the account.
        case account(String)
        /// `arn:aws:iam::123456789012:role/path/Name`: the role, and sessions that assumed it.
        case role(arn: String, account: String, name: String)
        /// Any other ARN: exactly that caller.
        case arn(String)
        /// A `Service`, `Federated` or `CanonicalUser` principal.
        case never

        init(aws text: String) {
            let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            if text == "*" {
                self = .anyone
            } else if text.utf8.count == 12, text.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) {
                self = .account(text)
            } else if parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[5] == "root" {
                self = .account(String(parts[4]))
            } else if parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[5].hasPrefix("role/") {
                self = .role(arn: text, account: String(parts[4]), name: String(parts[5].split(separator: "/").last!))
            } else {
                self = .arn(text)
            }
        }

        func matches(_ caller: Principal?) -> Bool {
            switch self {
            case .anyone: return true
            case .never: return false
            case .account(let account): return caller?.account == account
            case .arn(let arn): return caller?.arn == arn
            case .role(let arn, let account, let name):
                guard let caller else { return false }
                return caller.arn == arn || (caller.account == account && caller.assumedRoleName == name)
            }
        }

        /// The statement's principal list and whether it is `NotPrincipal`; nil when it names none.
        static func compile(_ members: [String: JSON], index: Int) throws(Malformed) -> ([PrincipalPattern]?, negated: Bool) {
            switch (members["Principal"], members["NotPrincipal"]) {
            case (nil, nil): return (nil, false)
            case (let value?, nil): return (try patterns(value, "Statement \(index): Principal"), false)
            case (nil, let value?): return (try patterns(value, "Statement \(index): NotPrincipal"), true)
            default: throw Malformed("Statement \(index) has both Principal and NotPrincipal")
            }
        }

        private static func patterns(_ value: JSON, _ context: String) throws(Malformed) -> [PrincipalPattern] {
            if value == "*" { return [.anyone] }
            guard let types = value.objectValue else { throw Malformed("\(context) must be \"*\" or an object") }
            var patterns: [PrincipalPattern] = []
            for (type, names) in types {
                let names = try Statement.strings(names, "\(context).\(type)")
                patterns += type == "AWS" ? names.map(PrincipalPattern.init(aws:)) : [.never]
            }
            return patterns
        }
    }
}

// MARK: - Wildcards

extension IAMPolicy {
    /// A compiled IAM wildcard pattern: `*` matches any run of characters (including `/` and `:`), `?`
    /// exactly one character. Plain strings, `*` alone and `prefix*` get a direct comparison; the rest
    /// use the classic backtrack-to-last-star scan over UTF-8 bytes, O(pattern × text) at worst, no
    /// allocation.
    struct Wildcard: Sendable {
        private enum Shape { case anything, exact, prefix, glob }
        private let shape: Shape
        /// The pattern's bytes, ASCII-lowercased when `ignoresCase`; without the `*` for `.prefix`.
        private let bytes: [UInt8]
        private let ignoresCase: Bool

        init(_ pattern: String, ignoresCase: Bool = false) {
            var bytes = Array(pattern.utf8)
            if ignoresCase { bytes = bytes.map(Wildcard.fold) }
            let star = UInt8(ascii: "*")
            let wildcards = bytes.lazy.filter { $0 == star || $0 == UInt8(ascii: "?") }.count
            self.ignoresCase = ignoresCase
            if bytes == [star] {
                shape = .anything
            } else if wildcards == 0 {
                shape = .exact
            } else if wildcards == 1, bytes.last == star {
                shape = .prefix
                bytes.removeLast()
            } else {
                shape = .glob
            }
            self.bytes = bytes
        }

        func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            switch shape {
            case .anything: return true
            case .exact: return text.count == bytes.count && startsText(text)
            case .prefix: return text.count >= bytes.count && startsText(text)
            case .glob: return glob(text)
            }
        }

        func matches(_ text: String) -> Bool { IAMPolicy.withBytes(text) { matches($0) } }

        /// Whether `text` begins with the pattern's bytes; `text` must be at least as long.
        private func startsText(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            for index in bytes.indices where bytes[index] != byte(text[index]) { return false }
            return true
        }

        private func byte(_ byte: UInt8) -> UInt8 { ignoresCase ? Wildcard.fold(byte) : byte }

        private func glob(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            let star = UInt8(ascii: "*")
            let question = UInt8(ascii: "?")
            var p = 0
            var t = 0
            var lastStar = -1  // pattern index after the last `*` seen
            var starText = 0  // where the text stood when that `*` was tried with its current length
            while t < text.count {
                if p < bytes.count, bytes[p] == star {
                    p += 1
                    lastStar = p
                    starText = t
                } else if p < bytes.count, bytes[p] == question {
                    p += 1
                    t = Wildcard.nextCharacter(text, after: t)
                } else if p < bytes.count, bytes[p] == byte(text[t]) {
                    p += 1
                    t += 1
                } else if lastStar >= 0 {
                    // Let the last `*` swallow one more character and retry from there.
                    starText = Wildcard.nextCharacter(text, after: starText)
                    p = lastStar
                    t = starText
                } else {
                    return false
                }
            }
            while p < bytes.count, bytes[p] == star { p += 1 }
            return p == bytes.count
        }

        /// The index after the UTF-8 sequence starting at `index`, so `?` and `*` step whole characters.
        private static func nextCharacter(_ text: UnsafeBufferPointer<UInt8>, after index: Int) -> Int {
            var next = index + 1
            while next < text.count, text[next] & 0xC0 == 0x80 { next += 1 }
            return next
        }

        static func fold(_ byte: UInt8) -> UInt8 { byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte }
    }
}

extension IAMPolicy {
    /// Runs `body` on the UTF-8 bytes of `string`, copying only if the string is not contiguous
    /// (bridged strings; never for native Swift strings).
    static func withBytes<Result>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }
}

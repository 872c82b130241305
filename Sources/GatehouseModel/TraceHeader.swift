import Foundation

/// The X-Ray trace header, `X-Amzn-Trace-Id: Root=1-{8 hex seconds}-{24 hex};Parent={16 hex};Sampled={0|1}`:
/// taken from a request when it carries one, else started, and passed on to integrations and
/// functions (`Lambda-Runtime-Trace-Id`, which runtimes put in `_X_AMZN_TRACE_ID`).
public struct TraceHeader: Sendable, Equatable, CustomStringConvertible {
    public var root: String
    public var parent: String?
    public var sampled: Bool

    /// What an invocation holds until the gateway stamps it with its request's trace.
    public static let unstamped = TraceHeader(root: "", parent: nil, sampled: false)

    private init(root: String, parent: String?, sampled: Bool) {
        self.root = root
        self.parent = parent
        self.sampled = sampled
    }

    /// The request's trace (its `Root` and sampling decision kept) or a new one sampled as `sampled` says.
    public init(_ header: String?, sampled: Bool = false) {
        var fields: [String: String] = [:]
        for part in (header ?? "").split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { fields[pair[0]] = pair[1] }
        }
        if let root = fields["Root"], Self.isRoot(root) {
            self.root = root
            parent = fields["Parent"]
            self.sampled = fields["Sampled"].map { $0 == "1" } ?? sampled
        } else {
            root = Self.newRoot()
            parent = nil
            self.sampled = sampled
        }
    }

    /// This trace with a new segment of Gatehouse's as the parent of what it calls.
    public func child() -> TraceHeader {
        var child = self
        child.parent = Self.hex(16)
        return child
    }

    public var description: String {
        "Root=\(root)" + (parent.map { ";Parent=\($0)" } ?? "") + ";Sampled=\(sampled ? 1 : 0)"
    }

    /// `1-{8 hex}-{24 hex}`.
    static func isRoot(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 3 && parts[0] == "1" && parts[1].count == 8 && parts[2].count == 24
            && parts.dropFirst().allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func newRoot() -> String {
        let seconds = String(UInt32(Date().timeIntervalSince1970), radix: 16)
        return "1-\(String(repeating: "0", count: 8 - seconds.count))\(seconds)-\(hex(24))"
    }

    /// `count` random hex digits, 16 from each random 64-bit word.
    static func hex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var digits = ""
        while digits.count < count {
            let word = String(generator.next() as UInt64, radix: 16)
            digits += String(repeating: "0", count: 16 - word.count) + word
        }
        return String(digits.prefix(count))
    }
}

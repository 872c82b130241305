/// A Lambda function named in any of the ways AWS accepts — a name, a partial ARN
/// (`123456789012:function:name`) or a full ARN (`arn:aws:lambda:us-east-1:123456789012:function:name`),
/// each with an optional `:qualifier` — or inside an API Gateway integration URI. The control
/// plane and the gateway both read and build function ARNs through it.
public struct LambdaARN: Sendable, Hashable, CustomStringConvertible {
    public var region: String
    public var account: String
    public var name: String
    /// `$LATEST`, a version number or an alias name; nil for the unqualified function.
    public var qualifier: String?

    public init(region: String, account: String, name: String, qualifier: String? = nil) {
        self.region = region
        self.account = account
        self.name = name
        self.qualifier = qualifier
    }

    /// Reads `text` in any accepted form; a form without region or account takes the caller's.
    public init(parsing text: String, region: String, account: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        self.init(region: region, account: account, name: text)
        if let index = parts.firstIndex(of: "function"), index + 1 < parts.count {
            // arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}] or {account}:function:{name}[:…]
            if index == 5, parts[0] == "arn" {
                self.region = parts[3]
                self.account = parts[4]
            } else if index == 1 {
                self.account = parts[0]
            }
            name = parts[index + 1]
            qualifier = index + 2 < parts.count ? parts[index + 2] : nil
        } else if parts.count == 2 {
            name = parts[0]
            qualifier = parts[1]
        }
    }

    /// The function in `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations`,
    /// where `{function}` is an ARN (perhaps qualified) or a bare name; nil for any other URI.
    public init?(integrationURI uri: String, region: String, account: String) {
        guard let start = uri.range(of: "/functions/"), let end = uri.range(of: "/invocations", options: .backwards),
            start.upperBound < end.lowerBound
        else { return nil }
        self.init(parsing: String(uri[start.upperBound..<end.lowerBound]), region: region, account: account)
    }

    /// The full ARN, with the qualifier if there is one.
    public var description: String {
        "arn:aws:lambda:\(region):\(account):function:\(name)" + (qualifier.map { ":\($0)" } ?? "")
    }

    /// The same function without a qualifier.
    public var unqualified: LambdaARN { qualified(nil) }

    public func qualified(_ qualifier: String?) -> LambdaARN {
        LambdaARN(region: region, account: account, name: name, qualifier: qualifier)
    }

    /// How functions are keyed across regions: `{region}:{name}`.
    public var functionKey: String { "\(region):\(name)" }
}

/// What a Lambda qualifier names: `$LATEST` (or no qualifier at all), a published version (its
/// number), or an alias (any other name), which points at `$LATEST` or a version. The control
/// plane (over stored documents), the gateway and the `Event` queue (over the function catalog)
/// resolve qualifiers by it.
public enum FunctionQualifier: Sendable, Hashable {
    case latest
    case version(String)
    case alias(String)

    public init(_ text: String?) {
        guard let text, text != "$LATEST" else {
            self = .latest
            return
        }
        self = text.allSatisfy(\.isASCIIDigit) ? .version(text) : .alias(text)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

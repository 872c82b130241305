import Atomics
import GatehouseModel

/// A function as invokers see it: every runnable version, its aliases, who may invoke it and how
/// its `Event` invocations are handled.
public struct FunctionVersions: Sendable {
    public var latest: FunctionSpec
    /// Published versions by number.
    public var versions: [String: FunctionSpec]
    /// Alias name → version.
    public var aliases: [String: String]
    /// The statements of the unqualified function's resource-based policy.
    public var statements: [JSON]
    /// Each version and alias has its own policy: statements by qualifier.
    public var qualifiedStatements: [String: [JSON]]
    /// `PutFunctionEventInvokeConfig` settings by qualifier (`$LATEST`, a version, an alias).
    public var eventInvokeConfigs: [String: EventInvokeConfig]

    public init(
        latest: FunctionSpec, versions: [String: FunctionSpec], aliases: [String: String], statements: [JSON],
        qualifiedStatements: [String: [JSON]] = [:], eventInvokeConfigs: [String: EventInvokeConfig] = [:]
    ) {
        self.latest = latest
        self.versions = versions
        self.aliases = aliases
        self.statements = statements
        self.qualifiedStatements = qualifiedStatements
        self.eventInvokeConfigs = eventInvokeConfigs
    }

    /// The policy statements that apply when the function is called with `qualifier`.
    public func statements(for qualifier: String?) -> [JSON] {
        guard let qualifier, qualifier != "$LATEST" else { return statements }
        return qualifiedStatements[qualifier] ?? []
    }

    /// The version a qualifier (`$LATEST`, a number, an alias) names.
    public func spec(qualifier: String?) -> FunctionSpec? {
        switch FunctionQualifier(qualifier) {
        case .latest: latest
        case .version(let number): versions[number]
        case .alias(let name): aliases[name].flatMap { FunctionQualifier($0) == .latest ? latest : versions[$0] }
        }
    }

    /// The `Event` settings for invocations through `qualifier`: its own, else the defaults.
    public func eventInvokeConfig(qualifier: String?) -> EventInvokeConfig {
        eventInvokeConfigs[qualifier ?? "$LATEST"] ?? EventInvokeConfig()
    }
}

/// How `Event` invocations of a function (through one qualifier) are retried and where their
/// results go.
public struct EventInvokeConfig: Sendable, Equatable {
    /// Retries after a function error: 0 to 2, AWS's default 2.
    public var maximumRetryAttempts = 2
    /// How long an event may wait, in seconds: 60 to 21,600, AWS's default 6 hours.
    public var maximumEventAgeInSeconds = 21_600
    /// Function ARNs that receive the invocation record.
    public var onSuccess: String?
    public var onFailure: String?

    public init() {}

    /// From the stored `FunctionEventInvokeConfig` document.
    public init(_ document: JSON) {
        maximumRetryAttempts = document["MaximumRetryAttempts"]?.intValue ?? maximumRetryAttempts
        maximumEventAgeInSeconds = document["MaximumEventAgeInSeconds"]?.intValue ?? maximumEventAgeInSeconds
        onSuccess = document["DestinationConfig"]?["OnSuccess"]?["Destination"]?.stringValue
        onFailure = document["DestinationConfig"]?["OnFailure"]?["Destination"]?.stringValue
    }
}

/// Every function, by `region:name`: an immutable table, replaced whole.
public final class FunctionTable: Revisioned {
    public let functions: [String: FunctionVersions]
    /// The store revision this table was built at.
    /// Function URLs by URL id.
    public let urls: [String: FunctionURL]
    public let revision: Int64

    public init(functions: [String: FunctionVersions] = [:], urls: [String: FunctionURL] = [:], revision: Int64 = -1) {
        self.functions = functions
        self.urls = urls
        self.revision = revision
    }

    public subscript(arn: LambdaARN) -> FunctionVersions? { functions[arn.functionKey] }
}

/// A function URL: the function (`region:name`) and qualifier it invokes, how its callers
/// authenticate (`NONE`, `AWS_IAM`) and its CORS rules.
public struct FunctionURL: Sendable {
    public var function: String
    public var region: String
    public var qualifier: String
    public var authType: String
    public var cors: JSON?

    public init(function: String, region: String, document: JSON) {
        self.function = function
        self.region = region
        qualifier = document["Qualifier"]?.stringValue ?? "$LATEST"
        authType = document["AuthType"]?.stringValue ?? "NONE"
        cors = document["Cors"]
    }
}

/// Where invokers read the current functions.
public typealias FunctionCatalog = Published<FunctionTable>

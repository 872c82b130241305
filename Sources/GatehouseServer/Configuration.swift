import Foundation

/// How a Gatehouse node runs: where it listens, where it keeps its data, whom it trusts.
///
/// Values come from, in increasing precedence: defaults, a JSON config file, `GATEHOUSE_*`
/// environment variables, command-line flags (applied by the executable).
public struct Configuration: Sendable, Codable, Equatable {
    public struct Credential: Sendable, Codable, Equatable {
        public var accessKeyId: String
        public var secretAccessKey: String
    }

    public var host: String = "127.0.0.1"
    public var port: Int = 4566
    public var dataDir: String = "./.gatehouse"
    public var accountId: String = "000000000000"
    public var credentials: [Credential] = [Credential(accessKeyId: "test", secretAccessKey: "test")]
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    public var logLevel: String = "info"
    /// Most function workers running at once on this node; past it, Invoke answers 429.
    public var maxWorkers: Int = 64
    /// Seconds an idle worker is kept warm.
    public var workerIdleSeconds: Int = 300
    /// `enforced` (as AWS: a Lambda proxy integration needs `lambda add-permission`) or `relaxed`.
    public var lambdaPermissions: String = "enforced"
    /// Where Cognito user pools' keys are, by pool id (a URL or a file), when not at the pool's
    /// public `…/.well-known/jwks.json` address.
    public var cognitoJWKS: [String: String] = [:]
    /// The header carrying the VPC endpoint id of calls to PRIVATE APIs.
    public var vpceHeader: String = "x-apigw-vpce-id"

    public init() {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Configuration()
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? defaults.host
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? defaults.port
        dataDir = try container.decodeIfPresent(String.self, forKey: .dataDir) ?? defaults.dataDir
        accountId = try container.decodeIfPresent(String.self, forKey: .accountId) ?? defaults.accountId
        credentials = try container.decodeIfPresent([Credential].self, forKey: .credentials) ?? defaults.credentials
        logLevel = try container.decodeIfPresent(String.self, forKey: .logLevel) ?? defaults.logLevel
        maxWorkers = try container.decodeIfPresent(Int.self, forKey: .maxWorkers) ?? defaults.maxWorkers
        workerIdleSeconds = try container.decodeIfPresent(Int.self, forKey: .workerIdleSeconds) ?? defaults.workerIdleSeconds
        lambdaPermissions = try container.decodeIfPresent(String.self, forKey: .lambdaPermissions) ?? defaults.lambdaPermissions
        cognitoJWKS = try container.decodeIfPresent([String: String].self, forKey: .cognitoJWKS) ?? defaults.cognitoJWKS
        vpceHeader = try container.decodeIfPresent(String.self, forKey: .vpceHeader) ?? defaults.vpceHeader
    }

    /// Defaults overlaid with the config file (if any) and the environment.
    public static func load(file: String?, environment: [String: String]) throws -> Configuration {
        var configuration = Configuration()
        if let path = file ?? environment["GATEHOUSE_CONFIG"] {
            configuration = try JSONDecoder().decode(Configuration.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        if let host = environment["GATEHOUSE_HOST"] { configuration.host = host }
        if let port = environment["GATEHOUSE_PORT"].flatMap(Int.init) { configuration.port = port }
        if let dataDir = environment["GATEHOUSE_DATA_DIR"] { configuration.dataDir = dataDir }
        if let accountId = environment["GATEHOUSE_ACCOUNT_ID"] { configuration.accountId = accountId }
        if let level = environment["GATEHOUSE_LOG_LEVEL"] { configuration.logLevel = level }
        if let workers = environment["GATEHOUSE_MAX_WORKERS"].flatMap(Int.init) { configuration.maxWorkers = workers }
        if let idle = environment["GATEHOUSE_WORKER_IDLE_SECONDS"].flatMap(Int.init) { configuration.workerIdleSeconds = idle }
        if let permissions = environment["GATEHOUSE_LAMBDA_PERMISSIONS"] { configuration.lambdaPermissions = permissions }
        if let header = environment["GATEHOUSE_VPCE_HEADER"] { configuration.vpceHeader = header }
        // `us-east-1_abc=file:///keys.json,us-east-1_def=http://localhost:9000/jwks.json`
        for entry in (environment["GATEHOUSE_COGNITO_JWKS"] ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { configuration.cognitoJWKS[parts[0]] = parts[1] }
        }
        if let key = environment["GATEHOUSE_ACCESS_KEY_ID"], let secret = environment["GATEHOUSE_SECRET_ACCESS_KEY"] {
            configuration.credentials = [Credential(accessKeyId: key, secretAccessKey: secret)]
        }
        return configuration
    }
}

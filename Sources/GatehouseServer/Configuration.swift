import Foundation
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel

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

    /// The most memory one stage's response cache takes on this node, in bytes: a stage gets its
    /// `cacheClusterSize` in GB, up to this.
    public var cacheMaxBytesPerStage: Int = 256 << 20

    /// How long each retry of a failed `Event` invocation waits, in seconds (AWS: 1 and 2 minutes).
    public var asyncRetryDelaysSeconds: [Int] = [60, 120]

    /// How the listener protects itself from clients.
    public struct Limits: Sendable, Codable, Equatable {
        /// Most open connections; past it a new connection is answered 503 and closed.
        public var maxConnections = 4096
        /// Seconds a connection may sit idle between requests (nginx's `keepalive_timeout`).
        public var idleTimeoutSeconds = 75
        /// Seconds a client may pause in the middle of a request body (nginx's `client_body_timeout`).
        public var bodyTimeoutSeconds = 60
        /// Largest request line plus headers on any path; invoke URLs also get AWS's 10,240 bytes.
        public var maxHeaderBytes = 16_384
        /// Largest control-plane request body: Lambda's own limit, which a 50 MB zip in JSON fits.
        public var maxControlPlaneBodyBytes = 70_167_211
    }

    public var limits = Limits()

    /// A second listener serving a certificate of the user's own (a custom domain name's), as
    /// `https://api.example.test:4443`: the port, the PEM certificate chain and its private key.
    public struct TLSListener: Sendable, Codable, Equatable {
        public var port: Int
        public var certificateFile: String
        public var privateKeyFile: String
    }

    public var tlsListener: TLSListener?

    /// Accept any access key (each 12-digit key id its own account), for test suites that sign with
    /// made-up keys; signatures of unknown keys are not checked.
    public var acceptAnyAccessKey = false
    /// Refuse roles that do not exist (a function's role, AssumeRole); by default any well-formed
    /// role ARN is taken, as existing scripts expect.
    public var strictIAM = false
    /// Whether workers run in a sandbox (`GATEHOUSE_SANDBOX`): `auto` sandboxes when the machine
    /// can and says so when it cannot, `required` refuses to start without one, `off` never sandboxes.
    public var sandbox = Sandbox.Setting.auto
    /// Serve `POST /_gatehouse/reset`, which wipes all state (for test isolation).
    public var enableReset = false

    /// Where services Gatehouse does not serve are, by signing name (`dynamodb` →
    /// `http://127.0.0.1:5000`): `AWS` integrations and handlers' SDK calls go there.
    public var serviceEndpoints: [String: String] = [:]

    /// A template to deploy once the server runs (`serve --template`), and whether to watch it.
    public struct TemplateSettings: Sendable, Codable, Equatable {
        public var path: String
        public var stackName: String
        public var watch: Bool

        public init(path: String, stackName: String, watch: Bool) {
            self.path = path
            self.stackName = stackName
            self.watch = watch
        }
    }

    public var template: TemplateSettings?

    /// Named sets of `host:port` upstreams that VPC links reach, by load balancer name.
    public var upstreams: [String: [String]] = [:]

    /// WebSocket connections' limits: AWS's 10 minutes idle, 2 hours in all, 500 new per second.
    public struct WebSockets: Sendable, Codable, Equatable {
        public var idleTimeoutSeconds: Double = 600
        public var maxDurationSeconds: Double = 7200
        public var newConnectionsPerSecond: Double = 500
    }

    public var webSockets = WebSockets()

    /// CloudWatch metrics: how often the planes' counters become datapoints (AWS publishes each
    /// minute) and how long datapoints are kept (AWS: 15 days at one-minute resolution).
    /// `alarmWebhooks` maps alarm action names (an SNS topic's ARN, say) to URLs that receive the
    /// alarm event as a JSON POST; function ARNs are invoked without one.
    public struct Metrics: Sendable, Codable, Equatable {
        /// Whether the planes count requests and invocations (`GATEHOUSE_METRICS=off` stops them;
        /// the `cloudwatch` API still takes custom metrics).
        public var enabled = true
        public var intervalSeconds: Double = 60
        public var retentionSeconds: Int = 15 * 24 * 3600
        public var alarmWebhooks: [String: String] = [:]
    }

    public var metrics = Metrics()

    public init() {}

    /// Defaults overlaid with the config file (if any) and the environment.
    public static func load(file: String?, environment: [String: String]) throws -> Configuration {
        var configuration = Configuration()
        if let path = file ?? environment["GATEHOUSE_CONFIG"] {
            // The file's settings over the defaults: what it leaves out keeps its default.
            let defaults = try JSON(parsing: JSONEncoder().encode(configuration))
            let settings = try JSON(parsing: Data(contentsOf: URL(fileURLWithPath: path)))
            configuration = try JSONDecoder().decode(Configuration.self, from: defaults.overlaid(with: settings).serialized())
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
        if let delays = environment["GATEHOUSE_ASYNC_RETRY_DELAYS"] {
            configuration.asyncRetryDelaysSeconds = delays.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        if let bytes = environment["GATEHOUSE_CACHE_MAX_BYTES"].flatMap(Int.init) { configuration.cacheMaxBytesPerStage = bytes }
        if let port = environment["GATEHOUSE_TLS_PORT"].flatMap(Int.init), let certificate = environment["GATEHOUSE_TLS_CERTIFICATE"],
            let key = environment["GATEHOUSE_TLS_PRIVATE_KEY"]
        {
            configuration.tlsListener = TLSListener(port: port, certificateFile: certificate, privateKeyFile: key)
        }
        if let flag = environment["GATEHOUSE_ACCEPT_ANY_KEY"] { configuration.acceptAnyAccessKey = ["1", "true", "yes"].contains(flag.lowercased()) }
        if let flag = environment["GATEHOUSE_STRICT_IAM"] { configuration.strictIAM = ["1", "true", "yes"].contains(flag.lowercased()) }
        if let setting = environment["GATEHOUSE_SANDBOX"] {
            guard let sandbox = Sandbox.Setting(rawValue: setting.lowercased()) else {
                throw ConfigurationError("GATEHOUSE_SANDBOX is auto, required or off, not \(setting)")
            }
            configuration.sandbox = sandbox
        }
        if let flag = environment["GATEHOUSE_ENABLE_RESET"] { configuration.enableReset = ["1", "true", "yes"].contains(flag.lowercased()) }
        if let endpoints = environment["GATEHOUSE_SERVICE_ENDPOINTS"] {
            configuration.serviceEndpoints.merge(AWSServices.parse(endpoints)) { _, new in new }
        }
        if let sets = environment["GATEHOUSE_UPSTREAMS"] { configuration.upstreams.merge(UpstreamSets.parse(sets)) { _, new in new } }
        if let count = environment["GATEHOUSE_MAX_CONNECTIONS"].flatMap(Int.init) { configuration.limits.maxConnections = count }
        if let seconds = environment["GATEHOUSE_IDLE_TIMEOUT_SECONDS"].flatMap(Int.init) { configuration.limits.idleTimeoutSeconds = seconds }
        if let seconds = environment["GATEHOUSE_BODY_TIMEOUT_SECONDS"].flatMap(Int.init) { configuration.limits.bodyTimeoutSeconds = seconds }
        if let seconds = environment["GATEHOUSE_WEBSOCKET_IDLE_SECONDS"].flatMap(Double.init) { configuration.webSockets.idleTimeoutSeconds = seconds }
        if let seconds = environment["GATEHOUSE_WEBSOCKET_MAX_SECONDS"].flatMap(Double.init) { configuration.webSockets.maxDurationSeconds = seconds }
        if let flag = environment["GATEHOUSE_METRICS"] { configuration.metrics.enabled = !["0", "false", "no", "off"].contains(flag.lowercased()) }
        if let seconds = environment["GATEHOUSE_METRICS_INTERVAL_SECONDS"].flatMap(Double.init), seconds > 0 {
            configuration.metrics.intervalSeconds = seconds
        }
        // `arn:aws:sns:us-east-1:000000000000:ops=http://127.0.0.1:9000/alarms,…`
        for entry in (environment["GATEHOUSE_ALARM_WEBHOOKS"] ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { configuration.metrics.alarmWebhooks[parts[0]] = parts[1] }
        }
        if let seconds = environment["GATEHOUSE_METRICS_RETENTION_SECONDS"].flatMap(Int.init) { configuration.metrics.retentionSeconds = seconds }
        if let rate = environment["GATEHOUSE_WEBSOCKET_CONNECT_RATE"].flatMap(Double.init) { configuration.webSockets.newConnectionsPerSecond = rate }
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

/// A setting Gatehouse cannot start with, said plainly.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

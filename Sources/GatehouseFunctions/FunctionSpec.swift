import GatehouseModel

/// What the runtime needs to run one version of a function. Built by the `lambda` control
/// plane from the stored configuration; `revision` changes with every code or configuration
/// update, which retires the workers of the old revision.
public struct FunctionSpec: Sendable, Hashable {
    public var name: String
    /// `$LATEST` or a published version number.
    public var version: String
    /// The unqualified function ARN.
    public var arn: String
    public var runtime: String
    public var handler: String
    public var timeoutSeconds: Int
    public var memoryMB: Int
    public var environment: [String: String]
    /// Base64 SHA-256 of the deployment package, as `CodeSha256` reports it.
    public var codeSha256: String
    public var region: String
    public var reservedConcurrency: Int?
    public var revision: String
    /// The packages of the function's layers (their SHA-256), in the order AWS stacks them.
    public var layers: [String] = []
    /// The execution role's ARN: its temporary credentials are the worker's.
    public var role = ""
    /// The size of the worker's `/tmp` (`EphemeralStorage`), 512 MB unless configured.
    public var ephemeralStorageMB = 512

    public init(
        name: String, version: String, arn: String, runtime: String, handler: String, timeoutSeconds: Int, memoryMB: Int,
        environment: [String: String], codeSha256: String, region: String, reservedConcurrency: Int?, revision: String
    ) {
        self.name = name
        self.version = version
        self.arn = arn
        self.runtime = runtime
        self.handler = handler
        self.timeoutSeconds = timeoutSeconds
        self.memoryMB = memoryMB
        self.environment = environment
        self.codeSha256 = codeSha256
        self.region = region
        self.reservedConcurrency = reservedConcurrency
        self.revision = revision
    }

    /// A stored configuration (`$LATEST`'s or a published version's) of the function document
    /// `function`, which holds what all versions share (reserved concurrency).
    public init(configuration: JSON, function: JSON, region: String) {
        self.init(
            name: configuration["FunctionName"]?.stringValue ?? "",
            version: configuration["Version"]?.stringValue ?? "$LATEST",
            arn: configuration["FunctionArn"]?.stringValue ?? "",
            runtime: configuration["Runtime"]?.stringValue ?? "",
            handler: configuration["Handler"]?.stringValue ?? "",
            timeoutSeconds: configuration["Timeout"]?.intValue ?? 3,
            memoryMB: configuration["MemorySize"]?.intValue ?? 128,
            environment: (configuration["Environment"]?["Variables"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            codeSha256: configuration["CodeSha256"]?.stringValue ?? "",
            region: region,
            reservedConcurrency: function["ReservedConcurrentExecutions"]?.intValue,
            revision: configuration["RevisionId"]?.stringValue ?? "")
        layers = configuration["Layers"]?.arrayValue?.compactMap { $0["CodeSha256"]?.stringValue } ?? []
        role = configuration["Role"]?.stringValue ?? ""
        ephemeralStorageMB = configuration["EphemeralStorage"]?["Size"]?.intValue ?? 512
    }

    /// Workers are shared by every invoke of the same function version.
    var poolKey: String { "\(name):\(version)" }

    /// `/aws/lambda/{name}`.
    public var logGroup: String { "/aws/lambda/\(name)" }

    /// Python runtimes run under `awslambdaric`, Node.js ones under Gatehouse's own runtime
    /// client (`Resources/node/runtime.mjs`); `provided*` runtimes run the package's `bootstrap`.
    public var isPython: Bool { runtime.hasPrefix("python") }
    public var isNode: Bool { runtime.hasPrefix("nodejs") }

    public static let pythonRuntimes: Set<String> = ["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"]
    public static let nodeRuntimes: Set<String> = ["nodejs18.x", "nodejs20.x", "nodejs22.x"]
    public static let customRuntimes: Set<String> = ["provided", "provided.al2", "provided.al2023"]
}

/// The outcome of one invocation, as `Invoke` reports it.
public struct InvocationResult: Sendable {
    /// The function's response, or the error document when `functionError` is set.
    public var payload: [UInt8]
    /// `Unhandled` when the function failed.
    public var functionError: String?
    /// This invocation's log lines (START … REPORT), for `LogType: Tail`.
    public var log: String
    /// How it ended, as the worker pool saw it.
    public var outcome: Outcome
}

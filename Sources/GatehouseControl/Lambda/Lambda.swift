import Foundation
import GatehouseFunctions
import GatehouseModel
import GatehouseStore

/// The `lambda` service: functions, versions, aliases, permissions, concurrency and Invoke.
///
/// A function is one document under its region holding the `$LATEST` configuration (shaped like
/// AWS's `FunctionConfiguration`) with its tags, resource policy and reserved concurrency;
/// published versions and aliases are documents under `{region}:{name}`.
public enum Lambda {
    /// What the operations need besides the store.
    public struct Environment: Sendable {
        public var invoker: Invoker
        /// Where `Event` invocations are queued.
        public var async: AsyncInvocations
        public var code: CodeStore
        /// Base URL of this node, for `Code.Location`.
        public var endpoint: String
        /// Refuse a function whose role does not exist (by default any well-formed role ARN goes).
        public var strictIAM = false
        /// Reads an object of S3 (`Code.S3Bucket`/`S3Key`) where the service endpoint map puts
        /// S3; nil when it has no endpoint for it.
        public var fetchS3: (@Sendable (_ bucket: String, _ key: String, _ region: String) async throws -> Data)?

        public init(invoker: Invoker, async: AsyncInvocations, code: CodeStore, endpoint: String) {
            self.invoker = invoker
            self.async = async
            self.code = code
            self.endpoint = endpoint
        }
    }

    public static func definition(_ environment: Environment) throws -> ServiceDefinition {
        let handlers = [
            functionHandlers(environment), invokeHandlers(environment), versionHandlers(environment), policyHandlers,
            eventInvokeConfigHandlers, functionURLHandlers, layerHandlers(environment),
        ].reduce(into: [String: OperationHandler]()) { all, group in all.merge(group) { first, _ in first } }
        var definition = ServiceDefinition(
            model: try ServiceModel.bundled("lambda"), validationError: "ValidationException",
            errorBodyType: "User", handlers: handlers)
        definition.statusOverrides = ["DeleteFunction": 204]
        definition.enumsCheckedByOperations = ["Runtime"]
        definition.lowercasesMemberNamesInMessages = true
        return definition
    }

    typealias Kind = DocumentKind

    /// Synchronous payloads are capped at 6 MB.
    static let maxPayloadBytes = 6_291_456
    /// `Event` payloads at 1 MB (256 KB until 2025).
    static let maxEventPayloadBytes = 1_048_576
    /// `Code.ZipFile` uploads are capped at 50 MB.
    static let maxZipBytes = 52_428_800

    static func functionKey(_ context: OperationContext, _ name: String) -> DocumentKey {
        DocumentKey(kind: Kind.function, parent: context.caller.region, id: name)
    }

    static func versionsParent(_ context: OperationContext, _ name: String) -> String { "\(context.caller.region):\(name)" }

    /// The caller's function `name`, qualified or not.
    static func functionARN(_ context: OperationContext, _ name: String, qualifier: String? = nil) -> LambdaARN {
        LambdaARN(region: context.caller.region, account: context.caller.accountId, name: name, qualifier: qualifier)
    }

    /// The function a member names (`FunctionName`, `Resource`): a name, a partial or a full
    /// ARN, any of them with a `:qualifier`.
    static func requested(_ context: OperationContext, _ member: String = "FunctionName") -> LambdaARN {
        LambdaARN(parsing: context.string(member), region: context.caller.region, account: context.caller.accountId)
    }

    static func notFound(_ context: OperationContext, _ name: String, qualifier: String? = nil) -> AWSError {
        AWSError("ResourceNotFoundException", status: 404, "Function not found: \(functionARN(context, name, qualifier: qualifier))")
    }

    /// The stored function named by the input's `FunctionName`.
    static func function(_ context: OperationContext, in reader: any DocumentReader) async throws -> (name: String, document: JSON) {
        let name = requested(context).name
        guard let document = try await reader.document(functionKey(context, name)) else { throw notFound(context, name) }
        return (name, document)
    }

    /// The configuration a qualifier names: `$LATEST`, a version number or an alias.
    static func configuration(_ context: OperationContext, qualifier: String?, in reader: any DocumentReader) async throws -> JSON {
        let (name, document) = try await function(context, in: reader)
        return try await configuration(context, name: name, document: document, qualifier: qualifier, in: reader)
    }

    /// The same, for a function document already read.
    static func configuration(
        _ context: OperationContext, name: String, document: JSON, qualifier: String?, in reader: any DocumentReader
    ) async throws -> JSON {
        let qualifier = qualifier ?? requested(context).qualifier
        let parent = versionsParent(context, name)
        let version: String
        switch FunctionQualifier(qualifier) {
        case .latest:
            return document["configuration"] ?? .emptyObject
        case .version(let number):
            version = number
        case .alias(let alias):
            guard let target = try await reader.document(DocumentKey(kind: Kind.functionAlias, parent: parent, id: alias))?["FunctionVersion"]?.stringValue
            else { throw notFound(context, name, qualifier: alias) }
            if FunctionQualifier(target) == .latest { return document["configuration"] ?? .emptyObject }
            version = target
        }
        guard var published = try await reader.document(DocumentKey(kind: Kind.functionVersion, parent: parent, id: version)) else {
            throw notFound(context, name, qualifier: qualifier)
        }
        // Asked for through an alias, the configuration carries the alias's ARN.
        if version != qualifier { published["FunctionArn"] = .string(functionARN(context, name, qualifier: qualifier).description) }
        return published
    }

    /// `2026-11-25T15:00:00.000+0000`, Lambda's `LastModified` format.
    static func timestamp(_ date: Date = Date()) -> String { date.utc("yyyy-MM-dd'T'HH:mm:ss.SSSZ") }

    /// A runtime Gatehouse can run, or AWS's answer for one that does not exist (and ours for
    /// one AWS has that Gatehouse cannot run).
    static func checkRuntime(_ runtime: String, _ context: OperationContext) throws(AWSError) {
        let known = context.model[shape: "Runtime"]?.enum ?? []
        guard known.contains(runtime) else {
            throw invalidParameter(
                "Value \(runtime) at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [\(known.joined(separator: ", "))] or be a valid ARN")
        }
        let runnable = FunctionSpec.pythonRuntimes.union(FunctionSpec.nodeRuntimes).union(FunctionSpec.customRuntimes)
        guard runnable.contains(runtime) else {
            throw invalidParameter("Gatehouse runs python3.8 to python3.13, nodejs18.x to nodejs22.x and the provided runtimes; \(runtime) is not available.")
        }
    }

    static func invalidParameter(_ message: String) -> AWSError {
        AWSError("InvalidParameterValueException", status: 400, message)
    }
}

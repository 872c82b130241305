import Foundation
import GatehouseFunctions
import GatehouseModel
import GatehouseStore

extension Lambda {
    static func functionHandlers(_ environment: Environment) -> [String: OperationHandler] {
        [
            "CreateFunction": { context in try await createFunction(context, environment) },
            "GetFunction": { context in
                let (name, document) = try await function(context, in: context.store)
                let configuration = try await configuration(
                    context, name: name, document: document, qualifier: context.input["Qualifier"]?.stringValue, in: context.store)
                let sha = CodeStore.fileName(configuration["CodeSha256"]?.stringValue ?? "")
                var output: JSON = [
                    "Configuration": configuration,
                    "Code": [
                        "RepositoryType": "S3",
                        "Location": .string(environment.code.downloadURL(base: environment.endpoint, path: "/_gatehouse/code/\(name)/\(sha).zip")),
                    ],
                ]
                if let tags = document["Tags"], tags != .emptyObject { output["Tags"] = tags }
                if let reserved = document["ReservedConcurrentExecutions"] { output["Concurrency"] = ["ReservedConcurrentExecutions": reserved] }
                return output
            },
            "GetFunctionConfiguration": { context in
                try await configuration(context, qualifier: context.input["Qualifier"]?.stringValue, in: context.store)
            },
            "ListFunctions": { context in
                let all = try await context.store.documents(kind: Kind.function, parent: context.caller.region)
                    .compactMap { $0["configuration"] }
                return try page(all, context, member: "Functions")
            },
            "UpdateFunctionCode": { context in try await updateCode(context, environment) },
            "UpdateFunctionConfiguration": { context in try await updateConfiguration(context, environment) },
            "DeleteFunction": retiringWorkers(environment) { context in
                try await context.store.write { tx in
                    let (name, _) = try await function(context, in: tx)
                    if context.input["Qualifier"] == "$LATEST" {
                        throw invalidParameter("$LATEST version cannot be deleted without deleting the function.")
                    }
                    if let qualifier = context.input["Qualifier"]?.stringValue {
                        let key = DocumentKey(kind: Kind.functionVersion, parent: versionsParent(context, name), id: qualifier)
                        guard try await tx.document(key) != nil else { throw notFound(context, name, qualifier: qualifier) }
                        try await tx.delete(key)
                    } else {
                        try await tx.delete(functionKey(context, name))
                        try await tx.deleteOwned(by: versionsParent(context, name))
                    }
                    return .emptyObject
                }
            },
            "PutFunctionConcurrency": { context in
                let reserved = context.input["ReservedConcurrentExecutions"] ?? 0
                try await modifyFunction(context) { document in document["ReservedConcurrentExecutions"] = reserved }
                return ["ReservedConcurrentExecutions": reserved]
            },
            "GetFunctionConcurrency": { context in
                let (_, document) = try await function(context, in: context.store)
                return document["ReservedConcurrentExecutions"].map { ["ReservedConcurrentExecutions": $0] } ?? .emptyObject
            },
            "DeleteFunctionConcurrency": { context in
                try await modifyFunction(context) { document in document["ReservedConcurrentExecutions"] = nil }
                return .emptyObject
            },
            "TagResource": { context in
                try await modifyTagged(context) { tags in
                    for (key, value) in context.input["Tags"]?.objectValue ?? [:] { tags[key] = value }
                }
            },
            "UntagResource": { context in
                try await modifyTagged(context) { tags in
                    for key in context.input["TagKeys"]?.arrayValue ?? [] { tags[key.stringValue ?? ""] = nil }
                }
            },
            "ListTags": { context in
                let name = requested(context, "Resource").name
                guard let document = try await context.store.document(functionKey(context, name)) else { throw notFound(context, name) }
                return ["Tags": document["Tags"] ?? .emptyObject]
            },
            "GetAccountSettings": { context in
                let functions = try await context.store.documents(kind: Kind.function, parent: context.caller.region)
                let codeSize = functions.compactMap { $0["configuration"]?["CodeSize"]?.intValue }.reduce(0, +)
                let reserved = functions.compactMap { $0["ReservedConcurrentExecutions"]?.intValue }.reduce(0, +)
                return [
                    "AccountLimit": [
                        "TotalCodeSize": 80_530_636_800, "CodeSizeUnzipped": 262_144_000, "CodeSizeZipped": 52_428_800,
                        "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": .number(Double(1000 - reserved)),
                    ],
                    "AccountUsage": ["TotalCodeSize": .number(Double(codeSize)), "FunctionCount": .number(Double(functions.count))],
                ]
            },
        ]
    }

    /// One page of a Lambda list (`Marker`/`MaxItems`, answered with `NextMarker`).
    static func page(_ items: [JSON], _ context: OperationContext, member: String) throws(AWSError) -> JSON {
        let marker = context.input["Marker"]?.stringValue
        guard let page = Paging.page(items, limit: context.input["MaxItems"]?.intValue ?? 50, token: marker) else {
            throw invalidParameter("Invalid marker: \(marker ?? "")")
        }
        var output: JSON = [member: .array(page.items)]
        if let next = page.next { output["NextMarker"] = .string(next) }
        return output
    }

    /// A role ARN of the model's pattern; with `strictIAM`, a role that exists.
    private static func checkRole(_ role: String, _ context: OperationContext, _ environment: Environment) async throws {
        let pattern = #"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"#
        guard role.range(of: "^\(pattern)$", options: .regularExpression) != nil else {
            throw AWSError("ValidationException", status: 400,
                "1 validation error detected: Value '\(role)' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: \(pattern)")
        }
        let account = String(role.split(separator: ":", omittingEmptySubsequences: false)[4])
        if environment.strictIAM, try await IAM.role(arn: role, account: account, in: context.store) == nil {
            throw invalidParameter("The role defined for the function cannot be assumed by Lambda.")
        }
    }

    private static func createFunction(_ context: OperationContext, _ environment: Environment) async throws -> JSON {
        let input = context.input
        let name = context.string("FunctionName")
        guard name.range(of: "^[a-zA-Z0-9-_]{1,64}$", options: .regularExpression) != nil else {
            throw AWSError("ValidationException", status: 400,
                "1 validation error detected: Value '\(name)' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")
        }
        let runtime = context.string("Runtime")
        if runtime.isEmpty {
            throw invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        try checkRuntime(runtime, context)
        try await checkRole(input["Role"]?.stringValue ?? "", context, environment)
        if FunctionSpec.pythonRuntimes.contains(runtime) && input["Handler"] == nil {
            throw invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        let stored = try await storeCode(input["Code"], environment, region: context.caller.region)
        var configuration: JSON = [
            "FunctionName": .string(name), "FunctionArn": .string(functionARN(context, name).description), "Runtime": .string(runtime),
            "Role": input["Role"] ?? "", "Handler": input["Handler"] ?? "bootstrap", "CodeSize": .number(Double(stored.size)),
            "Description": input["Description"] ?? "", "Timeout": input["Timeout"] ?? 3, "MemorySize": input["MemorySize"] ?? 128,
            "LastModified": .string(timestamp()), "CodeSha256": .string(stored.sha256), "Version": "$LATEST",
            "TracingConfig": ["Mode": input["TracingConfig"]?["Mode"] ?? "PassThrough"], "RevisionId": .string(UUID().uuidString.lowercased()),
            "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
            "Architectures": input["Architectures"] ?? ["x86_64"], "EphemeralStorage": input["EphemeralStorage"] ?? ["Size": 512],
            "SnapStart": ["ApplyOn": "None", "OptimizationStatus": "Off"],
            "LoggingConfig": ["LogFormat": "Text", "LogGroup": .string("/aws/lambda/\(name)")],
        ]
        if let variables = input["Environment"]?["Variables"] { configuration["Environment"] = ["Variables": variables] }
        if let layers = input["Layers"]?.arrayValue {
            configuration["Layers"] = try await functionLayers(layers.compactMap(\.stringValue), context, in: context.store)
        }
        let stored_ = configuration
        try await context.store.write { tx in
            if try await tx.document(functionKey(context, name)) != nil {
                throw AWSError("ResourceConflictException", status: 409, "Function already exist: \(name)")
            }
            try await tx.put(functionKey(context, name), ["configuration": stored_, "Tags": input["Tags"] ?? .emptyObject, "nextVersion": 1])
        }
        if input["Publish"] == true { _ = try await publish(context) }
        // AWS answers a create while the function is still being made ready.
        configuration["State"] = "Pending"
        configuration["StateReason"] = "The function is being created."
        configuration["StateReasonCode"] = "Creating"
        configuration["LastUpdateStatus"] = nil
        return configuration
    }

    /// A deployment package (`ZipFile`, or `S3Bucket` and `S3Key` read through the service
    /// endpoint map), checked and kept.
    static func storeCode(_ code: JSON?, _ environment: Environment, region: String) async throws -> CodeStore.StoredCode {
        let zip: Data
        if let base64 = code?["ZipFile"]?.stringValue {
            guard let bytes = Data(base64Encoded: base64) else { throw CodeStore.notAZip }
            zip = bytes
        } else if let bucket = code?["S3Bucket"]?.stringValue, let key = code?["S3Key"]?.stringValue {
            guard let fetch = environment.fetchS3 else {
                throw invalidParameter(
                    "Code in S3 needs an endpoint for s3: set GATEHOUSE_SERVICE_ENDPOINTS=s3=URL (or serviceEndpoints in the configuration file), or send Code.ZipFile.")
            }
            zip = try await fetch(bucket, key, region)
        } else {
            throw invalidParameter("Please provide a deployment package: Code.ZipFile, or Code.S3Bucket and Code.S3Key.")
        }
        guard zip.count <= maxZipBytes else {
            throw AWSError("RequestEntityTooLargeException", status: 413, "Request must be smaller than 70167211 bytes for the CreateFunction operation")
        }
        return try environment.code.store(zip: zip)
    }

    private static func updateCode(_ context: OperationContext, _ environment: Environment) async throws -> JSON {
        let stored = try await storeCode(context.input, environment, region: context.caller.region)
        let configuration = try await modifyFunction(context) { document in
            document["configuration"]?["CodeSha256"] = .string(stored.sha256)
            document["configuration"]?["CodeSize"] = .number(Double(stored.size))
        }
        await environment.invoker.pool.retire(function: configuration["FunctionName"]?.stringValue ?? "")
        if context.input["Publish"] == true { _ = try await publish(context) }
        return updating(configuration)
    }

    /// What AWS answers an update with: the new configuration, its update still in progress.
    private static func updating(_ configuration: JSON) -> JSON {
        var configuration = configuration
        configuration["LastUpdateStatus"] = "InProgress"
        configuration["LastUpdateStatusReason"] = "The function is being created."
        configuration["LastUpdateStatusReasonCode"] = "Creating"
        return configuration
    }

    private static func updateConfiguration(_ context: OperationContext, _ environment: Environment) async throws -> JSON {
        let input = context.input
        if let runtime = input["Runtime"]?.stringValue { try checkRuntime(runtime, context) }
        if let role = input["Role"]?.stringValue { try await checkRole(role, context, environment) }
        var layers: JSON?
        if let arns = input["Layers"]?.arrayValue { layers = try await functionLayers(arns.compactMap(\.stringValue), context, in: context.store) }
        let newLayers = layers
        let configuration = try await modifyFunction(context) { document in
            if let newLayers { document["configuration"]?["Layers"] = newLayers }
            for member in ["Role", "Handler", "Description", "Timeout", "MemorySize", "Runtime", "EphemeralStorage"] {
                if let value = input[member] { document["configuration"]?[member] = value }
            }
            if let variables = input["Environment"]?["Variables"] { document["configuration"]?["Environment"] = ["Variables": variables] }
            if let mode = input["TracingConfig"]?["Mode"] { document["configuration"]?["TracingConfig"] = ["Mode": mode] }
        }
        await environment.invoker.pool.retire(function: configuration["FunctionName"]?.stringValue ?? "")
        return updating(configuration)
    }

    /// Changes the `$LATEST` function document; a change to its configuration gets a new
    /// `RevisionId` and `LastModified`. Returns the configuration.
    @discardableResult
    static func modifyFunction(_ context: OperationContext, _ change: @escaping @Sendable (inout JSON) throws -> Void) async throws -> JSON {
        try await context.store.write { tx in
            var (name, document) = try await function(context, in: tx)
            if let expected = context.input["RevisionId"]?.stringValue, expected != document["configuration"]?["RevisionId"]?.stringValue {
                throw AWSError("PreconditionFailedException", status: 412,
                    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
            }
            let before = document["configuration"]
            try change(&document)
            if document["configuration"] != before {
                document["configuration"]?["RevisionId"] = .string(UUID().uuidString.lowercased())
                document["configuration"]?["LastModified"] = .string(timestamp())
            }
            try await tx.put(functionKey(context, name), document)
            return document["configuration"] ?? .emptyObject
        }
    }

    private static func modifyTagged(_ context: OperationContext, _ change: @escaping @Sendable (inout [String: JSON]) -> Void) async throws -> JSON {
        let name = requested(context, "Resource").name
        return try await context.store.write { tx in
            guard var document = try await tx.document(functionKey(context, name)) else { throw notFound(context, name) }
            var tags = document["Tags"]?.objectValue ?? [:]
            change(&tags)
            document["Tags"] = .object(tags)
            try await tx.put(functionKey(context, name), document)
            return .emptyObject
        }
    }
}

extension Lambda {
    /// `operation`, after which the function's workers are retired (its code or configuration changed).
    static func retiringWorkers(_ environment: Environment, _ operation: @escaping OperationHandler) -> OperationHandler {
        { context in
            let output = try await operation(context)
            await environment.invoker.pool.retire(function: requested(context).name)
            return output
        }
    }
}

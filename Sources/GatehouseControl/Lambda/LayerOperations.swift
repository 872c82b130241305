import Foundation
import GatehouseFunctions
import GatehouseModel
import GatehouseStore

/// Layers: versions of a zip published under a name (`arn:aws:lambda:{region}:{account}:layer:{name}:{version}`)
/// that functions list in `Layers`; their workers see each layer's content where AWS puts it
/// under `/opt` (`python/`, `nodejs/node_modules/`, `bin/`, `lib/`, a `bootstrap`), through paths.
/// Permissions on a version are kept and shown.
extension Lambda {
    static func layerHandlers(_ environment: Environment) -> [String: OperationHandler] {
        [
            "PublishLayerVersion": { context in
                let name = context.string("LayerName")
                let stored = try await storeCode(context.input["Content"], environment, region: context.caller.region)
                return try await context.store.write { tx in
                    let parent = layerParent(context, name)
                    let latest = try await tx.documents(kind: Kind.layerVersion, parent: parent).compactMap { $0["Version"]?.intValue }.max()
                    let version = (latest ?? 0) + 1
                    let layerARN = "arn:aws:lambda:\(context.caller.region):\(context.caller.accountId):layer:\(name)"
                    var layer: JSON = [
                        "LayerArn": .string(layerARN), "LayerVersionArn": .string("\(layerARN):\(version)"), "Version": .number(Double(version)),
                        "CreatedDate": .string(timestamp()), "CompatibleRuntimes": context.input["CompatibleRuntimes"] ?? [],
                        "CompatibleArchitectures": context.input["CompatibleArchitectures"] ?? [],
                        "Content": [
                            "Location": .string(environment.code.downloadURL(
                                base: environment.endpoint, path: "/_gatehouse/code/layer-\(name)-\(version)/\(CodeStore.fileName(stored.sha256)).zip")),
                            "CodeSha256": .string(stored.sha256), "CodeSize": .number(Double(stored.size)),
                        ],
                    ]
                    for member in ["Description", "LicenseInfo"] { if let value = context.input[member] { layer[member] = value } }
                    try await tx.put(DocumentKey(kind: Kind.layerVersion, parent: parent, id: String(version)), layer)
                    return layer
                }
            },
            "GetLayerVersion": { context in
                try await layerVersion(context, name: context.string("LayerName"), version: versionNumber(context), in: context.store)
            },
            "GetLayerVersionByArn": { context in
                let arn = context.string("Arn")
                let parts = arn.split(separator: ":")
                guard parts.count == 8, parts[5] == "layer" else {
                    throw AWSError("ValidationException", status: 400, "1 validation error detected: Value '\(arn)' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)")
                }
                return try await layerVersion(context, name: String(parts[6]), version: String(parts[7]), in: context.store)
            },
            "ListLayerVersions": { context in
                let versions = try await context.store.documents(kind: Kind.layerVersion, parent: layerParent(context, context.string("LayerName")))
                    .filter { matches($0, context) }
                    .sorted { ($0["Version"]?.intValue ?? 0) > ($1["Version"]?.intValue ?? 0) }
                return ["LayerVersions": .array(versions.map(listed))]
            },
            "ListLayers": { context in
                var layers: [JSON] = []
                for parent in try await context.store.parents(ofKind: Kind.layerVersion) where parent.hasPrefix("\(context.caller.region):") {
                    let versions = try await context.store.documents(kind: Kind.layerVersion, parent: parent).filter { matches($0, context) }
                    guard let latest = versions.max(by: { ($0["Version"]?.intValue ?? 0) < ($1["Version"]?.intValue ?? 0) }) else { continue }
                    layers.append([
                        "LayerName": .string(String(parent.dropFirst(context.caller.region.count + 1))), "LayerArn": latest["LayerArn"] ?? "",
                        "LatestMatchingVersion": listed(latest),
                    ])
                }
                return ["Layers": .array(layers.sorted { ($0["LayerName"]?.stringValue ?? "") < ($1["LayerName"]?.stringValue ?? "") })]
            },
            "DeleteLayerVersion": { context in
                try await context.store.write { tx in
                    try await tx.delete(DocumentKey(
                        kind: Kind.layerVersion, parent: layerParent(context, context.string("LayerName")), id: versionNumber(context)))
                    return .emptyObject
                }
            },
            "AddLayerVersionPermission": { context in
                let sid = context.string("StatementId")
                return try await modifyLayer(context) { layer in
                    var statements = layer["Policy"]?.arrayValue ?? []
                    if statements.contains(where: { $0["Sid"]?.stringValue == sid }) {
                        throw AWSError("ResourceConflictException", status: 409,
                            "The statement id (\(sid)) provided already exists. Please provide a new statement id, or remove the existing statement.")
                    }
                    let statement: JSON = [
                        "Sid": .string(sid), "Effect": "Allow", "Principal": context.input["Principal"] ?? "*",
                        "Action": .string(context.string("Action")), "Resource": layer["LayerVersionArn"] ?? "",
                    ]
                    statements.append(statement)
                    layer["Policy"] = .array(statements)
                    return ["Statement": .string(String(decoding: statement.serialized(), as: UTF8.self)), "RevisionId": .string(UUID().uuidString.lowercased())]
                }
            },
            "GetLayerVersionPolicy": { context in
                let layer = try await storedLayerVersion(context, name: context.string("LayerName"), version: versionNumber(context), in: context.store)
                guard let statements = layer["Policy"]?.arrayValue, !statements.isEmpty else {
                    throw AWSError("ResourceNotFoundException", status: 404, "No policy is associated with the given resource.")
                }
                let policy: JSON = ["Version": "2012-10-17", "Id": "default", "Statement": .array(statements)]
                return ["Policy": .string(String(decoding: policy.serialized(), as: UTF8.self)), "RevisionId": .string(UUID().uuidString.lowercased())]
            },
            "RemoveLayerVersionPermission": { context in
                let sid = context.string("StatementId")
                return try await modifyLayer(context) { layer in
                    let statements = layer["Policy"]?.arrayValue ?? []
                    guard statements.contains(where: { $0["Sid"]?.stringValue == sid }) else {
                        throw AWSError("ResourceNotFoundException", status: 404, "Statement \(sid) is not found in resource policy.")
                    }
                    layer["Policy"] = .array(statements.filter { $0["Sid"]?.stringValue != sid })
                    return .emptyObject
                }
            },
        ]
    }

    private static func layerParent(_ context: OperationContext, _ name: String) -> String { "\(context.caller.region):\(name)" }

    /// The `VersionNumber` label (a number in the input).
    private static func versionNumber(_ context: OperationContext) -> String {
        context.input["VersionNumber"]?.intValue.map(String.init) ?? context.string("VersionNumber")
    }

    /// A version as GetLayerVersion shows it (its permissions apart).
    static func layerVersion(_ context: OperationContext, name: String, version: String, in reader: any DocumentReader) async throws -> JSON {
        var layer = try await storedLayerVersion(context, name: name, version: version, in: reader)
        layer["Policy"] = nil
        return layer
    }

    private static func storedLayerVersion(_ context: OperationContext, name: String, version: String, in reader: any DocumentReader) async throws -> JSON {
        guard let layer = try await reader.document(DocumentKey(kind: Kind.layerVersion, parent: layerParent(context, name), id: version)) else {
            throw AWSError("ResourceNotFoundException", status: 404, "The resource you requested does not exist.")
        }
        return layer
    }

    private static func modifyLayer(_ context: OperationContext, _ change: @escaping @Sendable (inout JSON) throws -> JSON) async throws -> JSON {
        try await context.store.write { tx in
            let key = DocumentKey(kind: Kind.layerVersion, parent: layerParent(context, context.string("LayerName")), id: versionNumber(context))
            guard var layer = try await tx.document(key) else {
                throw AWSError("ResourceNotFoundException", status: 404, "The resource you requested does not exist.")
            }
            let answer = try change(&layer)
            try await tx.put(key, layer)
            return answer
        }
    }

    /// The `Layers` of a function configuration from its ARNs: each version must exist; the
    /// package's hash is kept (not shown) for the workers.
    static func functionLayers(_ arns: [String], _ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        var layers: [JSON] = []
        for arn in arns {
            let parts = arn.split(separator: ":")
            guard parts.count == 8, parts[5] == "layer",
                let layer = try? await reader.document(DocumentKey(kind: Kind.layerVersion, parent: "\(parts[3]):\(parts[6])", id: String(parts[7])))
            else {
                throw invalidParameter("Layer version \(arn) does not exist.")
            }
            layers.append(["Arn": .string(arn), "CodeSize": layer["Content"]?["CodeSize"] ?? 0, "CodeSha256": layer["Content"]?["CodeSha256"] ?? ""])
        }
        return .array(layers)
    }

    /// Whether a version suits the `CompatibleRuntime` and `CompatibleArchitecture` asked for.
    private static func matches(_ layer: JSON, _ context: OperationContext) -> Bool {
        if let runtime = context.input["CompatibleRuntime"], layer["CompatibleRuntimes"]?.arrayValue?.contains(runtime) != true { return false }
        if let architecture = context.input["CompatibleArchitecture"], layer["CompatibleArchitectures"]?.arrayValue?.contains(architecture) != true {
            return false
        }
        return true
    }

    /// A version as lists show it.
    private static func listed(_ layer: JSON) -> JSON {
        var layer = layer
        for member in ["Content", "LayerArn", "Policy"] { layer[member] = nil }
        return layer
    }
}

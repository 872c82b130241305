import Foundation
import GatehouseModel
import GatehouseStore

extension Lambda {
    static func versionHandlers(_ environment: Environment) -> [String: OperationHandler] {
        [
            "PublishVersion": { context in try await publish(context) },
            "ListVersionsByFunction": { context in
                let (name, document) = try await function(context, in: context.store)
                let published = try await context.store.documents(kind: Kind.functionVersion, parent: versionsParent(context, name))
                var latest = (document["configuration"] ?? .emptyObject)
                latest["FunctionArn"] = .string(functionARN(context, name, qualifier: "$LATEST").description)
                return try page([latest] + published, context, member: "Versions")
            },
            "CreateAlias": { context in
                try await context.store.write { tx in
                    let (name, _) = try await function(context, in: tx)
                    let aliasName = context.string("Name")
                    let key = DocumentKey(kind: Kind.functionAlias, parent: versionsParent(context, name), id: aliasName)
                    if try await tx.document(key) != nil {
                        throw AWSError("ResourceConflictException", status: 409, "Alias already exists: \(functionARN(context, name)):\(aliasName)")
                    }
                    try await requireVersion(context.string("FunctionVersion"), of: name, context, in: tx)
                    var alias: JSON = [
                        "AliasArn": .string(functionARN(context, name, qualifier: aliasName).description), "Name": .string(aliasName),
                        "FunctionVersion": .string(context.string("FunctionVersion")), "Description": context.input["Description"] ?? "",
                        "RevisionId": .string(UUID().uuidString.lowercased()),
                    ]
                    if let routing = context.input["RoutingConfig"] { alias["RoutingConfig"] = routing }
                    try await tx.put(key, alias)
                    return alias
                }
            },
            "GetAlias": { context in try await alias(context, in: context.store).document },
            "ListAliases": { context in
                let (name, _) = try await function(context, in: context.store)
                var aliases = try await context.store.documents(kind: Kind.functionAlias, parent: versionsParent(context, name))
                if let version = context.input["FunctionVersion"] { aliases = aliases.filter { $0["FunctionVersion"] == version } }
                return try page(aliases, context, member: "Aliases")
            },
            "UpdateAlias": { context in
                try await context.store.write { tx in
                    var (key, alias) = try await alias(context, in: tx)
                    if let version = context.input["FunctionVersion"]?.stringValue {
                        try await requireVersion(version, of: requested(context).name, context, in: tx)
                        alias["FunctionVersion"] = .string(version)
                    }
                    for member in ["Description", "RoutingConfig"] { if let value = context.input[member] { alias[member] = value } }
                    alias["RevisionId"] = .string(UUID().uuidString.lowercased())
                    try await tx.put(key, alias)
                    return alias
                }
            },
            "DeleteAlias": { context in
                try await context.store.write { tx in
                    let (key, _) = try await alias(context, in: tx)
                    try await tx.delete(key)
                    return .emptyObject
                }
            },
        ]
    }

    /// Publishes `$LATEST` as the next version number; the same code and configuration as the
    /// newest version publishes nothing new, as on AWS.
    static func publish(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            var (name, document) = try await function(context, in: tx)
            let latest = document["configuration"] ?? .emptyObject
            let parent = versionsParent(context, name)
            if let newest = try await tx.documents(kind: Kind.functionVersion, parent: parent).last,
                newest["CodeSha256"] == latest["CodeSha256"], newest["RevisionId"] == latest["RevisionId"]
            {
                return newest
            }
            let number = document["nextVersion"]?.intValue ?? 1
            var version = latest
            version["Version"] = .string(String(number))
            version["FunctionArn"] = .string(functionARN(context, name, qualifier: String(number)).description)
            if let description = context.input["Description"] { version["Description"] = description }
            try await tx.put(DocumentKey(kind: Kind.functionVersion, parent: parent, id: String(number)), version)
            document["nextVersion"] = .number(Double(number + 1))
            try await tx.put(functionKey(context, name), document)
            return version
        }
    }

    private static func requireVersion(_ version: String, of name: String, _ context: OperationContext, in reader: any DocumentReader) async throws {
        if version == "$LATEST" { return }
        let published = try await reader.document(DocumentKey(kind: Kind.functionVersion, parent: versionsParent(context, name), id: version))
        guard published != nil else { throw notFound(context, name, qualifier: version) }
    }

    private static func alias(_ context: OperationContext, in reader: any DocumentReader) async throws -> (key: DocumentKey, document: JSON) {
        let (name, _) = try await function(context, in: reader)
        let key = DocumentKey(kind: Kind.functionAlias, parent: versionsParent(context, name), id: context.string("Name"))
        guard let alias = try await reader.document(key) else {
            throw AWSError("ResourceNotFoundException", status: 404, "Cannot find alias arn: \(functionARN(context, name)):\(context.string("Name"))")
        }
        return (key, alias)
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

/// `ImportRestApi`, `PutRestApi` (merge or overwrite) and `GetExport`. An import that fails, or
/// warns under `failonwarnings=true`, leaves nothing behind: a new API is deleted, an existing
/// one is put back as it was.
extension APIGateway {
    static let openAPIHandlers: [String: OperationHandler] = [
        "ImportRestApi": importRestAPI,
        "PutRestApi": putRestAPI,
        "GetExport": export,
    ]

    /// The operations an import runs, by name.
    static let importHandlers: [String: OperationHandler] = [
        restAPIHandlers, resourceHandlers, methodHandlers, integrationHandlers, modelHandlers, requestValidatorHandlers,
        authorizerHandlers, gatewayResponseHandlers, documentationHandlers,
    ].reduce(into: [:]) { all, group in all.merge(group) { first, _ in first } }

    /// The kinds of document a definition describes (PutRestApi's overwrite replaces them).
    private static let definedKinds = [Kind.resource, Kind.model, Kind.requestValidator, Kind.authorizer, Kind.gatewayResponse, Kind.documentationPart]

    private static func definition(_ context: OperationContext) throws(AWSError) -> OpenAPIImport {
        let body = Data(base64Encoded: context.input["body"]?.stringValue ?? "") ?? Data()
        return try OpenAPIImport(body: body, parameters: parameters(context), caller: context.caller)
    }

    private static func parameters(_ context: OperationContext) -> [String: String] {
        context.input["parameters"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
    }

    private static func importRestAPI(_ context: OperationContext) async throws -> JSON {
        var definition = try definition(context)
        var create = context
        create.input = try definition.restAPIInput()
        let created = try await importHandlers["CreateRestApi"]!(create)
        let apiID = created["id"]?.stringValue ?? ""
        var scoped = context
        scoped.input = ["restApiId": .string(apiID)]
        do {
            // AWS's import makes no default models.
            try await context.store.write { tx in
                for model in defaultModels { try await tx.delete(DocumentKey(kind: Kind.model, parent: apiID, id: model["name"]?.stringValue ?? "")) }
            }
            try await definition.apply(scoped)
            try checkWarnings(definition, context)
        } catch {
            try await context.store.write { tx in
                try await tx.delete(restAPIKey(context, apiID))
                try await tx.deleteOwned(by: apiID)
            }
            throw ImportError.answer(for: error)
        }
        var api = try await restAPI(scoped, in: context.store)
        if !definition.warnings.isEmpty { api["warnings"] = .array(definition.warnings.map(JSON.string)) }
        return api
    }

    private static func putRestAPI(_ context: OperationContext) async throws -> JSON {
        var definition = try definition(context)
        let apiID = context.string("restApiId")
        let original = try await restAPI(context, in: context.store)
        let overwrite = context.input["mode"]?.stringValue == "overwrite"
        var backup: [(DocumentKey, JSON)] = []
        for kind in definedKinds {
            for document in try await context.store.documents(kind: kind, parent: apiID) { backup.append((key(of: document, kind: kind, apiID: apiID), document)) }
        }
        let saved = backup
        let title = definition.document["info"]?["title"], settings = definition.apiSettings(), paths = definition.resourcePaths()
        do {
            try await context.store.write { tx in
                var api = original
                if let title { api["name"] = title }
                for (member, value) in settings {
                    if member == "binaryMediaTypes", !overwrite {
                        let existing = api[member]?.arrayValue ?? []
                        api[member] = .array(existing + (value.arrayValue ?? []).filter { !existing.contains($0) })
                    } else {
                        api[member] = value
                    }
                }
                try await tx.put(restAPIKey(context, apiID), api)
                if overwrite { try await clear(apiID, keeping: paths, saved: saved, tx) }
            }
            try await definition.apply(context, replacingMethods: !overwrite)
            try checkWarnings(definition, context)
        } catch {
            try await context.store.write { tx in
                try await tx.put(restAPIKey(context, apiID), original)
                for kind in definedKinds {
                    for document in try await tx.documents(kind: kind, parent: apiID) { try await tx.delete(key(of: document, kind: kind, apiID: apiID)) }
                }
                for (key, document) in saved { try await tx.put(key, document) }
            }
            throw ImportError.answer(for: error)
        }
        var api = try await restAPI(context, in: context.store)
        if api["tags"] == nil { api["tags"] = .emptyObject }
        if !definition.warnings.isEmpty { api["warnings"] = .array(definition.warnings.map(JSON.string)) }
        return api
    }

    /// Overwrite's first half: every method goes, resources whose path the definition does not
    /// have go (the others keep their ids), and models, validators, authorizers and gateway
    /// responses go.
    private static func clear(_ apiID: String, keeping paths: Set<String>, saved: [(DocumentKey, JSON)], _ tx: any StoreTransaction) async throws {
        for (key, document) in saved {
            if key.kind == Kind.resource, let path = document["path"]?.stringValue, path == "/" || paths.contains(path) {
                var kept = document
                kept["resourceMethods"] = nil
                try await tx.put(key, kept)
            } else {
                try await tx.delete(key)
            }
        }
    }

    private static func key(of document: JSON, kind: String, apiID: String) -> DocumentKey {
        let id = kind == Kind.model ? document["name"] : kind == Kind.gatewayResponse ? document["responseType"] : document["id"]
        // Documentation versions are snapshots of their own: an import never changes them.
        return DocumentKey(kind: kind, parent: apiID, id: id?.stringValue ?? "")
    }

    private static func checkWarnings(_ definition: OpenAPIImport, _ context: OperationContext) throws {
        guard context.input["failOnWarnings"] == true, !definition.warnings.isEmpty else { return }
        throw AWSError.badRequest("Warnings found during import:\n\t" + definition.warnings.joined(separator: "\n\t"))
    }

    private static func export(_ context: OperationContext) async throws -> JSON {
        let api = try await restAPI(context, in: context.store)
        let stage = try await stage(context, in: context.store)
        let type = context.string("exportType")
        guard type == "oas30" || type == "swagger" else { throw AWSError.badRequest("Invalid export type specified: \(type)") }
        guard let deploymentID = stage["deploymentId"]?.stringValue,
            let snapshot = try await context.store.document(childKey(Kind.snapshot, context, deploymentID))
        else { throw AWSError.notFound("Invalid stage identifier specified") }
        let extensions = Set((parameters(context)["extensions"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var exporter = OpenAPIExport(
            snapshot: snapshot, stage: context.string("stageName"), region: context.caller.region, swagger: type == "swagger",
            integrations: extensions.contains("integrations"), apigateway: extensions.contains("apigateway"))
        exporter.authorizers = extensions.contains("authorizers")
        exporter.documentationVersion = stage["documentationVersion"]?.stringValue
        let document = exporter.document()
        let yaml = context.input["accepts"]?.stringValue?.lowercased().contains("yaml") == true
        let body = yaml ? Data(YAML.serialize(document).utf8) : document.serialized()
        let version = api["version"]?.stringValue ?? document["info"]?["version"]?.stringValue ?? ""
        return [
            "body": .string(body.base64EncodedString()),
            "contentType": .string(yaml ? "application/yaml" : context.input["accepts"] == nil ? "application/octet-stream" : "application/json"),
            "contentDisposition": .string("attachment; filename=\"\(type)_\(version).\(yaml ? "yaml" : "json")\""),
        ]
    }
}

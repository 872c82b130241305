import Foundation
import GatehouseModel
import GatehouseStore

/// Documentation parts (a JSON `properties` text attached to a location in the API: the API, a
/// resource, a method, a parameter, a response…) and documentation versions (a snapshot of the
/// parts a stage can name). OpenAPI imports bring them from `x-amazon-apigateway-documentation`,
/// exports write them back.
extension APIGateway {
    static let documentationParts = Collection(
        kind: Kind.documentationPart, shape: "DocumentationPart", keyMember: "documentationPartId",
        notFound: { _ in "Invalid Documentation part identifier specified" },
        patchable: ["properties"],
        make: { context, reader in
            let location = normalizedLocation(context.input["location"] ?? .emptyObject)
            try checkProperties(context.input["properties"])
            let existing = try await reader.documents(kind: Kind.documentationPart, parent: context.string("restApiId"))
            if existing.contains(where: { $0["location"] == location }) {
                throw AWSError.conflict("Documentation part already exists for the specified location: type '\(location["type"]?.stringValue ?? "")'.")
            }
            let id = newID(length: 6)
            return (["id": .string(id), "location": location, "properties": context.input["properties"] ?? "{}"], id)
        })

    static let documentationHandlers: [String: OperationHandler] = documentationParts.handlers(
        create: "CreateDocumentationPart", get: "GetDocumentationPart", list: "GetDocumentationParts", update: "UpdateDocumentationPart",
        delete: "DeleteDocumentationPart"
    ).merging([
        "ImportDocumentationParts": { context in
            guard let body = Data(base64Encoded: context.input["body"]?.stringValue ?? ""), let document = try? JSON(parsing: body) else {
                throw AWSError.badRequest("Invalid documentation parts specified: the body is not JSON.")
            }
            let overwrite = context.input["mode"]?.stringValue == "overwrite"
            return try await context.store.write { tx in
                let apiID = context.string("restApiId")
                _ = try await restAPI(context, in: tx)
                var existing = try await tx.documents(kind: Kind.documentationPart, parent: apiID)
                if overwrite {
                    for part in existing { try await tx.delete(DocumentKey(kind: Kind.documentationPart, parent: apiID, id: part["id"]?.stringValue ?? "")) }
                    existing = []
                }
                var ids: [JSON] = []
                for part in document["documentationParts"]?.arrayValue ?? document.arrayValue ?? [] {
                    let location = normalizedLocation(part["location"] ?? .emptyObject)
                    let properties = JSON.string(part["properties"].map { $0.stringValue ?? String(decoding: $0.serialized(), as: UTF8.self) } ?? "{}")
                    let id = existing.first { $0["location"] == location }?["id"]?.stringValue ?? newID(length: 6)
                    try await tx.put(DocumentKey(kind: Kind.documentationPart, parent: apiID, id: id), ["id": .string(id), "location": location, "properties": properties])
                    ids.append(.string(id))
                }
                return ["ids": .array(ids)]
            }
        },
        "CreateDocumentationVersion": { context in
            try await context.store.write { tx in
                let apiID = context.string("restApiId"), version = context.string("documentationVersion")
                _ = try await restAPI(context, in: tx)
                let key = DocumentKey(kind: Kind.documentationVersion, parent: apiID, id: version)
                guard try await tx.document(key) == nil else { throw AWSError.conflict("Documentation version already exists") }
                var stored: JSON = ["version": .string(version), "createdDate": now(),
                                    "parts": .array(try await tx.documents(kind: Kind.documentationPart, parent: apiID))]
                if let description = context.input["description"] { stored["description"] = description }
                try await tx.put(key, stored)
                if let stage = context.input["stageName"]?.stringValue {
                    let stageKey = childKey(Kind.stage, context, stage)
                    guard var document = try await tx.document(stageKey) else { throw AWSError.notFound("Invalid stage identifier specified") }
                    document["documentationVersion"] = .string(version)
                    try await tx.put(stageKey, document)
                }
                return shownVersion(stored)
            }
        },
        "GetDocumentationVersion": { context in shownVersion(try await documentationVersion(context, in: context.store)) },
        "GetDocumentationVersions": { context in
            _ = try await restAPI(context, in: context.store)
            return try page(try await context.store.documents(kind: Kind.documentationVersion, parent: context.string("restApiId")).map(shownVersion), context)
        },
        "UpdateDocumentationVersion": { context in
            try await context.store.write { tx in
                let patched = try patch(try await documentationVersion(context, in: tx), context, shape: "DocumentationVersion", patchable: ["description"])
                try await tx.put(childKey(Kind.documentationVersion, context, context.string("documentationVersion")), patched)
                return shownVersion(patched)
            }
        },
        "DeleteDocumentationVersion": { context in
            try await context.store.write { tx in
                _ = try await documentationVersion(context, in: tx)
                try await tx.delete(childKey(Kind.documentationVersion, context, context.string("documentationVersion")))
                return .emptyObject
            }
        },
    ]) { first, _ in first }

    private static func documentationVersion(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        try await child(Kind.documentationVersion, id: context.string("documentationVersion"), context, in: reader,
                        notFound: "Invalid Documentation version identifier specified")
    }

    private static func shownVersion(_ version: JSON) -> JSON {
        var version = version
        version["parts"] = nil
        return version
    }

    /// A location as AWS keeps it: its type, and `path` `/` where the type takes one.
    static func normalizedLocation(_ location: JSON) -> JSON {
        var location = location
        if location["path"] == nil, location["type"] != "API", location["type"] != "AUTHORIZER", location["type"] != "MODEL" { location["path"] = "/" }
        return location
    }

    private static func checkProperties(_ value: JSON?) throws(AWSError) {
        guard let text = value?.stringValue, (try? JSON(parsing: Data(text.utf8)))?.objectValue != nil else {
            throw AWSError.badRequest("Invalid documentation content specified: properties must be a JSON object")
        }
    }
}

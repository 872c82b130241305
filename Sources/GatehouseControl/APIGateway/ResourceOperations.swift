import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let resourceHandlers: [String: OperationHandler] = [
        "CreateResource": createResource,
        "GetResource": { context in
            presented(try await resource(context.string("resourceId"), context, in: context.store), context)
        },
        "GetResources": { context in
            _ = try await restAPI(context, in: context.store)
            let all = try await context.store.documents(kind: Kind.resource, parent: context.string("restApiId"))
            return try page(all.map { presented($0, context) }, context)
        },
        "UpdateResource": updateResource,
        "DeleteResource": deleteResource,
    ]

    /// A resource of the input's API. AWS answers "Invalid Resource identifier" here even when it
    /// is the API id that is wrong.
    static func resource(_ id: String, _ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        guard let resource = try await reader.document(resourceKey(context, id)) else {
            throw AWSError.notFound("Invalid Resource identifier specified")
        }
        return resource
    }

    static func resourceKey(_ context: OperationContext, _ id: String) -> DocumentKey {
        childKey(Kind.resource, context, id)
    }

    /// Without `embed=methods` AWS lists each method of a resource as an empty object.
    private static func presented(_ resource: JSON, _ context: OperationContext) -> JSON {
        let embedded = context.input["embed"]?.arrayValue?.contains { $0.stringValue == "methods" } ?? false
        guard !embedded, let methods = resource["resourceMethods"]?.objectValue else { return resource }
        var summary = resource
        summary["resourceMethods"] = .object(methods.mapValues { _ in .emptyObject })
        return summary
    }

    /// AWS's rule for a path part: letters, digits and `._-:`, or a whole-segment `{name}` / `{name+}`.
    static func validatePathPart(_ part: String) throws(AWSError) {
        let plain = part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-:".contains($0)) }
        let variable = part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2
            && part.dropFirst().dropLast().enumerated().allSatisfy { index, char in
                char.isASCII && (char.isLetter || char.isNumber || char == "_" || char == "-" || char == "."
                    || (char == "+" && index == part.count - 3))
            }
        guard !part.isEmpty, plain || variable else {
            throw .badRequest(
                "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
        }
    }

    private static func isVariable(_ part: String?) -> Bool { part?.hasPrefix("{") ?? false }
    private static func isGreedy(_ part: String?) -> Bool { part?.hasSuffix("+}") ?? false }

    /// Checks that `part` may sit under `parent` beside its siblings.
    private static func checkPlacement(
        _ part: String, parent: JSON, excluding id: String?, in reader: any DocumentReader, _ context: OperationContext
    ) async throws {
        try validatePathPart(part)
        if isGreedy(parent["pathPart"]?.stringValue) {
            throw AWSError.badRequest("Cannot create a child of a resource with a greedy path variable: \(parent["pathPart"]!.stringValue!)")
        }
        let (api, parentID) = (context.string("restApiId"), parent["id"]?.stringValue ?? "")
        let namesakes = try await reader.documents(kind: Kind.resource, parent: api, where: ["parentId": parentID, "pathPart": part])
        if namesakes.contains(where: { $0["id"]?.stringValue != id }) {
            throw AWSError.conflict("Another resource with the same parent already has this name: \(part)")
        }
        // Only a variable part needs every sibling: the rare case reads them all.
        guard isVariable(part) else { return }
        let siblings = try await reader.documents(kind: Kind.resource, parent: api, where: ["parentId": parentID])
        if let other = siblings.first(where: { $0["id"]?.stringValue != id && isVariable($0["pathPart"]?.stringValue) }) {
            throw AWSError.badRequest(
                "A sibling (\(other["pathPart"]!.stringValue!)) of this resource already has a variable path part -- only one is allowed")
        }
    }

    private static func childPath(_ parent: JSON, _ part: String) -> String {
        let base = parent["path"]?.stringValue ?? "/"
        return base == "/" ? "/" + part : base + "/" + part
    }

    private static func createResource(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let parent = try await resource(context.string("parentId"), context, in: tx)
            let part = context.string("pathPart")
            try await checkPlacement(part, parent: parent, excluding: nil, in: tx, context)
            let id = newID()
            let created: JSON = [
                "id": .string(id), "parentId": parent["id"]!, "pathPart": .string(part), "path": .string(childPath(parent, part)),
            ]
            try await tx.put(resourceKey(context, id), created)
            return created
        }
    }

    private static func updateResource(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let id = context.string("resourceId")
            let current = try await resource(id, context, in: tx)
            var updated = try patch(current, context, shape: "Resource", patchable: ["pathPart", "parentId"],
                replaceOnly: ["pathPart", "parentId"], listingPaths: true)
            if current["parentId"] == nil, let member = try PatchOperation.list(from: context.input).first?.segments.first {
                throw AWSError.badRequest("Root resource cannot update its \(member).")
            }
            let parent = try await resource(updated["parentId"]?.stringValue ?? "", context, in: tx)
            let part = updated["pathPart"]?.stringValue ?? ""
            try await checkPlacement(part, parent: parent, excluding: id, in: tx, context)
            let all = try await tx.documents(kind: Kind.resource, parent: context.string("restApiId"))
            if try descendants(of: id, in: all).contains(where: { $0["id"] == parent["id"] }) {
                throw AWSError.badRequest("Resources cannot be cyclical.")
            }
            updated["path"] = .string(childPath(parent, part))
            try await tx.put(resourceKey(context, id), updated)
            try await repath(children: id, parentPath: updated["path"]!.stringValue!, all: all, tx, context)
            return updated
        }
    }

    /// Rewrites the paths under a resource whose own path changed.
    private static func repath(
        children parentID: String, parentPath: String, all: [JSON], _ tx: any StoreTransaction, _ context: OperationContext
    ) async throws {
        for var child in all where child["parentId"]?.stringValue == parentID {
            let path = (parentPath == "/" ? "" : parentPath) + "/" + (child["pathPart"]?.stringValue ?? "")
            child["path"] = .string(path)
            try await tx.put(resourceKey(context, child["id"]!.stringValue!), child)
            try await repath(children: child["id"]!.stringValue!, parentPath: path, all: all, tx, context)
        }
    }

    private static func descendants(of id: String, in all: [JSON]) throws -> [JSON] {
        let children = all.filter { $0["parentId"]?.stringValue == id }
        return try children + children.flatMap { try descendants(of: $0["id"]!.stringValue!, in: all) }
    }

    private static func deleteResource(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let id = context.string("resourceId")
            let current = try await resource(id, context, in: tx)
            guard current["parentId"] != nil else { throw AWSError.badRequest("Cannot delete the root resource") }
            let all = try await tx.documents(kind: Kind.resource, parent: context.string("restApiId"))
            for doomed in try [current] + descendants(of: id, in: all) {
                try await tx.delete(resourceKey(context, doomed["id"]!.stringValue!))
            }
            return .emptyObject
        }
    }
}

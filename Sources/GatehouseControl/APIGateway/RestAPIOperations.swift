import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let restAPIHandlers: [String: OperationHandler] = [
        "CreateRestApi": createRestAPI,
        "GetRestApi": { context in try await restAPI(context, in: context.store) },
        "GetRestApis": { context in
            try page(try await context.store.documents(kind: Kind.restAPI, parent: context.caller.region), context)
        },
        "UpdateRestApi": updateRestAPI,
        "DeleteRestApi": deleteRestAPI,
    ]

    /// The two models every new REST API starts with, exactly as AWS creates them.
    static let defaultModels: [JSON] = [
        [
            "name": "Empty", "contentType": "application/json", "description": "This is a default empty schema model",
            "schema": "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}",
        ],
        [
            "name": "Error", "contentType": "application/json", "description": "This is a default error schema model",
            "schema": "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}",
        ],
    ]

    private static func createRestAPI(_ context: OperationContext) async throws -> JSON {
        let input = context.input
        let id = newID(length: 10)
        let rootID = newID(length: 10)
        var api: JSON = [
            "id": .string(id), "name": input["name"]!, "createdDate": now(), "rootResourceId": .string(rootID),
            "apiKeySource": input["apiKeySource"] ?? "HEADER",
            "endpointConfiguration": input["endpointConfiguration"] ?? ["types": ["EDGE"], "ipAddressType": "ipv4"],
            "disableExecuteApiEndpoint": input["disableExecuteApiEndpoint"] ?? false,
        ]
        if input["description"] == "" { throw AWSError.badRequest("Description cannot be an empty string") }
        copyNonEmptyMembers(["description", "version", "binaryMediaTypes", "minimumCompressionSize", "policy", "tags"], from: input, into: &api)
        api["endpointConfiguration"] = try endpointConfiguration(input["endpointConfiguration"])
        let created = api
        try await context.store.write { tx in
            try await tx.put(restAPIKey(context, id), created)
            try await tx.put(DocumentKey(kind: Kind.resource, parent: id, id: rootID), ["id": .string(rootID), "path": "/"])
            for model in defaultModels {
                var stored = model
                stored["id"] = .string(newID())
                try await tx.put(DocumentKey(kind: Kind.model, parent: id, id: model["name"]!.stringValue!), stored)
            }
        }
        return created
    }

    /// The endpoint configuration with AWS's defaults and checks: one type, EDGE unless given;
    /// `ipv4` addresses, but `dualstack` for PRIVATE.
    private static func endpointConfiguration(_ requested: JSON?) throws(AWSError) -> JSON {
        var configuration = requested ?? .emptyObject
        let types = configuration["types"]?.arrayValue ?? ["EDGE"]
        if types.isEmpty { throw .badRequest("REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.") }
        if types.count > 1 { throw .badRequest("Cannot create an api with multiple Endpoint Types.") }
        configuration["types"] = .array(types)
        let isPrivate = types[0] == "PRIVATE"
        if configuration["ipAddressType"] == nil { configuration["ipAddressType"] = isPrivate ? "dualstack" : "ipv4" }
        if isPrivate && configuration["ipAddressType"] == "ipv4" {
            throw .badRequest("Only dualstack ipAddressType is supported for Private APIs.")
        }
        return configuration
    }

    private static func updateRestAPI(_ context: OperationContext) async throws -> JSON {
        // The list itself is not a path; its elements are (`/binaryMediaTypes/image~1png`).
        if let bare = try PatchOperation.list(from: context.input).first(where: { $0.path == "/binaryMediaTypes" }) {
            throw AWSError.badRequest("Invalid patch path \(bare.path)")
        }
        return try await context.store.write { tx in
            let api = try await restAPI(context, in: tx)
            var patched = try patch(api, context, shape: "RestApi", patchable: [
                "name", "description", "version", "binaryMediaTypes", "minimumCompressionSize", "apiKeySource",
                "endpointConfiguration", "policy", "disableExecuteApiEndpoint",
            ])
            if patched["tags"] == nil { patched["tags"] = .emptyObject }
            try await tx.put(restAPIKey(context, context.string("restApiId")), patched)
            return patched
        }
    }

    private static func deleteRestAPI(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            _ = try await restAPI(context, in: tx)
            let id = context.string("restApiId")
            try await tx.delete(restAPIKey(context, id))
            try await tx.deleteOwned(by: id)
            return .emptyObject
        }
    }
}

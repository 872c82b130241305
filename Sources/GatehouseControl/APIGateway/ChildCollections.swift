import Foundation
import GatehouseModel
import GatehouseStore

/// Models, request validators and authorizers: plain collections under a REST API that differ
/// only in their key, defaults and checks. One descriptor each drives create, get, list, update
/// and delete.
extension APIGateway {
    struct Collection: Sendable {
        var kind: String
        var shape: String
        /// The input member that names one item in Get/Update/Delete.
        var keyMember: String
        var notFound: @Sendable (String) -> String
        /// What AWS answers a Create on an API that does not exist (it differs by collection).
        var unknownAPIOnCreate: (@Sendable (OperationContext) -> AWSError)? = nil
        var patchable: Set<String>
        /// Whether bad patch paths are answered with the list of supported paths.
        var listsPatchPaths = false
        /// Checked before an item is deleted (a model still in use cannot be).
        var beforeDelete: (@Sendable (OperationContext, any DocumentReader) async throws -> Void)? = nil
        /// Builds a new item from the Create input; returns the item and its storage key.
        var make: @Sendable (OperationContext, any DocumentReader) async throws -> (item: JSON, key: String)

        func handlers(create: String, get: String, list: String, update: String, delete: String) -> [String: OperationHandler] {
            [
                create: { context in
                    try await context.store.write { tx in
                        if let unknownAPIOnCreate, try await tx.document(restAPIKey(context, context.string("restApiId"))) == nil {
                            throw unknownAPIOnCreate(context)
                        }
                        _ = try await restAPI(context, in: tx)
                        let (item, key) = try await make(context, tx)
                        try await tx.put(childKey(kind, context, key), item)
                        return item
                    }
                },
                get: { context in try await item(context, in: context.store) },
                list: { context in
                    _ = try await restAPI(context, in: context.store)
                    return try page(try await context.store.documents(kind: kind, parent: context.string("restApiId")), context)
                },
                update: { context in
                    try await context.store.write { tx in
                        let patched = try patch(
                            try await item(context, in: tx), context, shape: shape, patchable: patchable,
                            replaceOnly: listsPatchPaths ? patchable : [], listingPaths: listsPatchPaths)
                        try await tx.put(childKey(kind, context, context.string(keyMember)), patched)
                        return patched
                    }
                },
                delete: { context in
                    try await context.store.write { tx in
                        _ = try await item(context, in: tx)
                        try await beforeDelete?(context, tx)
                        try await tx.delete(childKey(kind, context, context.string(keyMember)))
                        return .emptyObject
                    }
                },
            ]
        }

        /// The item the input names. AWS answers the item's own "not found" even when the API is missing.
        private func item(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
            let id = context.string(keyMember)
            guard let item = try await reader.document(childKey(kind, context, id)) else { throw AWSError.notFound(notFound(id)) }
            return item
        }
    }

    static let models = Collection(
        kind: Kind.model, shape: "Model", keyMember: "modelName",
        notFound: { "Invalid model name specified: \($0)" },
        patchable: ["schema", "description"],
        listsPatchPaths: true,
        beforeDelete: { context, reader in
            let name = context.string("modelName")
            for resource in try await reader.documents(kind: Kind.resource, parent: context.string("restApiId")) {
                for (method, definition) in (resource["resourceMethods"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
                where definition["requestModels"]?.objectValue?.values.contains(.string(name)) == true {
                    throw AWSError.conflict(
                        "Cannot delete model '\(name)', is referenced in method request: \(resource["path"]?.stringValue ?? "/")/\(method)")
                }
            }
        },
        make: { context, reader in
            let name = context.string("name")
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw AWSError.badRequest("Invalid model name specified, must be alphanumeric: \(name)")
            }
            if try await reader.document(childKey(Kind.model, context, name)) != nil {
                throw AWSError.conflict("Model name already exists for this REST API")
            }
            if let schema = context.input["schema"]?.stringValue, (try? JSON(parsing: Data(schema.utf8))) == nil {
                throw AWSError.badRequest("Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]")
            }
            var model: JSON = ["id": .string(newID()), "name": .string(name)]
            copyNonEmptyMembers(["description", "schema", "contentType"], from: context.input, into: &model)
            return (model, name)
        })

    static let requestValidators = Collection(
        kind: Kind.requestValidator, shape: "RequestValidator", keyMember: "requestValidatorId",
        notFound: { _ in "Invalid Request Validator identifier specified" },
        unknownAPIOnCreate: { _ in .badRequest("Invalid REST API identifier specified") },
        patchable: ["name", "validateRequestBody", "validateRequestParameters"],
        listsPatchPaths: true,
        make: { context, _ in
            let id = newID()
            var validator: JSON = [
                "id": .string(id), "validateRequestBody": context.input["validateRequestBody"] ?? false,
                "validateRequestParameters": context.input["validateRequestParameters"] ?? false,
            ]
            copyMembers(["name"], from: context.input, into: &validator)
            return (validator, id)
        })

    static let authorizers = Collection(
        kind: Kind.authorizer, shape: "Authorizer", keyMember: "authorizerId",
        notFound: { _ in "Invalid Authorizer identifier specified" },
        // AWS really answers this, for a Create on an API that does not exist.
        unknownAPIOnCreate: { _ in .conflict("Unable to complete operation due to concurrent modification. Please try again later.") },
        patchable: [
            "name", "type", "providerARNs", "authType", "authorizerUri", "authorizerCredentials", "identitySource",
            "identityValidationExpression", "authorizerResultTtlInSeconds",
        ],
        make: { context, _ in
            let input = context.input
            let type = context.string("type")
            if ["TOKEN", "REQUEST"].contains(type), input["authorizerUri"] == nil {
                throw AWSError.badRequest("Authorizer URI is required for authorizers of type \(type)")
            }
            if type == "COGNITO_USER_POOLS", (input["providerARNs"]?.arrayValue ?? []).isEmpty {
                throw AWSError.badRequest("Provider ARNs are required for authorizers of type COGNITO_USER_POOLS")
            }
            if type == "TOKEN", input["identitySource"] == nil {
                throw AWSError.badRequest("Identity source is required for authorizers of type TOKEN")
            }
            let id = newID()
            var authorizer: JSON = ["id": .string(id), "type": .string(type)]
            if type != "COGNITO_USER_POOLS" { authorizer["authorizerResultTtlInSeconds"] = input["authorizerResultTtlInSeconds"] ?? 300 }
            copyMembers(
                ["name", "providerARNs", "authType", "authorizerUri", "authorizerCredentials", "identitySource",
                 "identityValidationExpression", "authorizerResultTtlInSeconds"],
                from: input, into: &authorizer)
            return (authorizer, id)
        })

    static let modelHandlers = models.handlers(
        create: "CreateModel", get: "GetModel", list: "GetModels", update: "UpdateModel", delete: "DeleteModel")
    static let requestValidatorHandlers = requestValidators.handlers(
        create: "CreateRequestValidator", get: "GetRequestValidator", list: "GetRequestValidators",
        update: "UpdateRequestValidator", delete: "DeleteRequestValidator")
    static let authorizerHandlers = authorizers.handlers(
        create: "CreateAuthorizer", get: "GetAuthorizer", list: "GetAuthorizers", update: "UpdateAuthorizer",
        delete: "DeleteAuthorizer")
}

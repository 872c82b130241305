import Foundation
import GatehouseModel
import GatehouseStore

/// Routes, integrations, authorizers, models and route and integration responses: collections
/// under an API that differ only in their names, defaults and checks. One descriptor each drives
/// create, get, list, update (a PATCH whose body sets members) and delete; every change
/// redeploys the API's auto-deploying stages (`AutoDeploy`).
extension APIGatewayV2 {
    struct Collection: Sendable {
        /// `Route`, as operations and messages name it.
        var noun: String
        var kind: String
        /// The member holding an item's id (`RouteId`) and the length of new ids.
        var idMember: String
        var idLength: Int
        /// The URI member naming the item's owner below the API (route responses: `RouteId`).
        var ownerMember: String?
        /// Input members an item takes on create and update.
        var members: [String]
        /// What a new item starts with.
        var defaults: JSON = [:]
        /// Checks (and completes) an item before it is stored, given the API.
        var prepare: (@Sendable (inout JSON, JSON, OperationContext, any DocumentReader) async throws -> Void)? = nil
        /// Checked before an item is deleted (an integration a route targets cannot be).
        var beforeDelete: (@Sendable (JSON, OperationContext, any DocumentReader) async throws -> Void)? = nil

        var handlers: [String: OperationHandler] {
            let plural = noun.hasSuffix("s") ? noun : noun + "s"
            return [
                "Create\(noun)": { context in
                    try await write(context) { item, api, tx in
                        item = defaults
                        item[idMember] = .string(newID(length: idLength))
                        copy(members, from: context.input, into: &item)
                        try await prepare?(&item, api, context, tx)
                    }
                },
                "Get\(noun)": { context in
                    _ = try await api(context, in: context.store)
                    return try await item(context, in: context.store)
                },
                "Get\(plural)": { context in
                    _ = try await api(context, in: context.store)
                    if ownerMember != nil { _ = try await owner(context, in: context.store) }
                    return try page(try await context.store.documents(kind: kind, parent: parent(context)), context)
                },
                "Update\(noun)": { context in
                    try await write(context) { item, api, tx in
                        item = try await self.item(context, in: tx)
                        copy(members, from: context.input, into: &item)
                        try await prepare?(&item, api, context, tx)
                    }
                },
                "Delete\(noun)": { context in
                    try await context.store.write { tx in
                        let api = try await api(context, in: tx)
                        let item = try await item(context, in: tx)
                        try await beforeDelete?(item, context, tx)
                        try await tx.delete(DocumentKey(kind: kind, parent: parent(context), id: context.string(idMember)))
                        try await AutoDeploy.redeploy(api, context, in: tx)
                        return .emptyObject
                    }
                },
            ]
        }

        /// Builds or changes an item in one transaction, stores it and redeploys.
        private func write(
            _ context: OperationContext, _ change: @escaping @Sendable (inout JSON, JSON, any StoreTransaction) async throws -> Void
        ) async throws -> JSON {
            try await context.store.write { tx in
                let api = try await api(context, in: tx)
                if ownerMember != nil { _ = try await owner(context, in: tx) }
                var item: JSON = [:]
                try await change(&item, api, tx)
                try await tx.put(DocumentKey(kind: kind, parent: parent(context), id: item[idMember]?.stringValue ?? ""), item)
                try await AutoDeploy.redeploy(api, context, in: tx)
                return item
            }
        }

        private func parent(_ context: OperationContext) -> String {
            ownerMember.map { "\(context.string("ApiId"))/\(context.string($0))" } ?? context.string("ApiId")
        }

        private func item(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
            let id = context.string(idMember)
            guard let item = try await reader.document(DocumentKey(kind: kind, parent: parent(context), id: id)) else {
                throw AWSError.notFound("Invalid \(noun) identifier specified \(context.caller.accountId):\(id)")
            }
            return item
        }

        /// The route or integration a response belongs to.
        private func owner(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
            let ownerKind = ownerMember == "RouteId" ? Kind.route : Kind.integration
            let id = context.string(ownerMember ?? "")
            guard let owner = try await reader.document(DocumentKey(kind: ownerKind, parent: context.string("ApiId"), id: id)) else {
                throw AWSError.notFound("Invalid \(ownerMember == "RouteId" ? "Route" : "Integration") identifier specified \(context.caller.accountId):\(id)")
            }
            return owner
        }
    }

    static var collectionHandlers: [String: OperationHandler] {
        [routes, integrations, authorizers, models, routeResponses, integrationResponses]
            .reduce(into: [:]) { all, collection in all.merge(collection.handlers) { first, _ in first } }
    }

    static let routes = Collection(
        noun: "Route", kind: Kind.route, idMember: "RouteId", idLength: 7,
        members: [
            "ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId", "ModelSelectionExpression", "OperationName",
            "RequestModels", "RequestParameters", "RouteKey", "RouteResponseSelectionExpression", "Target",
        ],
        defaults: ["ApiKeyRequired": false, "AuthorizationType": "NONE"],
        prepare: { route, api, context, reader in try await RouteChecks.check(&route, api: api, context: context, in: reader) })

    static let integrations = Collection(
        noun: "Integration", kind: Kind.integration, idMember: "IntegrationId", idLength: 7,
        members: [
            "ConnectionId", "ConnectionType", "ContentHandlingStrategy", "CredentialsArn", "Description", "IntegrationMethod",
            "IntegrationSubtype", "IntegrationType", "IntegrationUri", "PassthroughBehavior", "PayloadFormatVersion",
            "RequestParameters", "RequestTemplates", "ResponseParameters", "TemplateSelectionExpression", "TimeoutInMillis", "TlsConfig",
        ],
        defaults: ["ConnectionType": "INTERNET", "TimeoutInMillis": 30000],
        prepare: { integration, api, _, _ in try IntegrationChecks.check(&integration, api: api) },
        beforeDelete: { integration, context, reader in
            let target = "integrations/" + (integration["IntegrationId"]?.stringValue ?? "")
            let routes = try await reader.documents(kind: Kind.route, parent: context.string("ApiId")).filter { $0["Target"] == .string(target) }
            if !routes.isEmpty {
                let ids = routes.compactMap { $0["RouteId"]?.stringValue }.joined(separator: ", ")
                throw AWSError.conflict("Cannot delete Integration because it is referenced by the following Routes with Ids: [\(ids)]")
            }
        })

    static let authorizers = Collection(
        noun: "Authorizer", kind: Kind.v2Authorizer, idMember: "AuthorizerId", idLength: 6,
        members: [
            "AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds", "AuthorizerType",
            "AuthorizerUri", "EnableSimpleResponses", "IdentitySource", "IdentityValidationExpression", "JwtConfiguration", "Name",
        ],
        prepare: { authorizer, api, _, _ in try AuthorizerChecks.check(&authorizer, api: api) },
        beforeDelete: { authorizer, context, reader in
            let id = authorizer["AuthorizerId"]
            if let route = try await reader.documents(kind: Kind.route, parent: context.string("ApiId")).first(where: { $0["AuthorizerId"] == id }) {
                let name = authorizer["Name"]?.stringValue ?? ""
                throw AWSError.conflict("Cannot delete authorizer '\(name)', is referenced in route: \(route["RouteKey"]?.stringValue ?? "")")
            }
        })

    static let models = Collection(
        noun: "Model", kind: Kind.v2Model, idMember: "ModelId", idLength: 6,
        members: ["ContentType", "Description", "Name", "Schema"])

    static let routeResponses = Collection(
        noun: "RouteResponse", kind: Kind.routeResponse, idMember: "RouteResponseId", idLength: 6, ownerMember: "RouteId",
        members: ["ModelSelectionExpression", "ResponseModels", "ResponseParameters", "RouteResponseKey"])

    static let integrationResponses = Collection(
        noun: "IntegrationResponse", kind: Kind.integrationResponse, idMember: "IntegrationResponseId", idLength: 6,
        ownerMember: "IntegrationId",
        members: ["ContentHandlingStrategy", "IntegrationResponseKey", "ResponseParameters", "ResponseTemplates", "TemplateSelectionExpression"])
}

import Foundation
import GatehouseModel
import GatehouseStore

/// Routes, integrations, authorizers, models, route and integration responses, VPC links,
/// domain names and API mappings: collections that differ only in their names, where they live,
/// defaults and checks. One descriptor each drives create, get, list, update (a PATCH whose body
/// sets members) and delete; a change to an API's collection redeploys its auto-deploying
/// stages (`AutoDeploy`).
extension APIGatewayV2 {
    struct Collection: Sendable {
        /// Under an API (`ApiId`), or under the region.
        enum Scope: Sendable {
            case api
            case region
        }

        /// What an item belongs to below its scope: a route, an integration, a domain name.
        struct Owner: Sendable {
            var noun: String
            var kind: String
            /// The URI member naming it (`RouteId`).
            var member: String
        }

        /// `Route`, as operations and messages name it.
        var noun: String
        var kind: String
        var scope = Scope.api
        var owner: Owner?
        /// The member holding an item's id (`RouteId`).
        var idMember: String
        /// The length of new ids; nil when the id is the input's own (a domain name).
        var idLength: Int?
        /// Input members an item takes on create and update.
        var members: [String]
        /// What a new item starts with.
        var defaults: JSON = [:]
        /// Checks (and completes) an item before it is stored, given the API (in the API scope).
        var prepare: (@Sendable (inout JSON, JSON?, OperationContext, any DocumentReader) async throws -> Void)? = nil
        /// Checked before an item is deleted (an integration a route targets cannot be).
        var beforeDelete: (@Sendable (JSON, OperationContext, any DocumentReader) async throws -> Void)? = nil

        var handlers: [String: OperationHandler] {
            let plural = noun.hasSuffix("s") ? noun : noun + "s"
            return [
                "Create\(noun)": { context in
                    try await write(context) { item, api, tx in
                        item = defaults
                        let id = idLength.map { newID(length: $0) } ?? context.string(idMember)
                        if idLength == nil, try await tx.document(key(context, id)) != nil {
                            throw AWSError.conflict("The \(noun) \(id) already exists")
                        }
                        item[idMember] = .string(id)
                        copy(members, from: context.input, into: &item)
                        try await prepare?(&item, api, context, tx)
                    }
                },
                "Get\(noun)": { context in
                    try await container(context, in: context.store)
                    return try await item(context, in: context.store)
                },
                "Get\(plural)": { context in
                    try await container(context, in: context.store)
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
                        let api = try await container(context, in: tx)
                        let item = try await item(context, in: tx)
                        try await beforeDelete?(item, context, tx)
                        try await tx.delete(key(context, context.string(idMember)))
                        if let api { try await AutoDeploy.redeploy(api, context, in: tx) }
                        return .emptyObject
                    }
                },
            ]
        }

        /// Builds or changes an item in one transaction, stores it and redeploys.
        private func write(
            _ context: OperationContext, _ change: @escaping @Sendable (inout JSON, JSON?, any StoreTransaction) async throws -> Void
        ) async throws -> JSON {
            try await context.store.write { tx in
                let api = try await container(context, in: tx)
                var item: JSON = [:]
                try await change(&item, api, tx)
                try await tx.put(key(context, item[idMember]?.stringValue ?? ""), item)
                if let api { try await AutoDeploy.redeploy(api, context, in: tx) }
                return item
            }
        }

        /// Checks that what the item lives in exists: its API (returned) and its owner.
        @discardableResult
        private func container(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON? {
            let api = scope == .api ? try await APIGatewayV2.api(context, in: reader) : nil
            if let owner {
                let id = context.string(owner.member)
                let parent = scope == .api ? context.string("ApiId") : context.caller.region
                guard try await reader.document(DocumentKey(kind: owner.kind, parent: parent, id: id)) != nil else {
                    throw AWSError.notFound("Invalid \(owner.noun) identifier specified \(context.caller.accountId):\(id)")
                }
            }
            return api
        }

        private func parent(_ context: OperationContext) -> String {
            let base = scope == .api ? context.string("ApiId") : context.caller.region
            return owner.map { "\(base)/\(context.string($0.member))" } ?? base
        }

        private func key(_ context: OperationContext, _ id: String) -> DocumentKey {
            DocumentKey(kind: kind, parent: parent(context), id: id)
        }

        private func item(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
            let id = context.string(idMember)
            guard let item = try await reader.document(key(context, id)) else {
                throw AWSError.notFound("Invalid \(noun) identifier specified \(context.caller.accountId):\(id)")
            }
            return item
        }
    }

    static var collectionHandlers: [String: OperationHandler] {
        [routes, integrations, authorizers, models, routeResponses, integrationResponses, vpcLinks, domainNames, apiMappings]
            .reduce(into: [:]) { all, collection in all.merge(collection.handlers) { first, _ in first } }
    }

    static let routes = Collection(
        noun: "Route", kind: Kind.route, idMember: "RouteId", idLength: 7,
        members: [
            "ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId", "ModelSelectionExpression", "OperationName",
            "RequestModels", "RequestParameters", "RouteKey", "RouteResponseSelectionExpression", "Target",
        ],
        defaults: ["ApiKeyRequired": false, "AuthorizationType": "NONE"],
        prepare: { route, api, context, reader in try await RouteChecks.check(&route, api: api ?? [:], context: context, in: reader) })

    static let integrations = Collection(
        noun: "Integration", kind: Kind.integration, idMember: "IntegrationId", idLength: 7,
        members: [
            "ConnectionId", "ConnectionType", "ContentHandlingStrategy", "CredentialsArn", "Description", "IntegrationMethod",
            "IntegrationSubtype", "IntegrationType", "IntegrationUri", "PassthroughBehavior", "PayloadFormatVersion",
            "RequestParameters", "RequestTemplates", "ResponseParameters", "TemplateSelectionExpression", "TimeoutInMillis", "TlsConfig",
        ],
        defaults: ["ConnectionType": "INTERNET", "TimeoutInMillis": 30000],
        prepare: { integration, api, context, _ in try IntegrationChecks.check(&integration, api: api ?? [:], input: context.input) },
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
        prepare: { authorizer, api, _, _ in try AuthorizerChecks.check(&authorizer, api: api ?? [:]) },
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
        noun: "RouteResponse", kind: Kind.routeResponse, owner: .init(noun: "Route", kind: Kind.route, member: "RouteId"),
        idMember: "RouteResponseId", idLength: 6,
        members: ["ModelSelectionExpression", "ResponseModels", "ResponseParameters", "RouteResponseKey"],
        prepare: { response, api, _, _ in
            if api?["ProtocolType"] == "WEBSOCKET" { try WebSocketChecks.checkRouteResponse(response) }
        })

    static let integrationResponses = Collection(
        noun: "IntegrationResponse", kind: Kind.integrationResponse,
        owner: .init(noun: "Integration", kind: Kind.integration, member: "IntegrationId"), idMember: "IntegrationResponseId", idLength: 6,
        members: ["ContentHandlingStrategy", "IntegrationResponseKey", "ResponseParameters", "ResponseTemplates", "TemplateSelectionExpression"],
        prepare: { response, api, _, _ in
            if api?["ProtocolType"] == "WEBSOCKET" { try WebSocketChecks.checkIntegrationResponse(response) }
        })

    static let vpcLinks = Collection(
        noun: "VpcLink", kind: Kind.vpcLink, scope: .region, idMember: "VpcLinkId", idLength: 6,
        members: ["Name", "SecurityGroupIds", "SubnetIds", "Tags"],
        defaults: ["VpcLinkStatus": "AVAILABLE", "VpcLinkStatusMessage": "VPC link is ready to route traffic", "VpcLinkVersion": "V2",
                   "SecurityGroupIds": [], "Tags": [:]],
        prepare: { link, _, _, _ in link["CreatedDate"] = link["CreatedDate"] ?? now() })

    /// Custom domain names; requests whose `Host` is one route by its API mappings (`CustomDomains`).
    static let domainNames = Collection(
        noun: "DomainName", kind: Kind.domainName, scope: .region, idMember: "DomainName",
        members: ["DomainNameConfigurations", "MutualTlsAuthentication", "RoutingMode", "Tags"],
        defaults: ["ApiMappingSelectionExpression": "$request.basepath", "Tags": [:]],
        prepare: { domain, _, context, _ in
            let name = domain["DomainName"]?.stringValue ?? ""
            domain["DomainNameArn"] = .string("arn:aws:apigateway:\(context.caller.region)::/domainnames/\(name)")
            var configurations = domain["DomainNameConfigurations"]?.arrayValue ?? [[:]]
            for index in configurations.indices {
                configurations[index] = ([
                    "ApiGatewayDomainName": .string("d-\(newID(length: 10)).execute-api.\(context.caller.region).amazonaws.com"),
                    "DomainNameStatus": "AVAILABLE", "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2", "IpAddressType": "ipv4",
                ] as JSON).overlaid(with: configurations[index])
            }
            domain["DomainNameConfigurations"] = .array(configurations)
        })

    static let apiMappings = Collection(
        noun: "ApiMapping", kind: Kind.apiMapping, scope: .region, owner: .init(noun: "DomainName", kind: Kind.domainName, member: "DomainName"),
        idMember: "ApiMappingId", idLength: 6, members: ["ApiId", "ApiMappingKey", "Stage"],
        prepare: { mapping, _, context, reader in
            let apiID = mapping["ApiId"]?.stringValue ?? "", stage = mapping["Stage"]?.stringValue ?? ""
            // An API mapping may name an HTTP, WebSocket or REST API.
            let isREST = try await reader.document(DocumentKey(kind: Kind.restAPI, parent: context.caller.region, id: apiID)) != nil
            let isV2 = try await reader.document(DocumentKey(kind: Kind.httpAPI, parent: context.caller.region, id: apiID)) != nil
            guard isREST || isV2 else {
                throw AWSError.notFound("Invalid API identifier specified \(context.caller.accountId):\(apiID)")
            }
            guard try await reader.document(DocumentKey(kind: isREST ? Kind.stage : Kind.v2Stage, parent: apiID, id: stage)) != nil else {
                throw AWSError.notFound("Invalid stage identifier specified \(context.caller.accountId):\(stage)")
            }
        })
}

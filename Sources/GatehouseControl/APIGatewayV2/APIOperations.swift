import Foundation
import GatehouseModel
import GatehouseStore

/// `CreateApi` (with quick create), `GetApi(s)`, `UpdateApi`, `DeleteApi`,
/// `DeleteCorsConfiguration` and the tag operations of v2 APIs and their stages.
extension APIGatewayV2 {
    static let apiHandlers: [String: OperationHandler] = [
        "CreateApi": createAPI,
        "GetApi": { context in try await api(context, in: context.store) },
        "GetApis": { context in try page(try await context.store.documents(kind: Kind.httpAPI, parent: context.caller.region), context) },
        "UpdateApi": { context in
            try await changeAPI(context) { api in
                try checkRouteSelection(context.input["RouteSelectionExpression"], protocolType: api["ProtocolType"]?.stringValue)
                copy(
                    ["ApiKeySelectionExpression", "CorsConfiguration", "Description", "DisableExecuteApiEndpoint", "DisableSchemaValidation",
                     "IpAddressType", "Name", "RouteSelectionExpression", "Version"], from: context.input, into: &api)
                if api["ProtocolType"] == "WEBSOCKET" { try WebSocketChecks.checkAPI(api) }
            }
        },
        "DeleteCorsConfiguration": { context in
            try await changeAPI(context) { api in api["CorsConfiguration"] = nil }
        },
        "DeleteApi": { context in
            try await context.store.write { tx in
                let id = context.string("ApiId")
                _ = try await api(context, in: tx)
                // Route and integration responses live under `{api}/{route or integration}`.
                for kind in [Kind.route, Kind.integration] {
                    for item in try await tx.documents(kind: kind, parent: id) {
                        let owner = item["RouteId"]?.stringValue ?? item["IntegrationId"]?.stringValue ?? ""
                        try await tx.deleteOwned(by: "\(id)/\(owner)")
                    }
                }
                try await tx.deleteOwned(by: id)
                try await tx.delete(apiKey(context, id))
                return .emptyObject
            }
        },
    ]

    private static func createAPI(_ context: OperationContext) async throws -> JSON {
        let input = context.input
        let protocolType = context.string("ProtocolType")
        try checkRouteSelection(input["RouteSelectionExpression"], protocolType: protocolType)
        if protocolType == "WEBSOCKET" {
            guard input["RouteSelectionExpression"] != nil else { throw AWSError.badRequest("RouteSelectionExpression is required for WEBSOCKET APIs") }
            guard input["Target"] == nil else { throw AWSError.badRequest("Quick create (Target) is supported only for HTTP APIs") }
            try WebSocketChecks.checkAPI(input)
        }
        let id = newID(length: 10)
        var api: JSON = [
            "ApiId": .string(id), "Name": input["Name"]!, "ProtocolType": .string(protocolType),
            "RouteSelectionExpression": input["RouteSelectionExpression"] ?? "$request.method $request.path",
            "ApiKeySelectionExpression": input["ApiKeySelectionExpression"] ?? "$request.header.x-api-key",
            "ApiEndpoint": .string(endpoint(context, apiID: id, protocolType: protocolType)), "CreatedDate": now(),
            "DisableExecuteApiEndpoint": input["DisableExecuteApiEndpoint"] ?? false, "Tags": input["Tags"] ?? [:],
        ]
        copy(["CorsConfiguration", "Description", "DisableSchemaValidation", "IpAddressType", "Version"], from: input, into: &api)
        let created = api
        try await context.store.write { tx in
            try await tx.put(apiKey(context, id), created)
            if let target = input["Target"]?.stringValue { try await quickCreate(created, target: target, context, in: tx) }
        }
        return created
    }

    /// Quick create: an integration with the target, a route to it (`$default` unless the input
    /// names one) and a `$default` stage that deploys automatically, all managed by API Gateway.
    private static func quickCreate(_ api: JSON, target: String, _ context: OperationContext, in tx: any StoreTransaction) async throws {
        let apiID = api["ApiId"]?.stringValue ?? ""
        let isLambda = target.hasPrefix("arn:aws:lambda:") || target.contains(":lambda:path/")
        var integration: JSON = [
            "IntegrationId": .string(newID(length: 7)), "IntegrationType": isLambda ? "AWS_PROXY" : "HTTP_PROXY",
            "IntegrationMethod": isLambda ? "POST" : "ANY", "IntegrationUri": .string(target),
            "PayloadFormatVersion": isLambda ? "2.0" : "1.0", "TimeoutInMillis": 30000, "ConnectionType": "INTERNET",
            "ApiGatewayManaged": true,
        ]
        copy(["CredentialsArn"], from: context.input, into: &integration)
        let routeKey = context.input["RouteKey"]?.stringValue ?? "$default"
        _ = try RouteChecks.parse(routeKey)
        let route: JSON = [
            "RouteId": .string(newID(length: 7)), "RouteKey": .string(routeKey), "Target": .string("integrations/\(integration["IntegrationId"]!.stringValue!)"),
            "AuthorizationType": "NONE", "ApiKeyRequired": false, "ApiGatewayManaged": true,
        ]
        try await tx.put(DocumentKey(kind: Kind.integration, parent: apiID, id: integration["IntegrationId"]!.stringValue!), integration)
        try await tx.put(DocumentKey(kind: Kind.route, parent: apiID, id: route["RouteId"]!.stringValue!), route)
        var stage: JSON = [
            "StageName": "$default", "AutoDeploy": true, "ApiGatewayManaged": true, "CreatedDate": now(), "LastUpdatedDate": now(),
            "DefaultRouteSettings": ["DetailedMetricsEnabled": false], "RouteSettings": [:], "StageVariables": [:], "Tags": [:],
        ]
        try await AutoDeploy.deploy(&stage, api: api, context, in: tx)
        try await tx.put(DocumentKey(kind: Kind.v2Stage, parent: apiID, id: "$default"), stage)
    }

    /// Where the API answers: on AWS `https://{id}.execute-api.{region}.amazonaws.com`; here the
    /// same host form on this Gatehouse (`http://{id}.execute-api.localhost:4566`), so a client
    /// can call what `apiEndpoint` says.
    private static func endpoint(_ context: OperationContext, apiID: String, protocolType: String) -> String {
        let port = context.endpoint.split(separator: ":").last.map(String.init) ?? "4566"
        return "\(protocolType == "WEBSOCKET" ? "ws" : "http")://\(apiID).execute-api.localhost:\(port)"
    }

    /// HTTP APIs route by method and path only.
    private static func checkRouteSelection(_ expression: JSON?, protocolType: String?) throws(AWSError) {
        guard protocolType == "HTTP", let expression, expression != "$request.method $request.path", expression != "${request.method} ${request.path}"
        else { return }
        throw .badRequest("Currently, the route selection expression of an HTTP API can only be ${request.method} ${request.path}")
    }

    /// Changes the input's API in one transaction, stores it and redeploys its auto-deploying stages.
    private static func changeAPI(_ context: OperationContext, _ change: @escaping @Sendable (inout JSON) throws -> Void) async throws -> JSON {
        try await context.store.write { tx in
            var api = try await api(context, in: tx)
            try change(&api)
            try await tx.put(apiKey(context, context.string("ApiId")), api)
            try await AutoDeploy.redeploy(api, context, in: tx)
            return api
        }
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

/// Deployments of v2 APIs: each freezes the API's routes and integrations (with their
/// responses) and authorizers into a snapshot the data plane serves, as REST deployments do.
extension APIGatewayV2 {
    static let deploymentHandlers: [String: OperationHandler] = [
        "CreateDeployment": { context in
            try await context.store.write { tx in
                let api = try await api(context, in: tx)
                let stageName = context.input["StageName"]?.stringValue
                var stage: JSON?
                if let stageName {
                    stage = try await tx.document(Stages.key(context, stageName))
                    guard stage != nil else { throw AWSError.notFound("Invalid stage identifier specified \(context.caller.accountId):\(stageName)") }
                    if stage?["AutoDeploy"] == true {
                        throw AWSError.badRequest("The stage \(stageName) deploys automatically: it cannot take a deployment made by hand.")
                    }
                }
                guard let deployment = try await deploy(api, context, description: context.input["Description"]?.stringValue, automatic: false, in: tx)
                else { throw AWSError.badRequest("Unable to deploy API because no routes exist in this API") }
                if var stage {
                    stage["DeploymentId"] = deployment["DeploymentId"]
                    stage["LastUpdatedDate"] = now()
                    try await tx.put(Stages.key(context, stageName ?? ""), stage)
                }
                return deployment
            }
        },
        "GetDeployment": { context in try await deployment(context, in: context.store) },
        "GetDeployments": { context in
            _ = try await api(context, in: context.store)
            return try page(try await context.store.documents(kind: Kind.v2Deployment, parent: context.string("ApiId")), context)
        },
        "UpdateDeployment": { context in
            try await context.store.write { tx in
                var deployment = try await deployment(context, in: tx)
                copy(["Description"], from: context.input, into: &deployment)
                try await tx.put(DocumentKey(kind: Kind.v2Deployment, parent: context.string("ApiId"), id: context.string("DeploymentId")), deployment)
                return deployment
            }
        },
        "DeleteDeployment": { context in
            try await context.store.write { tx in
                let id = context.string("DeploymentId")
                _ = try await deployment(context, in: tx)
                if let stage = try await tx.documents(kind: Kind.v2Stage, parent: context.string("ApiId")).first(where: { $0["DeploymentId"] == .string(id) }) {
                    throw AWSError.badRequest(
                        "Active stages pointing to this deployment must be moved or deleted: \(stage["StageName"]?.stringValue ?? "")")
                }
                let apiID = context.string("ApiId")
                try await tx.delete(DocumentKey(kind: Kind.v2Deployment, parent: apiID, id: id))
                try await tx.delete(DocumentKey(kind: Kind.v2Snapshot, parent: apiID, id: id))
                return .emptyObject
            }
        },
    ]

    private static func deployment(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        _ = try await api(context, in: reader)
        let id = context.string("DeploymentId")
        guard let deployment = try await reader.document(DocumentKey(kind: Kind.v2Deployment, parent: context.string("ApiId"), id: id)) else {
            throw AWSError.notFound("Invalid Deployment identifier specified \(context.caller.accountId):\(id)")
        }
        return deployment
    }

    /// A new deployment of `api` with the snapshot it serves, or nil when the API has no routes
    /// (there is nothing to deploy).
    static func deploy(
        _ api: JSON, _ context: OperationContext, description: String?, automatic: Bool, in tx: any StoreTransaction
    ) async throws -> JSON? {
        let apiID = api["ApiId"]?.stringValue ?? ""
        let routes = try await tx.documents(kind: Kind.route, parent: apiID)
        guard !routes.isEmpty else { return nil }
        let id = newID(length: 6)
        var deployment: JSON = ["DeploymentId": .string(id), "DeploymentStatus": "DEPLOYED", "CreatedDate": now(), "AutoDeployed": .bool(automatic)]
        if let description { deployment["Description"] = .string(description) }
        let snapshot: JSON = [
            "Api": api,
            "Routes": .array(try await withResponses(routes, kind: Kind.routeResponse, idMember: "RouteId", api: api, tx)),
            "Integrations": .array(try await withResponses(
                try await tx.documents(kind: Kind.integration, parent: apiID), kind: Kind.integrationResponse, idMember: "IntegrationId",
                api: api, tx)),
            "Authorizers": .array(try await tx.documents(kind: Kind.v2Authorizer, parent: apiID)),
        ]
        try await tx.put(DocumentKey(kind: Kind.v2Snapshot, parent: apiID, id: id), snapshot)
        try await tx.put(DocumentKey(kind: Kind.v2Deployment, parent: apiID, id: id), deployment)
        return deployment
    }

    /// A WebSocket API's routes or integrations with their responses (`Responses`), which live
    /// under `{api}/{id}`; HTTP APIs serve none.
    private static func withResponses(
        _ items: [JSON], kind: String, idMember: String, api: JSON, _ tx: any StoreTransaction
    ) async throws -> [JSON] {
        guard api["ProtocolType"] == "WEBSOCKET", let apiID = api["ApiId"]?.stringValue else { return items }
        var complete: [JSON] = []
        for var item in items {
            let responses = try await tx.documents(kind: kind, parent: "\(apiID)/\(item[idMember]?.stringValue ?? "")")
            if !responses.isEmpty { item["Responses"] = .array(responses) }
            complete.append(item)
        }
        return complete
    }
}

/// Stages that deploy automatically take a new deployment with every change to their API, in
/// the same transaction as the change: the change is live when the call that made it answers.
enum AutoDeploy {
    static let description = "Automatic deployment triggered by changes to the Api configuration"

    /// Redeploys every auto-deploying stage of `api` (as it is after the transaction's changes).
    static func redeploy(_ api: JSON, _ context: OperationContext, in tx: any StoreTransaction) async throws {
        let apiID = api["ApiId"]?.stringValue ?? ""
        // The API as the transaction left it (UpdateApi changes it first).
        let current = try await tx.document(DocumentKey(kind: DocumentKind.httpAPI, parent: context.caller.region, id: apiID)) ?? api
        for var stage in try await tx.documents(kind: DocumentKind.v2Stage, parent: apiID) where stage["AutoDeploy"] == true {
            try await deploy(&stage, api: current, context, in: tx)
            try await tx.put(DocumentKey(kind: DocumentKind.v2Stage, parent: apiID, id: stage["StageName"]?.stringValue ?? ""), stage)
        }
    }

    /// Points an auto-deploying stage at a new deployment of `api`, if it has routes to deploy.
    static func deploy(_ stage: inout JSON, api: JSON, _ context: OperationContext, in tx: any StoreTransaction) async throws {
        guard let deployment = try await APIGatewayV2.deploy(api, context, description: description, automatic: true, in: tx),
            let id = deployment["DeploymentId"]?.stringValue
        else { return }
        stage["DeploymentId"] = .string(id)
        stage["LastDeploymentStatusMessage"] = .string("Successfully deployed stage with deployment ID '\(id)'")
        stage["LastUpdatedDate"] = APIGatewayV2.now()
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let deploymentHandlers: [String: OperationHandler] = [
        "CreateDeployment": createDeployment,
        "GetDeployment": { context in
            var deployment = try await deployment(context.string("deploymentId"), context, in: context.store)
            if context.input["embed"]?.arrayValue?.contains("apisummary") == true,
                let snapshot = try await context.store.document(childKey(Kind.snapshot, context, context.string("deploymentId")))
            {
                deployment["apiSummary"] = apiSummary(snapshot)
            }
            return deployment
        },
        "GetDeployments": { context in
            _ = try await restAPI(context, in: context.store)
            return try page(try await context.store.documents(kind: Kind.deployment, parent: context.string("restApiId")), context)
        },
        "UpdateDeployment": { context in
            try await context.store.write { tx in
                let id = context.string("deploymentId")
                let patched = try patch(try await deployment(id, context, in: tx), context, shape: "Deployment", patchable: ["description"])
                try await tx.put(childKey(Kind.deployment, context, id), patched)
                return patched
            }
        },
        "DeleteDeployment": deleteDeployment,
    ]

    static func deployment(_ id: String, _ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        try await child(Kind.deployment, id: id, context, in: reader, notFound: "Invalid Deployment identifier specified")
    }

    /// Freezes what the data plane needs of an API into one immutable document: editing the API
    /// afterwards changes nothing callers see until the next deployment.
    public static func snapshot(of api: JSON, in reader: any DocumentReader) async throws -> JSON {
        let apiID = api["id"]!.stringValue!
        var snapshot: JSON = ["restApi": api]
        for (member, kind) in [
            ("resources", Kind.resource), ("models", Kind.model), ("requestValidators", Kind.requestValidator),
            ("authorizers", Kind.authorizer), ("gatewayResponses", Kind.gatewayResponse), ("documentationParts", Kind.documentationPart),
        ] {
            snapshot[member] = .array(try await reader.documents(kind: kind, parent: apiID))
        }
        return snapshot
    }

    /// `{path: {METHOD: {authorizationType, apiKeyRequired}}}`, as `embed=apisummary` shows.
    private static func apiSummary(_ snapshot: JSON) -> JSON {
        var summary: [String: JSON] = [:]
        for resource in snapshot["resources"]?.arrayValue ?? [] {
            guard let methods = resource["resourceMethods"]?.objectValue, let path = resource["path"]?.stringValue else { continue }
            summary[path] = .object(methods.mapValues { method in
                ["authorizationType": method["authorizationType"] ?? "NONE", "apiKeyRequired": method["apiKeyRequired"] ?? false]
            })
        }
        return .object(summary)
    }

    private static func createDeployment(_ context: OperationContext) async throws -> JSON {
        let input = context.input
        return try await context.store.write { tx in
            let api = try await restAPI(context, in: tx)
            let snapshot = try await snapshot(of: api, in: tx)
            let hasMethods = snapshot["resources"]?.arrayValue?.contains { !($0["resourceMethods"]?.objectValue?.isEmpty ?? true) } ?? false
            guard hasMethods else { throw AWSError.badRequest("The REST API doesn't contain any methods") }
            let methods = snapshot["resources"]?.arrayValue?.flatMap { ($0["resourceMethods"]?.objectValue ?? [:]).values } ?? []
            if methods.contains(where: { $0["methodIntegration"] == nil }) {
                throw AWSError.badRequest("No integration defined for method")
            }
            let id = newID()
            var deployment: JSON = ["id": .string(id), "createdDate": now()]
            copyMembers(["description"], from: input, into: &deployment)
            try await tx.put(childKey(Kind.deployment, context, id), deployment)
            try await tx.put(childKey(Kind.snapshot, context, id), snapshot)
            if let stageName = input["stageName"]?.stringValue, !stageName.isEmpty {
                try await deploy(id, toStage: stageName, context, tx)
            } else if input["canarySettings"] != nil {
                throw AWSError.badRequest(
                    "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is \(input["stageName"]?.stringValue ?? "null")")
            }
            return deployment
        }
    }

    /// Points `stageName` at a new deployment (or its canary at it), creating the stage if needed.
    private static func deploy(_ deploymentID: String, toStage stageName: String, _ context: OperationContext, _ tx: any StoreTransaction) async throws {
        let input = context.input
        let key = childKey(Kind.stage, context, stageName)
        if var stage = try await tx.document(key) {
            if let canary = input["canarySettings"] {
                // The new deployment becomes the canary, replacing any earlier one; the stage keeps its own.
                var settings = canary
                settings["deploymentId"] = .string(deploymentID)
                stage["canarySettings"] = try StageCanary.normalized(settings, stageDeployment: deploymentID)
            } else if stage["canarySettings"] != nil {
                throw AWSError.badRequest(
                    "Invalid deployment content specified.Non canary deployment not supported on stage \(stageName) because Canary is enabled. Provide CanarySettings in deploymentInput.")
            } else {
                stage["deploymentId"] = .string(deploymentID)
            }
            if let variables = input["variables"]?.objectValue {
                stage["variables"] = .object((stage["variables"]?.objectValue ?? [:]).merging(variables) { _, new in new })
            }
            copyMembers(["tracingEnabled"], from: input, into: &stage)
            if let description = input["stageDescription"] { stage["description"] = description }
            stage["lastUpdatedDate"] = now()
            try await tx.put(key, stage)
        } else {
            if input["canarySettings"] != nil {
                throw AWSError.badRequest(
                    "Invalid deployment content specified.Stage \(stageName) must already be created before making a canary release deployment")
            }
            var stage = newStage(name: stageName, deploymentID: deploymentID)
            copyMembers(["variables", "tracingEnabled"], from: input, into: &stage)
            if let description = input["stageDescription"] { stage["description"] = description }
            try await tx.put(key, stage)
        }
    }

    private static func deleteDeployment(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let id = context.string("deploymentId")
            _ = try await deployment(id, context, in: tx)
            let stages = try await tx.documents(kind: Kind.stage, parent: context.string("restApiId"))
            if stages.contains(where: { $0["deploymentId"]?.stringValue == id || $0["canarySettings"]?["deploymentId"]?.stringValue == id }) {
                throw AWSError.badRequest("Active stages pointing to this deployment must be moved or deleted")
            }
            try await tx.delete(childKey(Kind.deployment, context, id))
            try await tx.delete(childKey(Kind.snapshot, context, id))
            return .emptyObject
        }
    }
}

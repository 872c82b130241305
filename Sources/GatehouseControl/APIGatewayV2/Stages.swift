import Foundation
import GatehouseModel
import GatehouseStore

/// Stages of v2 APIs: `$default` (served at the API's root) or named ones, each pointing at a
/// deployment, or deploying every change itself (`AutoDeploy`).
enum Stages {
    static func key(_ context: OperationContext, _ name: String) -> DocumentKey {
        DocumentKey(kind: DocumentKind.v2Stage, parent: context.string("ApiId"), id: name)
    }

    static let settableMembers = [
        "AccessLogSettings", "AutoDeploy", "ClientCertificateId", "DefaultRouteSettings", "DeploymentId", "Description",
        "RouteSettings", "StageVariables",
    ]

    /// The stage the input names, or AWS's NotFoundException.
    static func stage(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        let name = context.string("StageName")
        guard let stage = try await reader.document(key(context, name)) else {
            throw AWSError.notFound("Invalid stage identifier specified \(context.caller.accountId):\(name)")
        }
        return stage
    }

    /// The checks a stage's settings go through, on create and update.
    static func check(_ stage: inout JSON, api: JSON, context: OperationContext, in reader: any DocumentReader) async throws {
        let apiID = context.string("ApiId")
        if stage["AutoDeploy"] == false { stage["AutoDeploy"] = nil }
        if let deploymentID = context.input["DeploymentId"]?.stringValue {
            if stage["AutoDeploy"] == true {
                throw AWSError.badRequest("DeploymentId can't be set on a stage that deploys automatically (autoDeploy is enabled)")
            }
            guard try await reader.document(DocumentKey(kind: DocumentKind.v2Deployment, parent: apiID, id: deploymentID)) != nil else {
                throw AWSError.notFound("Invalid Deployment identifier specified \(context.caller.accountId):\(deploymentID)")
            }
        }
        let routeKeys = Set(try await reader.documents(kind: DocumentKind.route, parent: apiID).compactMap { $0["RouteKey"]?.stringValue })
        for routeKey in (stage["RouteSettings"]?.objectValue ?? [:]).keys where !routeKeys.contains(routeKey) {
            throw AWSError.notFound("Unable to find Route by key \(routeKey) within the provided RouteSettings")
        }
        if api["ProtocolType"] == "HTTP" {
            let settings = [stage["DefaultRouteSettings"]] + (stage["RouteSettings"]?.objectValue ?? [:]).values.map { $0 }
            if settings.contains(where: { $0?["LoggingLevel"] != nil || $0?["DataTraceEnabled"] == true }) {
                throw AWSError.badRequest("Execution logs are not supported on protocolType HTTP")
            }
        }
        for (name, value) in stage["StageVariables"]?.objectValue ?? [:] {
            guard let text = value.stringValue, text.range(of: "^[A-Za-z0-9-._~:/?#&=,]+$", options: .regularExpression) != nil else {
                throw AWSError.badRequest("Invalid stage variable value: \(value.stringValue ?? "null") for \(name). Please use values with alphanumeric characters and the symbols '-', '.', '_', '~', ':', '/', '?', '#', '&', '=', and ','.")
            }
        }
    }
}

extension APIGatewayV2 {
    static let stageHandlers: [String: OperationHandler] = [
        "CreateStage": { context in
            try await context.store.write { tx in
                let api = try await api(context, in: tx)
                let name = context.string("StageName")
                guard name == "$default" || name.range(of: "^[A-Za-z0-9_-]{1,128}$", options: .regularExpression) != nil else {
                    throw AWSError.badRequest("Stage name only allows a-zA-Z0-9_- or is $default")
                }
                guard try await tx.document(Stages.key(context, name)) == nil else { throw AWSError.conflict("Stage already exists") }
                var stage: JSON = [
                    "StageName": .string(name), "CreatedDate": now(), "LastUpdatedDate": now(),
                    "DefaultRouteSettings": ["DetailedMetricsEnabled": false], "RouteSettings": [:], "StageVariables": [:],
                    "Tags": context.input["Tags"] ?? [:],
                ]
                copy(Stages.settableMembers, from: context.input, into: &stage)
                try await Stages.check(&stage, api: api, context: context, in: tx)
                if stage["AutoDeploy"] == true { try await AutoDeploy.deploy(&stage, api: api, context, in: tx) }
                try await tx.put(Stages.key(context, name), stage)
                return stage
            }
        },
        "GetStage": { context in
            _ = try await api(context, in: context.store)
            return try await Stages.stage(context, in: context.store)
        },
        "GetStages": { context in
            _ = try await api(context, in: context.store)
            return try page(try await context.store.documents(kind: Kind.v2Stage, parent: context.string("ApiId")), context)
        },
        "UpdateStage": { context in
            try await changeStage(context) { stage, api, tx in
                let wasAutomatic = stage["AutoDeploy"] == true
                copy(Stages.settableMembers, from: context.input, into: &stage)
                try await Stages.check(&stage, api: api, context: context, in: tx)
                if stage["AutoDeploy"] == true && !wasAutomatic { try await AutoDeploy.deploy(&stage, api: api, context, in: tx) }
            }
        },
        "DeleteStage": { context in
            try await context.store.write { tx in
                _ = try await api(context, in: tx)
                _ = try await Stages.stage(context, in: tx)
                try await tx.delete(Stages.key(context, context.string("StageName")))
                return .emptyObject
            }
        },
        "DeleteRouteSettings": { context in
            try await changeStage(context) { stage, _, _ in
                let routeKey = context.string("RouteKey")
                guard stage["RouteSettings"]?[routeKey] != nil else {
                    throw AWSError.notFound("Unable to find Route by key \(routeKey) within the provided RouteSettings")
                }
                stage["RouteSettings"]?[routeKey] = nil
            }
        },
        "DeleteAccessLogSettings": { context in
            try await changeStage(context) { stage, _, _ in stage["AccessLogSettings"] = nil }
        },
    ]

    /// Changes the input's stage in one transaction and stores it, stamped.
    private static func changeStage(
        _ context: OperationContext, _ change: @escaping @Sendable (inout JSON, JSON, any StoreTransaction) async throws -> Void
    ) async throws -> JSON {
        try await context.store.write { tx in
            let api = try await api(context, in: tx)
            var stage = try await Stages.stage(context, in: tx)
            try await change(&stage, api, tx)
            stage["LastUpdatedDate"] = now()
            try await tx.put(Stages.key(context, context.string("StageName")), stage)
            return stage
        }
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let stageHandlers: [String: OperationHandler] = [
        "CreateStage": createStage,
        "GetStage": { context in try await stage(context, in: context.store) },
        // GetStages is not paginated and lists under `item`.
        "GetStages": { context in
            _ = try await restAPI(context, in: context.store)
            var stages = try await context.store.documents(kind: Kind.stage, parent: context.string("restApiId"))
            if let deploymentID = context.input["deploymentId"] { stages = stages.filter { $0["deploymentId"] == deploymentID } }
            return ["item": .array(stages)]
        },
        "UpdateStage": updateStage,
        "DeleteStage": { context in
            try await context.store.write { tx in
                _ = try await stage(context, in: tx)
                try await tx.delete(childKey(Kind.stage, context, context.string("stageName")))
                return .emptyObject
            }
        },
    ]

    static func stage(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        try await child(Kind.stage, id: context.string("stageName"), context, in: reader, notFound: "Invalid stage identifier specified")
    }

    static func newStage(name: String, deploymentID: String) -> JSON {
        [
            "stageName": .string(name), "deploymentId": .string(deploymentID), "cacheClusterEnabled": false,
            "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": .emptyObject, "tracingEnabled": false,
            "createdDate": now(), "lastUpdatedDate": now(),
        ]
    }

    /// What a `methodSettings` entry holds before anything is set: AWS fills every field but
    /// `loggingLevel`, which appears only once set.
    static let defaultMethodSetting: JSON = [
        "metricsEnabled": false, "dataTraceEnabled": false, "throttlingBurstLimit": 5000,
        "throttlingRateLimit": 10000.0, "cachingEnabled": false, "cacheTtlInSeconds": 300, "cacheDataEncrypted": false,
        "requireAuthorizationForCacheControl": true, "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
    ]

    /// AWS's list of stage patch paths, verbatim (its missing commas included).
    static let validStagePatchPaths =
        "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]"

    /// `/{resourcePath}/{METHOD}/{category}/{setting}` in a stage patch → the `methodSettings` member.
    static let methodSettingPaths: [String: String] = [
        "metrics/enabled": "metricsEnabled", "logging/loglevel": "loggingLevel", "logging/dataTrace": "dataTraceEnabled",
        "throttling/burstLimit": "throttlingBurstLimit", "throttling/rateLimit": "throttlingRateLimit",
        "caching/enabled": "cachingEnabled", "caching/ttlInSeconds": "cacheTtlInSeconds",
        "caching/dataEncrypted": "cacheDataEncrypted",
        "caching/requireAuthorizationForCacheControl": "requireAuthorizationForCacheControl",
        "caching/unauthorizedCacheControlHeaderStrategy": "unauthorizedCacheControlHeaderStrategy",
    ]

    private static func createStage(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let name = context.string("stageName")
            _ = try await deployment(context.string("deploymentId"), context, in: tx)
            let key = childKey(Kind.stage, context, name)
            if try await tx.document(key) != nil { throw AWSError.conflict("Stage already exists") }
            var stage = newStage(name: name, deploymentID: context.string("deploymentId"))
            copyMembers(
                ["description", "variables", "tracingEnabled", "cacheClusterEnabled", "cacheClusterSize", "canarySettings",
                 "documentationVersion", "tags"],
                from: context.input, into: &stage)
            cacheCluster(&stage)
            if let canary = stage["canarySettings"] {
                let settings = try StageCanary.normalized(canary, stageDeployment: context.string("deploymentId"))
                guard let id = settings["deploymentId"]?.stringValue, try await tx.document(childKey(Kind.deployment, context, id)) != nil else {
                    throw AWSError.badRequest("Deployment id does not exist")
                }
                stage["canarySettings"] = settings
            }
            try await tx.put(key, stage)
            return stage
        }
    }

    private static func updateStage(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            var stage = try await stage(context, in: tx)
            var remaining: [PatchOperation] = []
            let deploymentExists = { (id: String) in try await tx.document(childKey(Kind.deployment, context, id)) != nil }
            for operation in try PatchOperation.list(from: context.input) {
                // Canary operations apply in order: a promotion sees the canary an earlier operation made.
                if try await StageCanary.apply(operation, to: &stage, deploymentExists: deploymentExists) { continue }
                if try !applyMethodSetting(operation, to: &stage) { remaining.append(operation) }
            }
            var patcher = Patcher(model: context.model, shapeName: "Stage", patchable: [
                "description", "deploymentId", "variables", "cacheClusterEnabled", "cacheClusterSize", "tracingEnabled",
                "accessLogSettings", "clientCertificateId", "webAclArn", "documentationVersion",
            ])
            patcher.invalidPath = { .badRequest("Invalid method setting path: \($0.path). Must be one of: \(validStagePatchPaths)") }
            stage = try patcher.apply(remaining, to: stage)
            if let deploymentID = stage["deploymentId"]?.stringValue {
                _ = try await deployment(deploymentID, context, in: tx)
            }
            cacheCluster(&stage)
            stage["lastUpdatedDate"] = now()
            try await tx.put(childKey(Kind.stage, context, context.string("stageName")), stage)
            return stage
        }
    }

    /// The cache cluster's status (AVAILABLE at once: nothing is provisioned) and its size
    /// (0.5 GB unless set; a disabled cluster keeps the size it had).
    private static func cacheCluster(_ stage: inout JSON) {
        let enabled = stage["cacheClusterEnabled"] == true
        stage["cacheClusterStatus"] = enabled ? "AVAILABLE" : "NOT_AVAILABLE"
        if enabled, stage["cacheClusterSize"] == nil { stage["cacheClusterSize"] = "0.5" }
    }

    /// Applies a method-setting patch (`/*/*/throttling/rateLimit`); false if `operation` is not one.
    private static func applyMethodSetting(_ operation: PatchOperation, to stage: inout JSON) throws(AWSError) -> Bool {
        let segments = operation.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        var settings = stage["methodSettings"]?.objectValue ?? [:]
        // `remove /*/*` (or `/{path}/{METHOD}`) drops one entry.
        if segments.count == 2, operation.op == .remove {
            let key = "\(segments[0])/\(segments[1])"
            guard settings[key] != nil || segments[0] == "*" else { return false }
            guard settings[key] != nil else {
                throw .badRequest("Cannot remove method setting \(key) because there is no method setting for this method ")
            }
            settings[key] = nil
            stage["methodSettings"] = .object(settings)
            return true
        }
        guard segments.count == 4, let member = methodSettingPaths["\(segments[2])/\(segments[3])"] else { return false }
        let key = "\(segments[0])/\(segments[1])"
        if operation.op == .remove {
            settings[key] = nil
            stage["methodSettings"] = .object(settings)
            return true
        }
        guard operation.op == .replace, let text = operation.value else {
            throw .badRequest("Invalid patch operation specified. Must be 'replace' for path \(operation.path)")
        }
        let value: JSON
        switch defaultMethodSetting[member] {
        case .bool?:
            guard let flag = Bool(text.lowercased()) else { throw .badRequest("Invalid boolean value specified for \(operation.path): \(text)") }
            value = .bool(flag)
        case .number?:
            guard let number = Double(text) else { throw .badRequest("Invalid numeric value specified for \(operation.path): \(text)") }
            if member == "cacheTtlInSeconds", !(0...3600).contains(number) {
                throw .badRequest("Invalid cache time to live specified: \(text). Must be between 0 and 3600 seconds")
            }
            value = .number(number)
        default:
            if member == "loggingLevel", !["OFF", "ERROR", "INFO"].contains(text) {
                throw .badRequest("Invalid method setting value specified: \(text). Valid options are OFF, ERROR, INFO")
            }
            value = .string(text)
        }
        // A method's own entry starts from the current `*/*` settings, as on AWS.
        var setting = settings[key] ?? settings["*/*"] ?? defaultMethodSetting
        setting[member] = value
        settings[key] = setting
        stage["methodSettings"] = .object(settings)
        return true
    }
}

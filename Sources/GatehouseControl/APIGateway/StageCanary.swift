import GatehouseModel
import GatehouseStore

/// A stage's canary release (`canarySettings`): created by `CreateStage`, `CreateDeployment` or
/// a stage patch, promoted with `copy` operations and removed with `remove /canarySettings`, with
/// AWS's messages (recorded answers in `docs/aws/apigateway-behaviour.md`).
enum StageCanary {
    /// The canary paths a stage patch may `replace`.
    private static let settingPaths: Set<String> = [
        "/canarySettings/percentTraffic", "/canarySettings/deploymentId", "/canarySettings/useStageCache",
    ]
    private static let overridesPrefix = "/canarySettings/stageVariableOverrides/"

    /// `settings` as AWS stores them: `percentTraffic` a number (0.0 when absent),
    /// `useStageCache` false when absent, and `deploymentId` the stage's when absent.
    static func normalized(_ settings: JSON, stageDeployment: String) throws(AWSError) -> JSON {
        var canary: JSON = ["deploymentId": .string(stageDeployment), "percentTraffic": 0.0, "useStageCache": false]
        for (name, value) in settings.objectValue ?? [:] where value != .null { canary[name] = value }
        canary["percentTraffic"] = .number(try percentTraffic(canary["percentTraffic"]))
        return canary
    }

    /// A share of traffic between 0.0 and 100.0, given as a number or a patch's string.
    private static func percentTraffic(_ value: JSON?) throws(AWSError) -> Double {
        let number = value?.doubleValue ?? value?.stringValue.flatMap(Double.init)
        guard let number, (0...100).contains(number) else {
            throw .badRequest("Invalid percentTraffic specified: \(value?.stringValue ?? value.map { "\($0)" } ?? "null"). Must be a number between 0.0 and 100.0")
        }
        return number
    }

    /// Applies a canary patch operation to `stage`; false if `operation` is not one. A
    /// `deploymentId` it sets is checked by `deploymentExists`.
    static func apply(
        _ operation: PatchOperation, to stage: inout JSON, deploymentExists: (String) async throws -> Bool
    ) async throws -> Bool {
        if operation.op == .copy { return try promote(operation, stage: &stage) }
        guard operation.path.hasPrefix("/canarySettings") else { return false }
        if operation.path == "/canarySettings", operation.op == .remove {
            stage["canarySettings"] = nil
            return true
        }
        let isSetting = settingPaths.contains(operation.path) || operation.path.hasPrefix(overridesPrefix)
        switch operation.op {
        case .replace where isSetting:
            try await replace(operation, in: &stage, deploymentExists: deploymentExists)
        case .remove where operation.path.hasPrefix(overridesPrefix):
            // AWS documents removing one override this way.
            let name = String(operation.path.dropFirst(overridesPrefix.count))
            stage["canarySettings"]?["stageVariableOverrides"]?[name] = nil
        case .replace:
            return false  // The stage's own "Invalid method setting path" answer.
        case _ where isSetting:
            throw AWSError.badRequest("Invalid \(operation.op.rawValue) operation with path: \(operation.path)")
        default:
            throw AWSError.badRequest(
                "Cannot \(operation.op.rawValue) method setting \(operation.path.dropFirst()) because there is no method setting for this method ")
        }
        return true
    }

    private static func replace(
        _ operation: PatchOperation, in stage: inout JSON, deploymentExists: (String) async throws -> Bool
    ) async throws {
        let stageDeployment = stage["deploymentId"]?.stringValue ?? ""
        var canary = try stage["canarySettings"] ?? normalized(.emptyObject, stageDeployment: stageDeployment)
        let value = operation.value ?? ""
        switch operation.path {
        case "/canarySettings/percentTraffic":
            canary["percentTraffic"] = .number(try percentTraffic(.string(value)))
        case "/canarySettings/deploymentId":
            guard try await deploymentExists(value) else { throw AWSError.badRequest("Deployment id does not exist") }
            canary["deploymentId"] = .string(value)
        case "/canarySettings/useStageCache":
            guard let flag = Bool(value.lowercased()) else {
                throw AWSError.badRequest("Invalid boolean value specified for \(operation.path): \(value)")
            }
            canary["useStageCache"] = .bool(flag)
        default:
            let name = String(operation.path.dropFirst(overridesPrefix.count))
            var overrides = canary["stageVariableOverrides"] ?? .emptyObject
            overrides[name] = .string(value)
            canary["stageVariableOverrides"] = overrides
        }
        stage["canarySettings"] = canary
    }

    /// `copy` from `/canarySettings/deploymentId` to `/deploymentId`, or from
    /// `/canarySettings/stageVariableOverrides` to `/variables` (merged): promoting the canary,
    /// which stays in place.
    private static func promote(_ operation: PatchOperation, stage: inout JSON) throws(AWSError) -> Bool {
        let from = operation.from ?? ""
        let pairs = ["/deploymentId": "/canarySettings/deploymentId", "/variables": "/canarySettings/stageVariableOverrides"]
        guard pairs[operation.path] == from else {
            throw .badRequest(
                "Invalid copy operation with path: \(operation.path) and from \(from). Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]")
        }
        guard let canary = stage["canarySettings"] else { throw .badRequest("Promotion not available. Canary does not exist.") }
        if operation.path == "/deploymentId" {
            stage["deploymentId"] = canary["deploymentId"]
        } else {
            let overrides = canary["stageVariableOverrides"]?.objectValue ?? [:]
            stage["variables"] = .object((stage["variables"]?.objectValue ?? [:]).merging(overrides) { _, override in override })
        }
        return true
    }
}

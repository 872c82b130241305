import Foundation
import GatehouseModel
import GatehouseStore

/// UpdateUsagePlan's patch paths, which do not follow the model's shape: stages are named
/// `apiId:stage`, per-method throttles `/apiStages/{apiId:stage}/throttle/{path}/{METHOD}`.
enum UsagePlanPatch {
    static let removablePaths =
        "[/apiStages, /quota, /throttle, /productCode, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, /apiStages/<apidId:stageName>/throttle]"

    static func apply(_ operation: PatchOperation, to plan: inout JSON, _ context: OperationContext, in reader: any DocumentReader) async throws {
        let path = operation.path
        switch (operation.op, path) {
        case (.replace, "/name"), (.replace, "/description"), (.replace, "/productCode"):
            plan[String(path.dropFirst())] = .string(operation.value ?? "")
        case (.remove, "/productCode"), (.remove, "/throttle"), (.remove, "/quota"):
            plan[String(path.dropFirst())] = nil
        case (.replace, "/throttle/rateLimit"), (.replace, "/throttle/burstLimit"), (.replace, "/quota/limit"),
            (.replace, "/quota/offset"), (.replace, "/quota/period"):
            let parts = path.split(separator: "/").map(String.init)
            var group = plan[parts[0]] ?? (parts[0] == "quota" ? ["offset": 0] : .emptyObject)
            group[parts[1]] = try value(operation, for: parts[1])
            plan[parts[0]] = group
        case (.add, "/apiStages"), (.remove, "/apiStages"):
            try await changeStages(operation, in: &plan, context, in: reader)
        case (_, _) where path.hasPrefix("/apiStages/"):
            try changeStageThrottle(operation, in: &plan)
        default:
            if operation.op == .remove {
                throw AWSError.badRequest("Invalid patch path  '\(path)' specified for op 'remove'. Must be one of: \(removablePaths)")
            }
            throw AWSError.badRequest("Invalid patch path '\(path)' specified for op '\(operation.op.rawValue)'")
        }
    }

    private static func value(_ operation: PatchOperation, for member: String) throws(AWSError) -> JSON {
        let text = operation.value ?? ""
        switch member {
        case "period":
            guard ["DAY", "WEEK", "MONTH"].contains(text) else { throw .badRequest("Invalid quota period specified: \(text)") }
            return .string(text)
        case "rateLimit":
            guard let number = Double(text) else { throw .badRequest("Invalid rate limit specified: \(text)") }
            return .number(number)
        default:
            guard let number = Int(text) else { throw .badRequest("Invalid \(member) specified: \(text)") }
            return .number(Double(number))
        }
    }

    private static func changeStages(_ operation: PatchOperation, in plan: inout JSON, _ context: OperationContext, in reader: any DocumentReader) async throws {
        let parts = (operation.value ?? "").split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw AWSError.badRequest("Invalid API Stage specified") }
        var stages = plan["apiStages"]?.arrayValue ?? []
        let planID = plan["id"]?.stringValue ?? ""
        let exists = stages.contains { APIGateway.stageName($0) == operation.value }
        if operation.op == .add {
            guard !exists else { return }
            let stage: JSON = ["apiId": .string(parts[0]), "stage": .string(parts[1])]
            stages += try await APIGateway.checkedStages([stage], planID: planID, context, in: reader)
            var joined = plan
            joined["apiStages"] = [stage]
            for key in try await reader.documents(kind: APIGateway.Kind.usagePlanKey, parent: planID) {
                try await APIGateway.checkOnePlanPerStage(key: key["id"]?.stringValue ?? "", joining: joined, context, in: reader)
            }
        } else {
            guard exists else {
                throw AWSError.notFound("Invalid API Stage {api: \(parts[0]), stage: \(parts[1])} specified for usageplan \(planID)")
            }
            stages.removeAll { APIGateway.stageName($0) == operation.value }
        }
        plan["apiStages"] = .array(stages)
    }

    /// `/apiStages/{api:stage}/throttle[/{resourcePath}/{METHOD}[/rateLimit|burstLimit]]`.
    private static func changeStageThrottle(_ operation: PatchOperation, in plan: inout JSON) throws(AWSError) {
        let rest = operation.path.dropFirst("/apiStages/".count)
        guard let slash = rest.firstIndex(of: "/"), rest[slash...].hasPrefix("/throttle") else {
            throw .badRequest("Invalid patch path  '\(operation.path)' specified for op '\(operation.op.rawValue)'. Must be one of: \(removablePaths)")
        }
        let stageName = String(rest[..<slash])
        var stages = plan["apiStages"]?.arrayValue ?? []
        guard let index = stages.firstIndex(where: { APIGateway.stageName($0) == stageName }) else {
            let parts = stageName.split(separator: ":").map(String.init)
            throw .notFound("Invalid API Stage {api: \(parts.first ?? ""), stage: \(parts.last ?? "")} specified for usageplan \(plan["id"]?.stringValue ?? "")")
        }
        var throttle = stages[index]["throttle"]?.objectValue ?? [:]
        let target = String(rest[slash...].dropFirst("/throttle".count))
        switch (operation.op, target) {
        case (.remove, ""):
            throttle = [:]
        case (.replace, ""):
            guard let map = try? JSON(parsing: Data((operation.value ?? "").utf8)).objectValue else {
                throw .badRequest("Invalid throttle settings specified: \(operation.value ?? "")")
            }
            throttle = map
        default:
            // `/{resourcePath}/{METHOD}` or `…/{METHOD}/rateLimit`; the path keeps its leading slash.
            var segments = target.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let member = ["rateLimit", "burstLimit"].contains(segments.last ?? "") ? segments.removeLast() : nil
            let methodKey = segments.joined(separator: "/")
            guard segments.count >= 3, segments[0].isEmpty else { throw .badRequest("Invalid throttle path specified: \(operation.path)") }
            if operation.op == .remove, member == nil {
                throttle[methodKey] = nil
            } else if let member {
                var settings = throttle[methodKey] ?? .emptyObject
                settings[member] = try value(operation, for: member)
                throttle[methodKey] = settings
            } else {
                throw .badRequest("Invalid patch path '\(operation.path)' specified for op '\(operation.op.rawValue)'")
            }
        }
        stages[index]["throttle"] = throttle.isEmpty ? nil : .object(throttle)
        plan["apiStages"] = .array(stages)
    }
}

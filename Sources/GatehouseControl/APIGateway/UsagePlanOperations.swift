import Foundation
import GatehouseModel
import GatehouseStore

/// Usage plans, the API keys in them and their usage. Plans and keys are region-wide documents
/// the data plane reads live; request counts live in the `UsageLedger` the gateway keeps.
extension APIGateway {
    static let usagePlanHandlers: [String: OperationHandler] = [
        "CreateUsagePlan": { context in
            try await context.store.write { tx in
                let id = newID()
                // `createdDay` is ours (not in AWS's shape, so never answered): the quota offset's period.
                var plan: JSON = ["id": .string(id), "name": context.input["name"]!, "createdDay": .number(Double(Quota.today()))]
                plan["apiStages"] = .array(try await checkedStages(context.input["apiStages"]?.arrayValue ?? [], planID: id, context, in: tx))
                copyNonEmptyMembers(["description", "throttle", "tags"], from: context.input, into: &plan)
                if var quota = context.input["quota"] {
                    if quota["offset"] == nil { quota["offset"] = 0 }
                    plan["quota"] = quota
                }
                try await tx.put(usagePlanKey(context, id), plan)
                return plan
            }
        },
        "GetUsagePlan": { context in withTags(try await usagePlan(context, in: context.store)) },
        "GetUsagePlans": { context in
            var plans = try await context.store.documents(kind: Kind.usagePlan, parent: context.caller.region)
            if let keyID = context.input["keyId"]?.stringValue {
                var holding: [JSON] = []
                for plan in plans where try await context.store.document(planKeyKey(plan["id"]?.stringValue ?? "", keyID)) != nil {
                    holding.append(plan)
                }
                plans = holding
            }
            return try page(plans, context)
        },
        "UpdateUsagePlan": { context in
            try await context.store.write { tx in
                var plan = try await usagePlan(context, in: tx)
                for operation in try PatchOperation.list(from: context.input) {
                    try await UsagePlanPatch.apply(operation, to: &plan, context, in: tx)
                }
                try await tx.put(usagePlanKey(context, context.string("usagePlanId")), plan)
                return withTags(plan)
            }
        },
        "DeleteUsagePlan": { context in
            try await context.store.write { tx in
                // AWS deletes a plan that still has API stages (recorded; docs/aws/apigateway-behaviour.md).
                _ = try await usagePlan(context, in: tx)
                let id = context.string("usagePlanId")
                for key in try await tx.documents(kind: Kind.usagePlanKey, parent: id) {
                    try await tx.delete(planKeyKey(id, key["id"]?.stringValue ?? ""))
                }
                try await tx.delete(usagePlanKey(context, id))
                return .emptyObject
            }
        },
        "CreateUsagePlanKey": { context in
            try await context.store.write { tx in
                let plan = try await usagePlan(context, in: tx)
                let planID = context.string("usagePlanId"), keyID = context.string("keyId")
                guard context.string("keyType") == "API_KEY" else { throw AWSError.badRequest("Invalid key type specified: \(context.string("keyType"))") }
                let key = try await apiKey(context, in: tx, id: keyID)
                if try await tx.document(planKeyKey(planID, keyID)) != nil {
                    throw AWSError.conflict("Usage Plan \(planID) cannot be added because API Key \(keyID) already exists in this Usage Plan")
                }
                try await checkOnePlanPerStage(key: keyID, joining: plan, context, in: tx)
                try await addKey(keyID, toPlan: planID, in: tx)
                return planKey(key)
            }
        },
        "GetUsagePlanKey": { context in
            _ = try await usagePlan(context, in: context.store)
            let entry = try await planKeyEntry(context, in: context.store)
            return planKey(try await apiKey(context, in: context.store, id: entry.id))
        },
        "GetUsagePlanKeys": { context in
            _ = try await usagePlan(context, in: context.store)
            var keys: [JSON] = []
            for entry in try await context.store.documents(kind: Kind.usagePlanKey, parent: context.string("usagePlanId")) {
                guard let key = try await context.store.document(apiKeyKey(context, entry["id"]?.stringValue ?? "")) else { continue }
                if let name = context.input["nameQuery"]?.stringValue, !(key["name"]?.stringValue?.hasPrefix(name) ?? false) { continue }
                keys.append(planKey(key))
            }
            return try page(keys, context)
        },
        "DeleteUsagePlanKey": { context in
            try await context.store.write { tx in
                _ = try await usagePlan(context, in: tx)
                try await tx.delete(try await planKeyEntry(context, in: tx))
                return .emptyObject
            }
        },
    ]

    static func usagePlanKey(_ context: OperationContext, _ id: String) -> DocumentKey {
        DocumentKey(kind: Kind.usagePlan, parent: context.caller.region, id: id)
    }

    /// The plan the input's `usagePlanId` (or `id`) names, or AWS's NotFoundException.
    static func usagePlan(_ context: OperationContext, in reader: any DocumentReader, id: String? = nil) async throws -> JSON {
        guard let plan = try await reader.document(usagePlanKey(context, id ?? context.string("usagePlanId"))) else {
            throw AWSError.notFound("Invalid Usage Plan ID specified")
        }
        return plan
    }

    /// Where the membership of API key `keyID` in usage plan `planID` is stored.
    static func planKeyKey(_ planID: String, _ keyID: String) -> DocumentKey {
        DocumentKey(kind: Kind.usagePlanKey, parent: planID, id: keyID)
    }

    static func addKey(_ keyID: String, toPlan planID: String, in tx: StoreTransaction) async throws {
        try await tx.put(planKeyKey(planID, keyID), ["id": .string(keyID), "type": "API_KEY"])
    }

    /// The input's `keyId` as a member of its `usagePlanId`, or AWS's NotFoundException.
    private static func planKeyEntry(_ context: OperationContext, in reader: any DocumentReader) async throws -> DocumentKey {
        let key = planKeyKey(context.string("usagePlanId"), context.string("keyId"))
        guard try await reader.document(key) != nil else { throw AWSError.notFound("Invalid Usage Plan Key identifier specified") }
        return key
    }

    /// `apiId:stage`, as AWS names a plan's stage.
    static func stageName(_ stage: JSON) -> String {
        "\(stage["apiId"]?.stringValue ?? ""):\(stage["stage"]?.stringValue ?? "")"
    }

    /// The requested API stages, each of which must exist.
    static func checkedStages(_ stages: [JSON], planID: String, _ context: OperationContext, in reader: any DocumentReader) async throws -> [JSON] {
        for stage in stages {
            let api = stage["apiId"]?.stringValue ?? "", name = stage["stage"]?.stringValue ?? ""
            guard !api.isEmpty, !name.isEmpty else {
                // AWS's own message, unformatted placeholders and all.
                throw AWSError.badRequest("Invalid API Stage {api: %s, stage: %s} specified for usageplan %s")
            }
            // A REST API's stage, or a WebSocket API's: usage plans hold both.
            let restStage = try await reader.document(DocumentKey(kind: Kind.stage, parent: api, id: name))
            let webSocketStage = try await reader.document(DocumentKey(kind: Kind.v2Stage, parent: api, id: name))
            guard restStage != nil || webSocketStage != nil else {
                throw AWSError.notFound("API Stage not found: \(api):\(name)")
            }
        }
        return stages
    }

    /// AWS: "a given API key can only be associated with one usage plan for each stage".
    static func checkOnePlanPerStage(key keyID: String, joining plan: JSON, _ context: OperationContext, in reader: any DocumentReader) async throws {
        let stages = Set((plan["apiStages"]?.arrayValue ?? []).map(stageName))
        for other in try await reader.documents(kind: Kind.usagePlan, parent: context.caller.region) where other["id"] != plan["id"] {
            guard let otherID = other["id"]?.stringValue,
                try await reader.document(planKeyKey(otherID, keyID)) != nil,
                let shared = (other["apiStages"]?.arrayValue ?? []).map(stageName).first(where: stages.contains)
            else { continue }
            throw AWSError.conflict("API Key \(keyID) is already associated with Usage Plan \(otherID) for API Stage \(shared)")
        }
    }

    private static func planKey(_ key: JSON) -> JSON {
        ["id": key["id"] ?? "", "type": "API_KEY", "name": key["name"] ?? .null, "value": key["value"] ?? ""]
    }

    private static func withTags(_ plan: JSON) -> JSON {
        plan["tags"] == nil ? plan.replacing("tags", with: .emptyObject) : plan
    }

    /// `GetUsage` and `UpdateUsage`: daily `[used, remaining]` from the gateway's ledger.
    static func usageHandlers(_ ledger: any UsageLedger) -> [String: OperationHandler] {
        [
            "GetUsage": { context in
                let plan = try await usagePlan(context, in: context.store)
                guard let start = day(context.string("startDate")), let end = day(context.string("endDate")), start <= end else {
                    throw AWSError.badRequest("Invalid date range: \(context.string("startDate")) to \(context.string("endDate"))")
                }
                var keys = try await context.store.documents(kind: Kind.usagePlanKey, parent: context.string("usagePlanId"))
                    .compactMap { $0["id"]?.stringValue }
                if let keyID = context.input["keyId"]?.stringValue { keys = keys.filter { $0 == keyID } }
                return usage(plan, keys: keys, days: start...end, ledger, context)
            },
            "UpdateUsage": { context in
                let plan = try await usagePlan(context, in: context.store)
                let keyID = try await planKeyEntry(context, in: context.store).id
                guard let quota = Quota(plan: plan) else { throw AWSError.badRequest("Usage Plan \(context.string("usagePlanId")) has no quota") }
                for operation in try PatchOperation.list(from: context.input) {
                    guard operation.op == .replace, operation.path == "/remaining", let remaining = operation.value.flatMap({ Int($0) }) else {
                        throw AWSError.badRequest("Invalid patch path \(operation.path) specified for op '\(operation.op.rawValue)'. Must be /remaining")
                    }
                    ledger.setRemaining(remaining, plan: context.string("usagePlanId"), key: keyID, quota: quota)
                }
                let today = Quota.today()
                return usage(plan, keys: [keyID], days: today...today, ledger, context)
            },
        ]
    }

    private static func usage(_ plan: JSON, keys: [String], days: ClosedRange<Int>, _ ledger: any UsageLedger, _ context: OperationContext) -> JSON {
        let quota = Quota(plan: plan)
        var values: [String: JSON] = [:]
        for key in keys {
            let daily = ledger.usage(plan: context.string("usagePlanId"), key: key, quota: quota, days: days)
            values[key] = .array(daily.map { .array($0.map { .number(Double($0)) }) })
        }
        return [
            "usagePlanId": .string(context.string("usagePlanId")), "startDate": .string(dayText(days.lowerBound)),
            "endDate": .string(dayText(days.upperBound)), "items": .object(values),
        ]
    }

    /// `2026-11-25` as days since 1970.
    private static func day(_ text: String) -> Int? {
        guard let date = DateFormatter.utc("yyyy-MM-dd").date(from: text) else { return nil }
        return Quota.today(date)
    }

    private static func dayText(_ day: Int) -> String { Date(timeIntervalSince1970: Double(day) * 86400).utc("yyyy-MM-dd") }
}

import Foundation
import GatehouseModel
import GatehouseStore

/// API keys: account-wide (per region) documents, with AWS's value rules (20–128 characters,
/// unique) and `value` shown only when asked for. The data plane reads them live, not through
/// deployments.
extension APIGateway {
    static let apiKeyHandlers: [String: OperationHandler] = [
        "CreateApiKey": { context in
            try await context.store.write { tx in try await createAPIKey(context.input, context, in: tx) }
        },
        "GetApiKey": { context in
            let key = try await apiKey(context, in: context.store)
            return context.input["includeValue"] == true ? key : withoutValue(key)
        },
        "GetApiKeys": { context in
            var keys = try await context.store.documents(kind: Kind.apiKey, parent: context.caller.region)
            if let name = context.input["nameQuery"]?.stringValue { keys = keys.filter { $0["name"]?.stringValue?.hasPrefix(name) ?? false } }
            if let customer = context.input["customerId"]?.stringValue { keys = keys.filter { $0["customerId"]?.stringValue == customer } }
            if context.input["includeValues"] != true { keys = keys.map(withoutValue) }
            return try page(keys, context)
        },
        "UpdateApiKey": updateAPIKey,
        "DeleteApiKey": { context in
            try await context.store.write { tx in
                let key = try await apiKey(context, in: tx)
                let id = context.string("apiKey")
                for plan in try await tx.documents(kind: Kind.usagePlan, parent: context.caller.region) {
                    guard let planID = plan["id"]?.stringValue else { continue }
                    try await tx.delete(planKeyKey(planID, id))
                }
                try await tx.delete(apiKeyKey(context, key["id"]?.stringValue ?? id))
                return .emptyObject
            }
        },
        "ImportApiKeys": importAPIKeys,
    ]

    static func apiKeyKey(_ context: OperationContext, _ id: String) -> DocumentKey {
        DocumentKey(kind: Kind.apiKey, parent: context.caller.region, id: id)
    }

    /// The key the input's `apiKey` (or `keyId`) names, or AWS's NotFoundException.
    static func apiKey(_ context: OperationContext, in reader: any DocumentReader, id: String? = nil) async throws -> JSON {
        let id = id ?? context.string("apiKey")
        guard let key = try await reader.document(apiKeyKey(context, id)) else {
            throw AWSError.notFound("Invalid API Key identifier specified")
        }
        return key
    }

    private static func withoutValue(_ key: JSON) -> JSON {
        var shown = key
        shown["value"] = nil
        return shown
    }

    /// A new key from `input` (CreateApiKey's members), stored in `tx`.
    private static func createAPIKey(_ input: JSON, _ context: OperationContext, in tx: StoreTransaction) async throws -> JSON {
        let value = input["value"]?.stringValue ?? generatedValue()
        try checkValue(value)
        let existing = try await tx.documents(kind: Kind.apiKey, parent: context.caller.region)
        if existing.contains(where: { $0["value"]?.stringValue == value }) { throw AWSError.conflict("API Key already exists") }
        let id = newID(length: 10)
        var key: JSON = [
            "id": .string(id), "value": .string(value), "enabled": input["enabled"] ?? false, "createdDate": now(),
            "lastUpdatedDate": now(), "stageKeys": .array(try await stageKeys(input["stageKeys"], context, in: tx)),
        ]
        copyNonEmptyMembers(["name", "description", "customerId", "tags"], from: input, into: &key)
        try await tx.put(apiKeyKey(context, id), key)
        return key
    }

    private static func checkValue(_ value: String) throws(AWSError) {
        if value.count < 20 { throw .badRequest("API Key value should be at least 20 characters") }
        if value.count > 128 { throw .badRequest("API Key value exceeds maximum size of 128 characters") }
    }

    /// 40 letters and digits, as AWS generates them.
    private static func generatedValue() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<40).map { _ in alphabet.randomElement()! })
    }

    /// `[{restApiId, stageName}]` as the `["api/stage"]` AWS answers, each stage checked.
    private static func stageKeys(_ requested: JSON?, _ context: OperationContext, in reader: any DocumentReader) async throws -> [JSON] {
        var keys: [JSON] = []
        for stageKey in requested?.arrayValue ?? [] {
            let api = stageKey["restApiId"]?.stringValue ?? "", stage = stageKey["stageName"]?.stringValue ?? ""
            guard try await reader.document(DocumentKey(kind: Kind.stage, parent: api, id: stage)) != nil else {
                throw AWSError.badRequest("Invalid stage key provided: \(api)/\(stage)")
            }
            keys.append(.string("\(api)/\(stage)"))
        }
        return keys
    }

    private static func updateAPIKey(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            var key = try await apiKey(context, in: tx)
            let operations = try PatchOperation.list(from: context.input)
            var stages = key["stageKeys"]?.arrayValue ?? []
            for operation in operations where operation.path == "/stages" {
                let value = JSON.string(operation.value ?? "")
                switch operation.op {
                case .add: if !stages.contains(value) { stages.append(value) }
                case .remove: stages.removeAll { $0 == value }
                default: throw AWSError.badRequest("Invalid patch operation specified. Must be 'add'|'remove'")
                }
            }
            var others = context
            others.input["patchOperations"] = .array((context.input["patchOperations"]?.arrayValue ?? []).filter { $0["path"] != "/stages" })
            key = try patch(key, others, shape: "ApiKey", patchable: ["name", "description", "enabled", "customerId"]) { operation in
                // AWS's wording for API keys (recorded): one space, the paths in this order.
                .badRequest("Invalid patch path '\(operation.path)' specified for op '\(operation.op.rawValue)'. Must be one of: [/description, /enabled, /name, /customerId]")
            }
            key["stageKeys"] = .array(stages)
            key["lastUpdatedDate"] = now()
            try await tx.put(apiKeyKey(context, context.string("apiKey")), key)
            var answer = withoutValue(key)
            if answer["tags"] == nil { answer["tags"] = .emptyObject }
            return answer
        }
    }

    /// `ImportApiKeys` with `format=csv`: a header row naming `Name`, `Key` and optionally
    /// `Description`, `Enabled`, `UsagePlanIds` (any case, any order); each row creates a key.
    private static func importAPIKeys(_ context: OperationContext) async throws -> JSON {
        let text = String(decoding: Data(base64Encoded: context.string("body")) ?? Data(), as: UTF8.self)
        let rows = CSV.rows(text)
        guard let header = rows.first?.map({ $0.lowercased() }), let nameColumn = header.firstIndex(of: "name"),
            let keyColumn = header.firstIndex(of: "key")
        else {
            throw AWSError.badRequest("Invalid API key CSV: the header must name the columns Name and Key")
        }
        @Sendable func cell(_ row: [String], _ column: String) -> String? {
            header.firstIndex(of: column).flatMap { $0 < row.count ? row[$0] : nil }
        }
        return try await context.store.write { tx in
            var ids: [JSON] = []
            for row in rows.dropFirst() where row.contains(where: { !$0.isEmpty }) {
                var input: JSON = [
                    "name": .string(nameColumn < row.count ? row[nameColumn] : ""),
                    "value": .string(keyColumn < row.count ? row[keyColumn] : ""),
                    "enabled": .bool((cell(row, "enabled") ?? "true").lowercased() != "false"),
                ]
                if let description = cell(row, "description") { input["description"] = .string(description) }
                let key = try await createAPIKey(input, context, in: tx)
                let id = key["id"]!.stringValue!
                for planID in (cell(row, "usageplanids") ?? "").split(whereSeparator: { ",'\"".contains($0) }) {
                    let planID = planID.trimmingCharacters(in: .whitespaces)
                    guard !planID.isEmpty else { continue }
                    _ = try await usagePlan(context, in: tx, id: planID)
                    try await addKey(id, toPlan: planID, in: tx)
                }
                ids.append(.string(id))
            }
            return ["ids": .array(ids), "warnings": []]
        }
    }
}

/// The small CSV dialect of API key files: comma separated, cells optionally in double quotes
/// (`""` for a quote), trimmed.
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch (character, quoted) {
            case ("\"", false) where cell.trimmingCharacters(in: .whitespaces).isEmpty:
                quoted = true
                cell = ""
            case ("\"", true):
                quoted = false
            case (",", false):
                row.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            case ("\n", false), ("\r\n", false), ("\r", false):
                row.append(cell.trimmingCharacters(in: .whitespaces))
                rows.append(row)
                row = []
                cell = ""
            default:
                cell.append(character)
            }
        }
        if !cell.isEmpty || !row.isEmpty {
            row.append(cell.trimmingCharacters(in: .whitespaces))
            rows.append(row)
        }
        return rows
    }
}

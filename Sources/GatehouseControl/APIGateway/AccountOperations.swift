import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let accountHandlers: [String: OperationHandler] = [
        "GetAccount": { context in try await account(context, in: context.store) },
        "UpdateAccount": { context in
            try await context.store.write { tx in
                // Gatehouse also lets UpdateAccount set the account's throttle (AWS changes it on request).
                let patched = try patch(
                    try await account(context, in: tx), context, shape: "Account", patchable: ["cloudwatchRoleArn", "features", "throttleSettings"])
                try await tx.put(accountKey(context), patched)
                return patched
            }
        },
    ]

    /// The account's settings in this region; AWS's defaults until first updated.
    private static func account(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        try await reader.document(accountKey(context)) ?? [
            "throttleSettings": ["burstLimit": 5000, "rateLimit": 10000.0], "features": ["UsagePlans"], "apiKeyVersion": "4",
        ]
    }

    private static func accountKey(_ context: OperationContext) -> DocumentKey {
        DocumentKey(kind: Kind.account, parent: context.caller.region, id: "account")
    }
}

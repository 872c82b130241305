import Foundation
import GatehouseModel
import GatehouseStore

/// Resource-based policies: who may invoke a function (API Gateway needs a statement for
/// `apigateway.amazonaws.com`, optionally limited to a source ARN).
extension Lambda {
    static let policyHandlers: [String: OperationHandler] = [
        "AddPermission": { context in
            let input = context.input
            let sid = context.string("StatementId")
            let principal = context.string("Principal")
            return try await modifyPolicy(context) { policy, resource in
                if statementIDs(policy).contains(sid) {
                    throw AWSError("ResourceConflictException", status: 409,
                        "The statement id (\(sid)) provided already exists. Please provide a new statement id, or remove the existing statement.")
                }
                var statement: JSON = [
                    "Sid": .string(sid), "Effect": "Allow",
                    "Principal": principal == "*" ? "*" : principal.hasSuffix(".amazonaws.com") ? ["Service": .string(principal)] : ["AWS": .string(principal)],
                    "Action": .string(context.string("Action")), "Resource": .string(resource),
                ]
                var conditions: [String: JSON] = [:]
                if let source = input["SourceArn"] { conditions["ArnLike"] = ["AWS:SourceArn": source] }
                if let account = input["SourceAccount"] { conditions["StringEquals"] = ["AWS:SourceAccount": account] }
                if let authType = input["FunctionUrlAuthType"] {
                    conditions["StringEquals"] = (conditions["StringEquals"] ?? .emptyObject).overlaid(with: ["lambda:FunctionUrlAuthType": authType])
                }
                if !conditions.isEmpty { statement["Condition"] = .object(conditions) }
                var updated = policy ?? ["Version": "2012-10-17", "Id": "default", "Statement": []]
                updated["Statement"] = .array((updated["Statement"]?.arrayValue ?? []) + [statement])
                policy = updated
                return ["Statement": .string(orderedText(statement, keys: statementKeys))]
            }
        },
        "RemovePermission": { context in
            let sid = context.string("StatementId")
            return try await modifyPolicy(context) { policy, _ in
                guard let current = policy else {
                    throw AWSError("ResourceNotFoundException", status: 404, "No policy is associated with the given resource.")
                }
                guard statementIDs(current).contains(sid) else {
                    throw AWSError("ResourceNotFoundException", status: 404, "Statement \(sid) is not found in resource policy.")
                }
                let remaining = (current["Statement"]?.arrayValue ?? []).filter { $0["Sid"]?.stringValue != sid }
                // `Optional.none`, not `JSON.null`: no policy left at all.
                policy = remaining.isEmpty ? Optional<JSON>.none : current.replacing("Statement", with: .array(remaining))
                return .emptyObject
            }
        },
        "GetPolicy": { context in
            let (key, _) = try await policyHolder(context, in: context.store)
            let (_, function) = try await function(context, in: context.store)
            guard let policy = try await context.store.document(key)?["Policy"] else {
                throw AWSError("ResourceNotFoundException", status: 404, "The resource you requested does not exist.")
            }
            return ["Policy": .string(policyText(policy)), "RevisionId": function["configuration"]?["RevisionId"] ?? ""]
        },
    ]

    /// Each version and alias has its own policy: the document that holds the one the input's
    /// qualifier names, and the resource ARN its statements name.
    static func policyHolder(_ context: OperationContext, in reader: any DocumentReader) async throws -> (key: DocumentKey, resource: String) {
        let (name, _) = try await function(context, in: reader)
        let qualifier = context.input["Qualifier"]?.stringValue ?? requested(context).qualifier
        guard let qualifier, qualifier != "$LATEST" else { return (functionKey(context, name), functionARN(context, name).description) }
        let kind = FunctionQualifier(qualifier) == .version(qualifier) ? Kind.functionVersion : Kind.functionAlias
        let key = DocumentKey(kind: kind, parent: versionsParent(context, name), id: qualifier)
        guard try await reader.document(key) != nil else { throw notFound(context, name, qualifier: qualifier) }
        return (key, functionARN(context, name, qualifier: qualifier).description)
    }

    /// Changes the policy of the input's function, version or alias in one transaction.
    static func modifyPolicy(
        _ context: OperationContext, _ change: @escaping @Sendable (inout JSON?, String) throws -> JSON
    ) async throws -> JSON {
        try await context.store.write { tx in
            let (key, resource) = try await policyHolder(context, in: tx)
            var document = try await tx.document(key) ?? .emptyObject
            var policy = document["Policy"]
            let output = try change(&policy, resource)
            document["Policy"] = policy
            try await tx.put(key, document)
            return output
        }
    }
}

extension Lambda {
    static let statementKeys = ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]

    /// An object as JSON text with its keys in AWS's order (policies are compared as text by some tools).
    static func orderedText(_ object: JSON, keys: [String]) -> String {
        let present = keys.filter { object[$0] != nil } + (object.objectValue ?? [:]).keys.filter { !keys.contains($0) }.sorted()
        return "{" + present.map { JSON.quoted($0) + ":" + object[$0]!.serializedString }.joined(separator: ",") + "}"
    }

    static func policyText(_ policy: JSON) -> String {
        let statements = (policy["Statement"]?.arrayValue ?? []).map { orderedText($0, keys: statementKeys) }
        return "{\"Version\":\((policy["Version"] ?? "2012-10-17").serializedString),\"Id\":\((policy["Id"] ?? "default").serializedString),\"Statement\":[\(statements.joined(separator: ","))]}"
    }

    /// The statement ids in a policy.
    static func statementIDs(_ policy: JSON?) -> [String] {
        (policy?["Statement"]?.arrayValue ?? []).compactMap { $0["Sid"]?.stringValue }
    }
}

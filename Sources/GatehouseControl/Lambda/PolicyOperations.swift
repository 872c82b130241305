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
            let (name, _) = try await function(context, in: context.store)
            let principal = context.string("Principal")
            var statement: JSON = [
                "Sid": .string(sid), "Effect": "Allow",
                "Principal": principal.hasSuffix(".amazonaws.com") ? ["Service": .string(principal)] : ["AWS": .string(principal)],
                "Action": .string(context.string("Action")), "Resource": .string(functionARN(context, name)),
            ]
            var conditions: [String: JSON] = [:]
            if let source = input["SourceArn"] { conditions["ArnLike"] = ["AWS:SourceArn": source] }
            if let account = input["SourceAccount"] { conditions["StringEquals"] = ["AWS:SourceAccount": account] }
            if !conditions.isEmpty { statement["Condition"] = .object(conditions) }
            let added = statement
            try await modifyFunction(context) { document in
                if statementIDs(document).contains(sid) {
                    throw AWSError("ResourceConflictException", status: 409,
                        "The statement id (\(sid)) provided already exists. Please provide a new statement id, or remove the existing statement.")
                }
                var policy = document["Policy"] ?? ["Version": "2012-10-17", "Id": "default", "Statement": []]
                policy["Statement"] = .array((policy["Statement"]?.arrayValue ?? []) + [added])
                document["Policy"] = policy
            }
            return ["Statement": .string(orderedText(added, keys: statementKeys))]
        },
        "RemovePermission": { context in
            let sid = context.string("StatementId")
            try await modifyFunction(context) { document in
                guard document["Policy"] != nil else {
                    throw AWSError("ResourceNotFoundException", status: 404, "No policy is associated with the given resource.")
                }
                guard statementIDs(document).contains(sid) else {
                    throw AWSError("ResourceNotFoundException", status: 404, "Statement \(sid) is not found in resource policy.")
                }
                let remaining = (document["Policy"]?["Statement"]?.arrayValue ?? []).filter { $0["Sid"]?.stringValue != sid }
                if remaining.isEmpty { document["Policy"] = nil } else { document["Policy"]?["Statement"] = .array(remaining) }
            }
            return .emptyObject
        },
        "GetPolicy": { context in
            let (_, document) = try await function(context, in: context.store)
            guard let policy = document["Policy"] else {
                throw AWSError("ResourceNotFoundException", status: 404, "The resource you requested does not exist.")
            }
            return ["Policy": .string(policyText(policy)), "RevisionId": document["configuration"]?["RevisionId"] ?? ""]
        },
    ]
}

extension Lambda {
    static let statementKeys = ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]

    /// An object as JSON text with its keys in AWS's order (policies are compared as text by some tools).
    static func orderedText(_ object: JSON, keys: [String]) -> String {
        let present = keys.filter { object[$0] != nil } + (object.objectValue ?? [:]).keys.filter { !keys.contains($0) }.sorted()
        return "{" + present.map { JSON.string($0).serializedString + ":" + object[$0]!.serializedString }.joined(separator: ",") + "}"
    }

    static func policyText(_ policy: JSON) -> String {
        let statements = (policy["Statement"]?.arrayValue ?? []).map { orderedText($0, keys: statementKeys) }
        return "{\"Version\":\((policy["Version"] ?? "2012-10-17").serializedString),\"Id\":\((policy["Id"] ?? "default").serializedString),\"Statement\":[\(statements.joined(separator: ","))]}"
    }

    /// The statement ids in a function's policy.
    static func statementIDs(_ document: JSON) -> [String] {
        (document["Policy"]?["Statement"]?.arrayValue ?? []).compactMap { $0["Sid"]?.stringValue }
    }
}

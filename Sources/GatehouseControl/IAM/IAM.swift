import Foundation
import GatehouseModel
import GatehouseStore

/// The part of IAM (`query` protocol) that Lambda roles, Terraform and test suites use: roles
/// with their trust policies, inline and attached policies, and tags. Roles are stored (one
/// document each, under the account: IAM is global) and listed as AWS lists them; their
/// policies are kept, not enforced beyond what Gatehouse already checks.
public enum IAM {
    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(model: try ServiceModel.bundled("iam"), validationError: "ValidationError", handlers: handlers)
    }

    static let handlers: [String: OperationHandler] = [
        "CreateRole": createRole,
        "GetRole": { context in ["Role": try await role(context, in: context.store).shown] },
        "ListRoles": { context in
            let prefix = context.input["PathPrefix"]?.stringValue ?? "/"
            let roles = try await context.store.documents(kind: DocumentKind.iamRole, parent: context.caller.accountId)
                .filter { ($0["Path"]?.stringValue ?? "/").hasPrefix(prefix) }
                .sorted { ($0["RoleName"]?.stringValue ?? "") < ($1["RoleName"]?.stringValue ?? "") }
            return try page(roles.map { listed($0.shown) }, context, member: "Roles")
        },
        "UpdateRole": { context in
            try await modify(context) { role in
                if let description = context.input["Description"] { role["Description"] = description }
                if let duration = context.input["MaxSessionDuration"] { role["MaxSessionDuration"] = duration }
            }
            return .emptyObject
        },
        "UpdateAssumeRolePolicy": { context in
            let document = try policy(context.input["PolicyDocument"])
            try await modify(context) { role in role["AssumeRolePolicyDocument"] = .string(document) }
            return .emptyObject
        },
        "DeleteRole": deleteRole,
        "PutRolePolicy": { context in
            let document = try policy(context.input["PolicyDocument"])
            try await modify(context) { role in role["InlinePolicies"]?[context.string("PolicyName")] = .string(document) }
            return .emptyObject
        },
        "GetRolePolicy": { context in
            let role = try await role(context, in: context.store)
            let name = context.string("PolicyName")
            guard let document = role["InlinePolicies"]?[name] else {
                throw AWSError("NoSuchEntity", status: 404, "The role policy with name \(name) cannot be found.")
            }
            return ["RoleName": role["RoleName"] ?? "", "PolicyName": .string(name), "PolicyDocument": .string(encoded(document.stringValue ?? ""))]
        },
        "ListRolePolicies": { context in
            let names = (try await role(context, in: context.store)["InlinePolicies"]?.objectValue ?? [:]).keys.sorted()
            return try page(names.map(JSON.string), context, member: "PolicyNames")
        },
        "DeleteRolePolicy": { context in
            let name = context.string("PolicyName")
            try await modify(context) { role in
                guard role["InlinePolicies"]?[name] != nil else {
                    throw AWSError("NoSuchEntity", status: 404, "The role policy with name \(name) cannot be found.")
                }
                role["InlinePolicies"]?[name] = nil
            }
            return .emptyObject
        },
        "AttachRolePolicy": { context in
            let arn = context.string("PolicyArn")
            guard arn.hasPrefix("arn:aws:iam::"), arn.contains(":policy/") else {
                throw AWSError("InvalidInput", status: 400, "ARN \(arn) is not valid.")
            }
            try await modify(context) { role in
                var attached = role["AttachedPolicies"]?.arrayValue ?? []
                if !attached.contains(where: { $0["PolicyArn"]?.stringValue == arn }) {
                    attached.append(["PolicyArn": .string(arn), "PolicyName": .string(String(arn.split(separator: "/").last ?? ""))])
                }
                role["AttachedPolicies"] = .array(attached)
            }
            return .emptyObject
        },
        "DetachRolePolicy": { context in
            let arn = context.string("PolicyArn")
            try await modify(context) { role in
                var attached = role["AttachedPolicies"]?.arrayValue ?? []
                guard attached.contains(where: { $0["PolicyArn"]?.stringValue == arn }) else {
                    throw AWSError("NoSuchEntity", status: 404, "Policy \(arn) was not found.")
                }
                attached.removeAll { $0["PolicyArn"]?.stringValue == arn }
                role["AttachedPolicies"] = .array(attached)
            }
            return .emptyObject
        },
        "ListAttachedRolePolicies": { context in
            try page(try await role(context, in: context.store)["AttachedPolicies"]?.arrayValue ?? [], context, member: "AttachedPolicies")
        },
        "TagRole": { context in
            try await modify(context) { role in role["Tags"] = .array(merged(role["Tags"], context.input["Tags"])) }
            return .emptyObject
        },
        "UntagRole": { context in
            let keys = Set(context.input["TagKeys"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            try await modify(context) { role in
                role["Tags"] = .array((role["Tags"]?.arrayValue ?? []).filter { !keys.contains($0["Key"]?.stringValue ?? "") })
            }
            return .emptyObject
        },
        "ListRoleTags": { context in
            try page(try await role(context, in: context.store)["Tags"]?.arrayValue ?? [], context, member: "Tags")
        },
    ]

    private static func createRole(_ context: OperationContext) async throws -> JSON {
        let name = context.string("RoleName")
        let path = context.input["Path"]?.stringValue ?? "/"
        guard path.hasPrefix("/"), path.hasSuffix("/") else {
            throw AWSError("ValidationError", status: 400, "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
        }
        let document = try policy(context.input["AssumeRolePolicyDocument"])
        return try await context.store.write { tx in
            let key = DocumentKey(kind: DocumentKind.iamRole, parent: context.caller.accountId, id: name.lowercased())
            guard try await tx.document(key) == nil else {
                throw AWSError("EntityAlreadyExists", status: 409, "Role with name \(name) already exists.")
            }
            var role: JSON = [
                "RoleName": .string(name), "Path": .string(path), "RoleId": .string("AROA" + identifier(17)),
                "Arn": .string("arn:aws:iam::\(context.caller.accountId):role\(path)\(name)"),
                "CreateDate": .number(Date().timeIntervalSince1970.rounded(.down)), "AssumeRolePolicyDocument": .string(document),
                "MaxSessionDuration": context.input["MaxSessionDuration"] ?? 3600, "InlinePolicies": .emptyObject, "AttachedPolicies": [],
                "Tags": context.input["Tags"] ?? [],
            ]
            if let description = context.input["Description"] { role["Description"] = description }
            try await tx.put(key, role)
            return ["Role": role.shown]
        }
    }

    private static func deleteRole(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let role = try await role(context, in: tx)
            if !(role["AttachedPolicies"]?.arrayValue ?? []).isEmpty {
                throw AWSError("DeleteConflict", status: 409, "Cannot delete entity, must detach all policies first.")
            }
            if !(role["InlinePolicies"]?.objectValue ?? [:]).isEmpty {
                throw AWSError("DeleteConflict", status: 409, "Cannot delete entity, must delete policies first.")
            }
            try await tx.delete(key(context))
            return .emptyObject
        }
    }

    /// The role the input names (role names are unique whatever their case, as on AWS).
    static func role(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        guard let role = try await reader.document(key(context)) else {
            throw AWSError("NoSuchEntity", status: 404, "The role with name \(context.string("RoleName")) cannot be found.")
        }
        return role
    }

    private static func key(_ context: OperationContext) -> DocumentKey {
        DocumentKey(kind: DocumentKind.iamRole, parent: context.caller.accountId, id: context.string("RoleName").lowercased())
    }

    /// The role whose name an ARN ends with (`arn:aws:iam::{account}:role/{path}{name}`), if it exists.
    public static func role(arn: String, account: String, in reader: any DocumentReader) async throws -> JSON? {
        guard let name = arn.split(separator: "/").last, arn.contains(":role/") else { return nil }
        return try await reader.document(DocumentKey(kind: DocumentKind.iamRole, parent: account, id: name.lowercased()))
    }

    private static func modify(_ context: OperationContext, _ change: @escaping @Sendable (inout JSON) throws -> Void) async throws {
        try await context.store.write { tx in
            var role = try await role(context, in: tx)
            try change(&role)
            try await tx.put(key(context), role)
        }
    }

    /// A policy document's text, refused as AWS refuses text that is not JSON.
    private static func policy(_ value: JSON?) throws -> String {
        let text = value?.stringValue ?? ""
        guard (try? JSON(parsing: Data(text.utf8)))?.objectValue != nil else {
            throw AWSError("MalformedPolicyDocument", status: 400, "This policy contains invalid Json")
        }
        return text
    }

    /// Tags with `added` over `existing`, by key.
    private static func merged(_ existing: JSON?, _ added: JSON?) -> [JSON] {
        var tags = existing?.arrayValue ?? []
        for tag in added?.arrayValue ?? [] {
            tags.removeAll { $0["Key"] == tag["Key"] }
            tags.append(tag)
        }
        return tags
    }

    /// One page of `items` by `Marker` (an index) and `MaxItems` (100 by default).
    private static func page(_ items: [JSON], _ context: OperationContext, member: String) throws -> JSON {
        let start = Int(context.input["Marker"]?.stringValue ?? "") ?? 0
        let size = context.input["MaxItems"]?.intValue ?? 100
        let end = min(items.count, start + size)
        var page: JSON = [member: .array(start < end ? Array(items[start..<end]) : []), "IsTruncated": .bool(end < items.count)]
        if end < items.count { page["Marker"] = .string(String(end)) }
        return page
    }

    /// A role as ListRoles shows it: without tags.
    private static func listed(_ role: JSON) -> JSON {
        var role = role
        role["Tags"] = nil
        return role
    }

    /// Policy documents travel URL-encoded in IAM's answers (SDKs decode them).
    static func encoded(_ document: String) -> String {
        document.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? document
    }

    /// Upper-case letters and digits, as IAM's ids are made.
    static func identifier(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }
}

extension JSON {
    /// A stored role as AWS shows it: the trust policy URL-encoded, Gatehouse's own members out.
    fileprivate var shown: JSON {
        var role = self
        role["InlinePolicies"] = nil
        role["AttachedPolicies"] = nil
        if let document = role["AssumeRolePolicyDocument"]?.stringValue { role["AssumeRolePolicyDocument"] = .string(IAM.encoded(document)) }
        if role["Tags"]?.arrayValue?.isEmpty == true { role["Tags"] = nil }
        return role
    }
}

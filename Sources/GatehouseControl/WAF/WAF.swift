import Foundation
import GatehouseModel
import GatehouseStore

/// WAF (`wafv2`, `json` protocol), scope `REGIONAL`: IP sets, regex pattern sets and web ACLs with AWS's `LockToken`
/// optimistic concurrency, and web ACLs associated with REST API stages
/// (`arn:aws:apigateway:{region}::/restapis/{id}/stages/{stage}`). The gateway compiles them into
/// each stage's matcher; a change is live without redeploying the API, as on AWS.
public enum WAF {
    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(model: try ServiceModel.bundled("wafv2"), validationError: "WAFInvalidParameterException", handlers: [
            "CreateIPSet": { context in try await create(context, kind: DocumentKind.wafIPSet, path: "ipset") },
            "GetIPSet": { context in try await get(context, kind: DocumentKind.wafIPSet, member: "IPSet") },
            "ListIPSets": { context in try await list(context, kind: DocumentKind.wafIPSet, member: "IPSets") },
            "UpdateIPSet": { context in try await update(context, kind: DocumentKind.wafIPSet, members: ["Addresses", "Description"]) },
            "DeleteIPSet": { context in try await delete(context, kind: DocumentKind.wafIPSet) },
            "CreateRegexPatternSet": { context in try await create(context, kind: DocumentKind.wafRegexPatternSet, path: "regexpatternset") },
            "GetRegexPatternSet": { context in try await get(context, kind: DocumentKind.wafRegexPatternSet, member: "RegexPatternSet") },
            "ListRegexPatternSets": { context in try await list(context, kind: DocumentKind.wafRegexPatternSet, member: "RegexPatternSets") },
            "UpdateRegexPatternSet": { context in
                try await update(context, kind: DocumentKind.wafRegexPatternSet, members: ["RegularExpressionList", "Description"])
            },
            "DeleteRegexPatternSet": { context in try await delete(context, kind: DocumentKind.wafRegexPatternSet) },
            "CreateWebACL": { context in try await create(context, kind: DocumentKind.webACL, path: "webacl") },
            "GetWebACL": { context in try await get(context, kind: DocumentKind.webACL, member: "WebACL") },
            "ListWebACLs": { context in try await list(context, kind: DocumentKind.webACL, member: "WebACLs") },
            "UpdateWebACL": { context in
                try await update(context, kind: DocumentKind.webACL, members: ["DefaultAction", "Rules", "Description", "VisibilityConfig", "CustomResponseBodies"])
            },
            "DeleteWebACL": { context in try await delete(context, kind: DocumentKind.webACL) },
            "AssociateWebACL": { context in try await associate(context) },
            "DisassociateWebACL": { context in try await disassociate(context) },
            "GetWebACLForResource": { context in try await webACL(for: context) },
            "ListResourcesForWebACL": { context in try await resources(of: context) },
        ])
    }

    // MARK: IP sets and web ACLs

    private static func create(_ context: OperationContext, kind: String, path: String) async throws -> JSON {
        try checkScope(context)
        let name = context.string("Name")
        let id = UUID().uuidString.lowercased()
        let arn = "arn:aws:wafv2:\(context.caller.region):\(context.caller.accountId):regional/\(path)/\(name)/\(id)"
        var document = context.input
        document["Tags"] = nil
        document["Id"] = .string(id)
        document["ARN"] = .string(arn)
        document["LockToken"] = .string(UUID().uuidString.lowercased())
        try await check(&document, kind: kind, context)
        if kind == DocumentKind.webACL {
            document["LabelNamespace"] = .string("awswaf:\(context.caller.accountId):webacl:\(name):")
            document["ManagedByFirewallManager"] = false
        }
        let stored = document
        try await context.store.write(configuration: true) { tx in
            if try await tx.documents(kind: kind, parent: parent(context)).contains(where: { $0["Name"]?.stringValue == name }) {
                throw AWSError("WAFDuplicateItemException", status: 400, "WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.")
            }
            try await tx.put(DocumentKey(kind: kind, parent: parent(context), id: id), stored)
        }
        return ["Summary": summary(stored)]
    }

    private static func get(_ context: OperationContext, kind: String, member: String) async throws -> JSON {
        let document = try await existing(context, kind: kind)
        var resource = document
        resource["LockToken"] = nil
        resource["Scope"] = nil
        return [member: resource, "LockToken": document["LockToken"] ?? ""]
    }

    private static func list(_ context: OperationContext, kind: String, member: String) async throws -> JSON {
        try checkScope(context)
        let all = try await context.store.documents(kind: kind, parent: parent(context))
            .sorted { ($0["Name"]?.stringValue ?? "") < ($1["Name"]?.stringValue ?? "") }.map(summary)
        guard let page = Paging.page(all, limit: context.input["Limit"]?.intValue ?? 100, token: context.input["NextMarker"]?.stringValue) else {
            throw AWSError("WAFInvalidParameterException", status: 400, "The NextMarker is not valid.")
        }
        var answer: JSON = [member: .array(page.items)]
        if let next = page.next { answer["NextMarker"] = .string(next) }
        return answer
    }

    private static func update(_ context: OperationContext, kind: String, members: [String]) async throws -> JSON {
        var document = try await existing(context, kind: kind)
        try checkLock(document, context)
        for member in members { document[member] = context.input[member] }
        try await check(&document, kind: kind, context)
        let next = UUID().uuidString.lowercased()
        document["LockToken"] = .string(next)
        let stored = document
        try await context.store.write(configuration: true) { tx in
            // Checked again inside the transaction: a concurrent update may have won.
            guard try await tx.document(key(context, kind))?["LockToken"] == context.input["LockToken"] else { throw staleLock }
            try await tx.put(key(context, kind), stored)
        }
        return ["NextLockToken": .string(next)]
    }

    private static func delete(_ context: OperationContext, kind: String) async throws -> JSON {
        let document = try await existing(context, kind: kind)
        try checkLock(document, context)
        let arn = document["ARN"]?.stringValue ?? ""
        if kind == DocumentKind.webACL {
            let associations = try await context.store.documents(kind: DocumentKind.webACLAssociation, parent: parent(context))
            if associations.contains(where: { $0["WebACLArn"]?.stringValue == arn }) { throw associated }
        } else {
            let acls = try await context.store.documents(kind: DocumentKind.webACL, parent: parent(context))
            if acls.contains(where: { references(in: $0["Rules"] ?? []).contains(arn) }) { throw associated }
        }
        try await context.store.write(configuration: true) { tx in try await tx.delete(key(context, kind)) }
        return [:]
    }

    // MARK: Associations

    private static func associate(_ context: OperationContext) async throws -> JSON {
        let resource = try stageARN(context.string("ResourceArn"), context)
        let acl = context.string("WebACLArn")
        guard try await context.store.documents(kind: DocumentKind.webACL, parent: parent(context))
            .contains(where: { $0["ARN"]?.stringValue == acl })
        else { throw nonexistent }
        guard try await context.store.document(DocumentKey(kind: DocumentKind.stage, parent: resource.api, id: resource.stage)) != nil else {
            throw nonexistent
        }
        try await context.store.write(configuration: true) { tx in
            try await tx.put(
                DocumentKey(kind: DocumentKind.webACLAssociation, parent: parent(context), id: resource.arn),
                ["ResourceArn": .string(resource.arn), "WebACLArn": .string(acl), "RestApiId": .string(resource.api), "Stage": .string(resource.stage)])
        }
        return [:]
    }

    private static func disassociate(_ context: OperationContext) async throws -> JSON {
        let resource = try stageARN(context.string("ResourceArn"), context)
        try await context.store.write(configuration: true) { tx in
            try await tx.delete(DocumentKey(kind: DocumentKind.webACLAssociation, parent: parent(context), id: resource.arn))
        }
        return [:]
    }

    private static func webACL(for context: OperationContext) async throws -> JSON {
        let resource = try stageARN(context.string("ResourceArn"), context)
        guard let association = try await context.store.document(DocumentKey(kind: DocumentKind.webACLAssociation, parent: parent(context), id: resource.arn)),
            var acl = try await context.store.documents(kind: DocumentKind.webACL, parent: parent(context))
                .first(where: { $0["ARN"] == association["WebACLArn"] })
        else { return [:] }
        acl["LockToken"] = nil
        acl["Scope"] = nil
        return ["WebACL": acl]
    }

    private static func resources(of context: OperationContext) async throws -> JSON {
        let acl = context.string("WebACLArn")
        let arns = try await context.store.documents(kind: DocumentKind.webACLAssociation, parent: parent(context))
            .filter { $0["WebACLArn"]?.stringValue == acl }.compactMap { $0["ResourceArn"] }
        return ["ResourceArns": .array(arns)]
    }

    // MARK: Helpers

    static func parent(_ context: OperationContext) -> String { "\(context.caller.accountId)|\(context.caller.region)" }

    private static func key(_ context: OperationContext, _ kind: String) -> DocumentKey {
        DocumentKey(kind: kind, parent: parent(context), id: context.string("Id"))
    }

    private static func existing(_ context: OperationContext, kind: String) async throws -> JSON {
        try checkScope(context)
        guard let document = try await context.store.document(key(context, kind)), document["Name"]?.stringValue == context.string("Name") else {
            throw nonexistent
        }
        return document
    }

    private static func summary(_ document: JSON) -> JSON {
        ["Name": document["Name"] ?? "", "Id": document["Id"] ?? "", "Description": document["Description"] ?? .null,
         "LockToken": document["LockToken"] ?? "", "ARN": document["ARN"] ?? ""]
    }

    private static func checkScope(_ context: OperationContext) throws {
        guard context.input["Scope"]?.stringValue ?? "REGIONAL" == "REGIONAL" else {
            throw AWSError("WAFInvalidParameterException", status: 400, "Error reason: Gatehouse serves the REGIONAL scope, field: SCOPE_VALUE, parameter: CLOUDFRONT")
        }
    }

    private static func checkLock(_ document: JSON, _ context: OperationContext) throws {
        guard document["LockToken"] == context.input["LockToken"] else { throw staleLock }
    }

    /// What a resource of `kind` must hold: CIDR blocks, regular expressions that compile, rules
    /// naming sets that exist (a web ACL also gets its capacity).
    private static func check(_ document: inout JSON, kind: String, _ context: OperationContext) async throws {
        switch kind {
        case DocumentKind.wafIPSet:
            try checkAddresses(document["Addresses"]?.arrayValue ?? [])
        case DocumentKind.wafRegexPatternSet:
            for regex in document["RegularExpressionList"]?.arrayValue ?? [] {
                let pattern = regex["RegexString"]?.stringValue ?? ""
                guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                    throw AWSError("WAFInvalidParameterException", status: 400,
                        "Error reason: The parameter contains formatting that is not valid., field: REGEX_STRING, parameter: \(pattern)")
                }
            }
        default:
            document["Rules"] = document["Rules"] ?? []
            document["Capacity"] = .number(Double(capacity(of: document["Rules"]?.arrayValue ?? [])))
            try await checkReferences(document["Rules"]?.arrayValue ?? [], context)
        }
    }

    private static func checkAddresses(_ addresses: [JSON]) throws {
        for address in addresses where IPRange(address.stringValue ?? "") == nil {
            throw AWSError("WAFInvalidParameterException", status: 400,
                "Error reason: The parameter contains formatting that is not valid., field: IP_ADDRESS, parameter: \(address.stringValue ?? "")")
        }
    }

    /// Every set a rule names must exist.
    private static func checkReferences(_ rules: [JSON], _ context: OperationContext) async throws {
        var known = Set<String>()
        for kind in [DocumentKind.wafIPSet, DocumentKind.wafRegexPatternSet] {
            known.formUnion(try await context.store.documents(kind: kind, parent: parent(context)).compactMap { $0["ARN"]?.stringValue })
        }
        for arn in references(in: .array(rules)) where !known.contains(arn) { throw nonexistent }
    }

    /// The ARNs of IP set and regex pattern set references anywhere in `value`.
    static func references(in value: JSON) -> [String] {
        switch value {
        case .object(let members):
            ["IPSetReferenceStatement", "RegexPatternSetReferenceStatement"].compactMap { members[$0]?["ARN"]?.stringValue }
                + members.values.flatMap(references)
        case .array(let items): items.flatMap(references)
        default: []
        }
    }

    /// Web ACL capacity units, roughly as AWS counts them: 1 an IP set, 2 a byte match (more with transformations).
    private static func capacity(of rules: [JSON]) -> Int {
        references(in: .array(rules)).count + 2 * rules.count
    }

    private static func stageARN(_ arn: String, _ context: OperationContext) throws -> (arn: String, api: String, stage: String) {
        // arn:aws:apigateway:{region}::/restapis/{id}/stages/{stage}
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let path = parts.count == 6 ? parts[5].split(separator: "/").map(String.init) : []
        guard parts.count == 6, parts[2] == "apigateway", path.count == 4, path[0] == "restapis", path[2] == "stages" else {
            throw AWSError("WAFInvalidParameterException", status: 400,
                "Error reason: The ARN isn’t valid. A valid ARN begins with arn: and includes other information separated by colons or slashes., field: RESOURCE_ARN, parameter: \(arn)")
        }
        return (arn, path[1], path[3])
    }

    static let nonexistent = AWSError("WAFNonexistentItemException", status: 400, "WAF couldn’t perform the operation because your resource doesn’t exist.")
    static let staleLock = AWSError("WAFOptimisticLockException", status: 400,
        "WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.")
    static let associated = AWSError("WAFAssociatedItemException", status: 400,
        "WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.")
}

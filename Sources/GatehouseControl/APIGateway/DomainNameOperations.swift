import Foundation
import GatehouseModel
import GatehouseStore

/// Custom domain names (`/domainnames`) and their base path mappings. Requests whose `Host` is
/// a domain name reach the API and stage its longest matching base path names (the gateway's
/// `CustomDomains`); nothing is provisioned, so a domain is `AVAILABLE` at once.
extension APIGateway {
    static let domainNameHandlers: [String: OperationHandler] = [
        "CreateDomainName": createDomainName,
        "GetDomainName": { context in try await domainName(context, in: context.store) },
        "GetDomainNames": { context in
            try page(try await context.store.documents(kind: Kind.restDomainName, parent: context.caller.region), context)
        },
        "UpdateDomainName": { context in
            try await context.store.write { tx in
                let patched = try patch(try await domainName(context, in: tx), context, shape: "DomainName", patchable: [
                    "certificateName", "certificateArn", "regionalCertificateName", "regionalCertificateArn", "endpointConfiguration",
                    "securityPolicy", "mutualTlsAuthentication", "ownershipVerificationCertificateArn", "policy", "routingMode",
                ])
                try await tx.put(domainKey(context), patched)
                return patched
            }
        },
        "DeleteDomainName": { context in
            try await context.store.write { tx in
                _ = try await domainName(context, in: tx)
                for mapping in try await tx.documents(kind: Kind.basePathMapping, parent: mappingParent(context)) {
                    try await tx.delete(DocumentKey(kind: Kind.basePathMapping, parent: mappingParent(context), id: mapping["basePath"]?.stringValue ?? ""))
                }
                try await tx.delete(domainKey(context))
                return .emptyObject
            }
        },
        "CreateBasePathMapping": createBasePathMapping,
        "GetBasePathMapping": { context in try await basePathMapping(context, in: context.store) },
        "GetBasePathMappings": { context in
            _ = try await domainName(context, in: context.store)
            return try page(try await context.store.documents(kind: Kind.basePathMapping, parent: mappingParent(context)), context)
        },
        "UpdateBasePathMapping": { context in
            try await context.store.write { tx in
                let current = try await basePathMapping(context, in: tx)
                var patched = try patch(current, context, shape: "BasePathMapping", patchable: ["basePath", "restApiId", "stage"])
                patched["basePath"] = .string(basePath(patched["basePath"]?.stringValue))
                try await checkTarget(of: patched, context, in: tx)
                try await tx.delete(mappingKey(context, current["basePath"]?.stringValue ?? ""))
                try await put(patched, context, tx)
                return patched
            }
        },
        "DeleteBasePathMapping": { context in
            try await context.store.write { tx in
                _ = try await basePathMapping(context, in: tx)
                try await tx.delete(mappingKey(context, basePath(context.input["basePath"]?.stringValue)))
                return .emptyObject
            }
        },
    ]

    private static func createDomainName(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            let name = context.string("domainName")
            guard !name.isEmpty else { throw AWSError.badRequest("Domain name must not be empty") }
            guard try await tx.document(domainKey(context)) == nil else {
                throw AWSError.conflict("The domain name you provided already exists.")
            }
            let region = context.caller.region
            var domain: JSON = [
                "domainName": .string(name), "domainNameId": .string(newID(length: 10)),
                "domainNameArn": .string("arn:aws:apigateway:\(region)::/domainnames/\(name)"),
                "endpointConfiguration": ["types": ["EDGE"], "ipAddressType": "ipv4"], "domainNameStatus": "AVAILABLE",
                "securityPolicy": "TLS_1_2", "certificateUploadDate": now(),
            ]
            copyMembers(
                ["certificateName", "certificateArn", "regionalCertificateName", "regionalCertificateArn", "endpointConfiguration",
                 "securityPolicy", "mutualTlsAuthentication", "ownershipVerificationCertificateArn", "policy", "routingMode", "tags"],
                from: context.input, into: &domain)
            // Where AWS would point DNS: a regional endpoint, or a CloudFront distribution for EDGE.
            if domain["endpointConfiguration"]?["types"]?.arrayValue?.contains("REGIONAL") == true {
                domain["regionalDomainName"] = .string("d-\(newID(length: 10)).execute-api.\(region).amazonaws.com")
                domain["regionalHostedZoneId"] = "Z1UJRXOUMOOFQ8"
            } else {
                domain["distributionDomainName"] = .string("d\(newID(length: 13)).cloudfront.net")
                domain["distributionHostedZoneId"] = "Z2FDTNDATAQYW2"
            }
            try await tx.put(domainKey(context), domain)
            return domain
        }
    }

    private static func createBasePathMapping(_ context: OperationContext) async throws -> JSON {
        try await context.store.write { tx in
            _ = try await domainName(context, in: tx)
            var mapping: JSON = [
                "basePath": .string(basePath(context.input["basePath"]?.stringValue)),
                "restApiId": .string(context.string("restApiId")),
            ]
            if let stage = context.input["stage"]?.stringValue, stage != "(none)", !stage.isEmpty { mapping["stage"] = .string(stage) }
            try await checkTarget(of: mapping, context, in: tx)
            if try await tx.document(mappingKey(context, mapping["basePath"]?.stringValue ?? "")) != nil {
                throw AWSError.conflict("Base path already exists for this domain name")
            }
            try await put(mapping, context, tx)
            return mapping
        }
    }

    /// `(none)` for the root mapping, else the path without its outer slashes.
    private static func basePath(_ text: String?) -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return trimmed.isEmpty ? "(none)" : trimmed
    }

    /// The mapping's API must exist, and its stage when it names one; its base path uses AWS's characters.
    private static func checkTarget(of mapping: JSON, _ context: OperationContext, in reader: any DocumentReader) async throws {
        let apiID = mapping["restApiId"]?.stringValue ?? ""
        guard try await reader.document(restAPIKey(context, apiID)) != nil else {
            throw AWSError.badRequest("Invalid REST API identifier specified")
        }
        if let stage = mapping["stage"]?.stringValue, try await reader.document(DocumentKey(kind: Kind.stage, parent: apiID, id: stage)) == nil {
            throw AWSError.badRequest("Invalid stage identifier specified")
        }
        let path = mapping["basePath"]?.stringValue ?? ""
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "$-_.+!*'()/"))
        guard path == "(none)" || (path.count <= 300 && path.unicodeScalars.allSatisfy { $0.isASCII && allowed.contains($0) }) else {
            throw AWSError.badRequest("Base path must contain only letters, digits and $-_.+!*'()/ characters and be at most 300 characters long")
        }
    }

    private static func put(_ mapping: JSON, _ context: OperationContext, _ tx: any StoreTransaction) async throws {
        try await tx.put(mappingKey(context, mapping["basePath"]?.stringValue ?? ""), mapping)
    }

    private static func domainName(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        guard let domain = try await reader.document(domainKey(context)) else {
            throw AWSError.notFound("Invalid domain name identifier specified")
        }
        return domain
    }

    private static func basePathMapping(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        _ = try await domainName(context, in: reader)
        guard let mapping = try await reader.document(mappingKey(context, basePath(context.input["basePath"]?.stringValue))) else {
            throw AWSError.notFound("Invalid base path mapping identifier specified")
        }
        return mapping
    }

    private static func domainKey(_ context: OperationContext) -> DocumentKey {
        DocumentKey(kind: Kind.restDomainName, parent: context.caller.region, id: context.string("domainName"))
    }

    private static func mappingParent(_ context: OperationContext) -> String {
        "\(context.caller.region)/\(context.string("domainName"))"
    }

    private static func mappingKey(_ context: OperationContext, _ basePath: String) -> DocumentKey {
        DocumentKey(kind: Kind.basePathMapping, parent: mappingParent(context), id: basePath)
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let gatewayResponseHandlers: [String: OperationHandler] = [
        "PutGatewayResponse": { context in
            try await context.store.write { tx in
                _ = try await restAPI(context, in: tx)
                // A put replaces the whole customization: what it omits falls back to AWS's default.
                var response = defaultGatewayResponse(context.string("responseType"))
                response["defaultResponse"] = false
                copyMembers(["statusCode", "responseParameters", "responseTemplates"], from: context.input, into: &response)
                if let code = response["statusCode"]?.stringValue { try validateStatusCode(code) }
                try await tx.put(childKey(Kind.gatewayResponse, context, context.string("responseType")), response)
                return response
            }
        },
        "GetGatewayResponse": { context in try await gatewayResponse(context, in: context.store) },
        "GetGatewayResponses": { context in
            _ = try await restAPI(context, in: context.store)
            let stored = try await context.store.documents(kind: Kind.gatewayResponse, parent: context.string("restApiId"))
            let byType = Dictionary(stored.map { ($0["responseType"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            // AWS does not paginate gateway responses: all types, always.
            return ["items": .array(defaultGatewayResponses.map { byType[$0.type] ?? defaultGatewayResponse($0.type) })]
        },
        "UpdateGatewayResponse": { context in
            try await context.store.write { tx in
                var patched = try gatewayResponsePatcher(context).apply(
                    try PatchOperation.list(from: context.input), to: try await gatewayResponse(context, in: tx))
                patched["defaultResponse"] = false
                try await tx.put(childKey(Kind.gatewayResponse, context, context.string("responseType")), patched)
                return patched
            }
        },
        // Deleting a customized response restores AWS's default.
        "DeleteGatewayResponse": { context in
            try await context.store.write { tx in
                _ = try await restAPI(context, in: tx)
                let key = childKey(Kind.gatewayResponse, context, context.string("responseType"))
                guard try await tx.document(key) != nil else {
                    throw AWSError.notFound("Gateway response type not defined on api")
                }
                try await tx.delete(key)
                return .emptyObject
            }
        },
    ]

    /// Every gateway response type with the status AWS gives it by default (nil for the
    /// DEFAULT_4XX/DEFAULT_5XX families, whose status comes from the error).
    static let defaultGatewayResponses: [(type: String, status: String?)] = [
        ("ACCESS_DENIED", "403"), ("API_CONFIGURATION_ERROR", "500"), ("AUTHORIZER_CONFIGURATION_ERROR", "500"),
        ("AUTHORIZER_FAILURE", "500"), ("BAD_REQUEST_BODY", "400"), ("BAD_REQUEST_PARAMETERS", "400"),
        ("DEFAULT_4XX", nil), ("DEFAULT_5XX", nil), ("EXPIRED_TOKEN", "403"), ("INTEGRATION_FAILURE", "504"),
        ("INTEGRATION_TIMEOUT", "504"), ("INVALID_API_KEY", "403"), ("INVALID_SIGNATURE", "403"),
        ("MISSING_AUTHENTICATION_TOKEN", "403"), ("QUOTA_EXCEEDED", "429"), ("REQUEST_TOO_LARGE", "413"),
        ("RESOURCE_NOT_FOUND", "404"), ("THROTTLED", "429"), ("UNAUTHORIZED", "401"), ("UNSUPPORTED_MEDIA_TYPE", "415"),
        ("WAF_FILTERED", "403"),
    ]

    static func defaultGatewayResponse(_ type: String) -> JSON {
        var response: JSON = [
            "responseType": .string(type), "defaultResponse": true, "responseParameters": .emptyObject,
            "responseTemplates": ["application/json": "{\"message\":$context.error.messageString}"],
        ]
        if let status = defaultGatewayResponses.first(where: { $0.type == type })?.status { response["statusCode"] = .string(status) }
        return response
    }

    /// `statusCode` takes only `replace`; AWS calls anything else on it an invalid path.
    private static func gatewayResponsePatcher(_ context: OperationContext) -> Patcher {
        var patcher = Patcher(model: context.model, shapeName: "GatewayResponse", patchable: ["statusCode", "responseParameters", "responseTemplates"])
        patcher.replaceOnly = ["statusCode"]
        patcher.replaceOnlyError = { .badRequest("Invalid patch path \($0.path)") }
        return patcher
    }

    private static func gatewayResponse(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        _ = try await restAPI(context, in: reader)
        let type = context.string("responseType")
        return try await reader.document(childKey(Kind.gatewayResponse, context, type)) ?? defaultGatewayResponse(type)
    }
}

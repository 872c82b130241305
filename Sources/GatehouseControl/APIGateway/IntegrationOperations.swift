import Foundation
import GatehouseModel

extension APIGateway {
    static let integrationHandlers: [String: OperationHandler] = [
        "PutIntegration": { context in
            let integration = try integration(from: context)
            return try await put(.integration, integration, context, requires: .method) { method throws(AWSError) in
                try checkCacheKeyParameters(of: integration, method: method)
            }
        },
        "GetIntegration": { context in try await get(.integration, context) },
        "UpdateIntegration": { context in
            try await update(.integration, context, patchable: [
                "uri", "httpMethod", "credentials", "requestParameters", "requestTemplates", "passthroughBehavior",
                "contentHandling", "timeoutInMillis", "cacheNamespace", "cacheKeyParameters", "connectionType",
                "connectionId", "tlsConfig", "integrationTarget", "responseTransferMode",
            ])
        },
        "DeleteIntegration": { context in try await delete(.integration, context) },
        "PutIntegrationResponse": { context in
            try validateStatusCode(context.string("statusCode"))
            var response: JSON = ["statusCode": .string(context.string("statusCode"))]
            copyMembers(["selectionPattern", "responseParameters", "responseTemplates", "contentHandling"], from: context.input, into: &response)
            // AWS answers (and keeps) an empty template as null.
            if let templates = response["responseTemplates"]?.objectValue {
                response["responseTemplates"] = .object(templates.mapValues { $0 == "" ? .null : $0 })
            }
            return try await put(.integrationResponse, response, context, requires: .integrationForResponse)
        },
        "GetIntegrationResponse": { context in try await get(.integrationResponse, context) },
        "UpdateIntegrationResponse": { context in
            try await update(.integrationResponse, context, patchable: [
                "selectionPattern", "responseParameters", "responseTemplates", "contentHandling",
            ])
        },
        "DeleteIntegrationResponse": { context in try await delete(.integrationResponse, context) },
    ]

    /// Each of `cacheKeyParameters` must be one of the method's request parameters (or of the
    /// integration's, for an `integration.request.*` name).
    private static func checkCacheKeyParameters(of integration: JSON, method: JSON) throws(AWSError) {
        for name in integration["cacheKeyParameters"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let declared = name.hasPrefix("integration.request.") ? integration["requestParameters"] : method["requestParameters"]
            if declared?[name] == nil { throw .badRequest("Invalid cache key parameter specified") }
        }
    }

    /// The integration document for a PutIntegration, validated per type as AWS validates it.
    static func integration(from context: OperationContext) throws(AWSError) -> JSON {
        let input = context.input
        let type = context.string("type")
        let uri = input["uri"]?.stringValue
        let httpMethod = input["integrationHttpMethod"]?.stringValue
        if type != "MOCK" {
            guard let httpMethod, !httpMethod.isEmpty else {
                throw .badRequest("Enumeration value for HttpMethod must be non-empty")
            }
            guard httpMethods.contains(httpMethod) else {
                throw .badRequest("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
            }
            guard let uri, !uri.isEmpty else { throw .badRequest("Invalid integration URI specified") }
            switch type {
            case "HTTP", "HTTP_PROXY":
                if input["connectionType"]?.stringValue != "VPC_LINK",
                    !(uri.hasPrefix("http://") || uri.hasPrefix("https://")) || URL(string: uri.replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D"))?.host == nil
                {
                    throw .badRequest("Invalid HTTP endpoint specified for URI")
                }
            case "AWS", "AWS_PROXY":
                guard uri.hasPrefix("arn:aws:apigateway:"), uri.contains(":path/") || uri.contains(":action/") else {
                    throw .badRequest("AWS ARN for integration must contain path or action")
                }
                if type == "AWS_PROXY" && httpMethod != "POST" && uri.contains(":lambda:") {
                    throw .badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
                }
            default:
                break
            }
        }
        var integration: JSON = [
            "type": .string(type),
            "passthroughBehavior": input["passthroughBehavior"] ?? "WHEN_NO_MATCH",
            "timeoutInMillis": input["timeoutInMillis"] ?? 29000,
            "cacheNamespace": input["cacheNamespace"] ?? .string(context.string("resourceId")),
            "cacheKeyParameters": input["cacheKeyParameters"] ?? [],
        ]
        if let timeout = integration["timeoutInMillis"]?.intValue, !(50...29000).contains(timeout) {
            throw .badRequest("Timeout should be between 50 ms and 29000 ms")
        }
        if type != "MOCK" {
            integration["httpMethod"] = .string(httpMethod ?? "")
            integration["uri"] = .string(uri ?? "")
            integration["connectionType"] = input["connectionType"] ?? "INTERNET"
        }
        copyMembers(
            ["credentials", "requestParameters", "requestTemplates", "contentHandling", "connectionId", "tlsConfig",
             "integrationTarget", "responseTransferMode"],
            from: input, into: &integration)
        return integration
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

/// Methods, method responses, integrations and integration responses live inside their resource's
/// document, under `resourceMethods.{METHOD}`, as AWS returns them with `embed=methods`.
extension APIGateway {
    /// Where one of the nested parts of a method sits, and what AWS says when it is missing.
    struct MethodPart: Sendable {
        /// Path inside the method document; empty for the method itself.
        var path: @Sendable (OperationContext) -> [String]
        var notFound: String
        var shape: String

        static let method = MethodPart(path: { _ in [] }, notFound: "Invalid Method identifier specified", shape: "Method")
        static let methodResponse = MethodPart(
            path: { ["methodResponses", $0.string("statusCode")] }, notFound: "Invalid Response status code specified",
            shape: "MethodResponse")
        static let integration = MethodPart(
            path: { _ in ["methodIntegration"] }, notFound: "Invalid Integration identifier specified", shape: "Integration")
        /// The integration as PutIntegrationResponse requires it (AWS words the miss differently there).
        static let integrationForResponse = MethodPart(
            path: { _ in ["methodIntegration"] }, notFound: "No integration defined for method", shape: "Integration")
        static let integrationResponse = MethodPart(
            path: { ["methodIntegration", "integrationResponses", $0.string("statusCode")] },
            notFound: "Invalid Response status code specified", shape: "IntegrationResponse")
    }

    static let methodHandlers: [String: OperationHandler] = [
        "PutMethod": putMethod,
        "GetMethod": { context in try await get(.method, context) },
        "UpdateMethod": { context in
            try await update(.method, context, patchable: [
                "authorizationType", "authorizerId", "apiKeyRequired", "operationName", "requestParameters",
                "requestModels", "requestValidatorId", "authorizationScopes",
            ], replaceOnly: ["authorizationType", "authorizerId", "apiKeyRequired", "operationName", "requestValidatorId"])
        },
        "DeleteMethod": { context in try await delete(.method, context) },
        "PutMethodResponse": { context in
            try validateStatusCode(context.string("statusCode"))
            var response: JSON = ["statusCode": .string(context.string("statusCode"))]
            copyMembers(["responseParameters", "responseModels"], from: context.input, into: &response)
            return try await put(.methodResponse, response, context, requires: .method)
        },
        "GetMethodResponse": { context in try await get(.methodResponse, context) },
        "UpdateMethodResponse": { context in
            try await update(.methodResponse, context, patchable: ["responseParameters", "responseModels"])
        },
        "DeleteMethodResponse": { context in try await delete(.methodResponse, context) },
    ]

    static let httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]

    private static let invalidAuthorizer =
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."

    static func validateStatusCode(_ code: String) throws(AWSError) {
        guard code.count == 3, let number = Int(code), (100...599).contains(number) else {
            throw AWSError("ValidationException", status: 400,
                "1 validation error detected: Value '\(code)' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d")
        }
    }

    private static func putMethod(_ context: OperationContext) async throws -> JSON {
        let httpMethod = context.string("httpMethod")
        guard httpMethods.contains(httpMethod) else {
            throw AWSError.badRequest("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
        }
        // AWS takes the type in any case and echoes it as sent (`none`).
        let authorization = context.string("authorizationType")
        guard ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"].contains(authorization.uppercased()) else {
            throw AWSError.badRequest("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
        }
        if ["CUSTOM", "COGNITO_USER_POOLS"].contains(authorization.uppercased()) && context.input["authorizerId"] == nil {
            throw AWSError.badRequest(invalidAuthorizer)
        }
        var method: JSON = [
            "httpMethod": .string(httpMethod), "authorizationType": .string(authorization),
            "apiKeyRequired": context.input["apiKeyRequired"] ?? false,
        ]
        copyMembers(
            ["authorizerId", "operationName", "requestParameters", "requestModels", "requestValidatorId", "authorizationScopes"],
            from: context.input, into: &method)
        let created = method
        return try await context.store.write { tx in
            var resource = try await resource(context.string("resourceId"), context, in: tx)
            if resource["resourceMethods"]?[httpMethod] != nil {
                throw AWSError.conflict("Method already exists for this resource")
            }
            // A method naming a missing authorizer or validator is a bad request, not a missing resource.
            if let authorizerID = created["authorizerId"]?.stringValue,
                try await tx.document(childKey(Kind.authorizer, context, authorizerID)) == nil
            {
                throw AWSError.badRequest(invalidAuthorizer)
            }
            if let validatorID = created["requestValidatorId"]?.stringValue,
                try await tx.document(childKey(Kind.requestValidator, context, validatorID)) == nil
            {
                throw AWSError.badRequest("Invalid Request Validator identifier specified")
            }
            for model in (created["requestModels"]?.objectValue ?? [:]).values.compactMap(\.stringValue)
            where try await tx.document(childKey(Kind.model, context, model)) == nil {
                throw AWSError.badRequest("Invalid model identifier specified: \(model)")
            }
            var methods = resource["resourceMethods"]?.objectValue ?? [:]
            methods[httpMethod] = created
            resource["resourceMethods"] = .object(methods)
            try await tx.put(resourceKey(context, context.string("resourceId")), resource)
            return created
        }
    }

    /// The method named by the input inside `resource`, or AWS's NotFoundException.
    private static func method(in resource: JSON, _ context: OperationContext) throws(AWSError) -> JSON {
        guard let method = resource["resourceMethods"]?[context.string("httpMethod")] else {
            throw .notFound(MethodPart.method.notFound)
        }
        return method
    }

    static func get(_ part: MethodPart, _ context: OperationContext) async throws -> JSON {
        let resource = try await resource(context.string("resourceId"), context, in: context.store)
        let method = try method(in: resource, context)
        try requireParents(of: part, in: method, context)
        guard let value = Patcher.value(at: part.path(context)[...], in: method) else { throw AWSError.notFound(part.notFound) }
        return value
    }

    /// Stores `value` at `part`, creating or replacing it; `requires` must already exist and
    /// `check` accept the method.
    static func put(
        _ part: MethodPart, _ value: JSON, _ context: OperationContext, requires: MethodPart,
        check: @escaping @Sendable (JSON) throws(AWSError) -> Void = { _ in }
    ) async throws -> JSON {
        try await modifyMethod(context) { method in
            guard requires.path(context).isEmpty || Patcher.value(at: requires.path(context)[...], in: method) != nil else {
                throw AWSError.notFound(requires.notFound)
            }
            try check(method)
            method = try setValue(value, at: part.path(context), in: method)
            return value
        }
    }

    static func update(
        _ part: MethodPart, _ context: OperationContext, patchable: Set<String>? = nil, replaceOnly: Set<String> = []
    ) async throws -> JSON {
        try await modifyMethod(context) { method in
            try requireParents(of: part, in: method, context)
            let path = part.path(context)
            guard let current = Patcher.value(at: path[...], in: method) else { throw AWSError.notFound(part.notFound) }
            let patched = try patch(current, context, shape: part.shape, patchable: patchable, replaceOnly: replaceOnly)
            method = try setValue(patched, at: path, in: method)
            return patched
        }
    }

    static func delete(_ part: MethodPart, _ context: OperationContext) async throws -> JSON {
        let httpMethod = context.string("httpMethod")
        return try await context.store.write { tx in
            var resource = try await resource(context.string("resourceId"), context, in: tx)
            guard let method = resource["resourceMethods"]?[httpMethod] else {
                // Deleting an integration response of a missing method, AWS reports the integration missing.
                throw AWSError.notFound(part.path(context).first == "methodIntegration" ? MethodPart.integration.notFound : MethodPart.method.notFound)
            }
            try requireParents(of: part, in: method, context)
            let path = part.path(context)
            if path.isEmpty {
                resource["resourceMethods"]?[httpMethod] = nil
            } else {
                guard Patcher.value(at: path[...], in: method) != nil else { throw AWSError.notFound(part.notFound) }
                resource["resourceMethods"]?[httpMethod] = Patcher.removing(path[...], in: method)
            }
            try await tx.put(resourceKey(context, context.string("resourceId")), resource)
            return .emptyObject
        }
    }

    /// An integration response needs its integration: report that one missing first, as AWS does.
    private static func requireParents(of part: MethodPart, in method: JSON, _ context: OperationContext) throws(AWSError) {
        let path = part.path(context)
        if path.count > 1, path[0] == "methodIntegration", method["methodIntegration"] == nil {
            throw .notFound(MethodPart.integration.notFound)
        }
    }

    /// Runs `change` on the input's method inside a write transaction and stores the resource.
    private static func modifyMethod(
        _ context: OperationContext, _ change: @escaping @Sendable (inout JSON) throws -> JSON
    ) async throws -> JSON {
        let httpMethod = context.string("httpMethod")
        return try await context.store.write { tx in
            var resource = try await resource(context.string("resourceId"), context, in: tx)
            var method = try method(in: resource, context)
            let result = try change(&method)
            resource["resourceMethods"]?[httpMethod] = method
            try await tx.put(resourceKey(context, context.string("resourceId")), resource)
            return result
        }
    }

    private static func setValue(_ value: JSON, at path: [String], in document: JSON) throws -> JSON {
        guard let head = path.first else { return value }
        var document = document
        document[head] = try setValue(value, at: Array(path.dropFirst()), in: document[head] ?? .emptyObject)
        return document
    }
}

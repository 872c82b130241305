import Foundation
import GatehouseModel

/// A deployed REST API as an OpenAPI document (`GetExport`): OpenAPI 3.0.1 or Swagger 2.0, built
/// from the stage's deployment snapshot, with `x-amazon-apigateway-integration` when the
/// `integrations` or `apigateway` extensions are asked for, and every other API Gateway extension
/// with `apigateway`. The shapes are AWS's recorded exports (`docs/aws/apigateway-behaviour.md`).
struct OpenAPIExport {
    let snapshot: JSON
    let stage: String
    let region: String
    let swagger: Bool
    /// `x-amazon-apigateway-integration` on each method.
    let integrations: Bool
    /// Every other `x-amazon-apigateway-*` extension.
    let apigateway: Bool
    /// `x-amazon-apigateway-authorizer` in the security schemes (`authorizers`, or either of the above).
    var authorizers = false
    /// The stage's documentation version, named in the export's documentation.
    var documentationVersion: String? = nil

    private var api: JSON { snapshot["restApi"] ?? .emptyObject }
    private var apiID: String { api["id"]?.stringValue ?? "" }

    func document() -> JSON {
        var document: JSON = swagger
            ? [
                "swagger": "2.0", "host": .string("\(apiID).execute-api.\(region).amazonaws.com"), "basePath": .string("/\(stage)"),
                "schemes": ["https"],
            ]
            : [
                "openapi": "3.0.1",
                "servers": [[
                    "url": .string("https://\(apiID).execute-api.\(region).amazonaws.com/{basePath}"),
                    "variables": ["basePath": ["default": .string(stage)]],
                ]],
            ]
        var info: JSON = ["title": api["name"] ?? "", "version": api["version"] ?? .string(Self.isoDate(api["createdDate"]))]
        if let description = api["description"] { info["description"] = description }
        document["info"] = info
        document["paths"] = .object(paths())
        let schemas = models(), schemes = securitySchemes()
        if swagger {
            if !schemas.isEmpty { document["definitions"] = .object(schemas) }
            if !schemes.isEmpty { document["securityDefinitions"] = .object(schemes) }
        } else {
            var components: JSON = .emptyObject
            if !schemas.isEmpty { components["schemas"] = .object(schemas) }
            if !schemes.isEmpty { components["securitySchemes"] = .object(schemes) }
            document["components"] = components
        }
        if apigateway { document = document.overlaid(with: .object(apiExtensions())) }
        return document
    }

    // MARK: Paths

    private func paths() -> [String: JSON] {
        var paths: [String: JSON] = [:]
        for resource in snapshot["resources"]?.arrayValue ?? [] {
            guard let path = resource["path"]?.stringValue, let methods = resource["resourceMethods"]?.objectValue, !methods.isEmpty else { continue }
            var operations: [String: JSON] = [:]
            for (name, method) in methods {
                operations[name == "ANY" ? "x-amazon-apigateway-any-method" : name.lowercased()] = operation(method, resource: resource)
            }
            paths[path] = .object(operations)
        }
        return paths
    }

    private func operation(_ method: JSON, resource: JSON) -> JSON {
        var operation: JSON = .emptyObject
        if let name = method["operationName"] { operation["operationId"] = name }
        var parameters = (method["requestParameters"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap(parameter)
        let requestModel = method["requestModels"]?["application/json"]?.stringValue
        if let requestModel {
            if swagger {
                parameters.append(["in": "body", "name": .string(requestModel), "required": true, "schema": ["$ref": .string(reference(requestModel))]])
            } else {
                operation["requestBody"] = ["content": ["application/json": ["schema": ["$ref": .string(reference(requestModel))]]], "required": true]
            }
        }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        operation["responses"] = .object((method["methodResponses"]?.objectValue ?? [:]).mapValues(response))
        if let security = security(method) { operation["security"] = security }
        let integration = method["methodIntegration"]
        if swagger {
            let consumes = Set((method["requestModels"]?.objectValue ?? [:]).keys).union((integration?["requestTemplates"]?.objectValue ?? [:]).keys)
            var produces = Set<String>()
            for response in (method["methodResponses"]?.objectValue ?? [:]).values { produces.formUnion((response["responseModels"]?.objectValue ?? [:]).keys) }
            for response in (integration?["integrationResponses"]?.objectValue ?? [:]).values {
                produces.formUnion((response["responseTemplates"]?.objectValue ?? [:]).keys)
            }
            if !consumes.isEmpty { operation["consumes"] = .array(consumes.sorted().map(JSON.string)) }
            if !produces.isEmpty { operation["produces"] = .array(produces.sorted().map(JSON.string)) }
        }
        if apigateway, let validatorID = method["requestValidatorId"]?.stringValue,
            let validator = (snapshot["requestValidators"]?.arrayValue ?? []).first(where: { $0["id"]?.stringValue == validatorID })
        {
            operation["x-amazon-apigateway-request-validator"] = validator["name"]
        }
        if integrations || apigateway, let integration {
            operation["x-amazon-apigateway-integration"] = exported(integration, resourceID: resource["id"]?.stringValue)
        }
        return operation
    }

    /// `method.request.querystring.name` → a parameter object.
    private func parameter(_ entry: (key: String, value: JSON)) -> JSON? {
        let parts = entry.key.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "method", parts[1] == "request" else { return nil }
        let location = ["querystring": "query", "path": "path", "header": "header"][parts[2]] ?? parts[2]
        let required = location == "path" || entry.value.boolValue == true
        var parameter: JSON = ["name": .string(parts[3]), "in": .string(location)]
        if swagger {
            parameter["required"] = .bool(required)
            parameter["type"] = "string"
        } else {
            if required { parameter["required"] = true }
            parameter["schema"] = ["type": "string"]
        }
        return parameter
    }

    private func response(_ response: JSON) -> JSON {
        var exported: JSON = ["description": .string("\(response["statusCode"]?.stringValue ?? "") response")]
        let headers = (response["responseParameters"]?.objectValue ?? [:]).keys.compactMap { $0.dropPrefix("method.response.header.") }.sorted()
        if !headers.isEmpty {
            exported["headers"] = .object(Dictionary(uniqueKeysWithValues: headers.map {
                ($0, swagger ? ["type": "string"] : ["schema": ["type": "string"]] as JSON)
            }))
        }
        let models = response["responseModels"]?.objectValue ?? [:]
        if swagger {
            if let model = models["application/json"]?.stringValue { exported["schema"] = ["$ref": .string(reference(model))] }
        } else {
            exported["content"] = .object(models.compactMapValues { $0.stringValue.map { ["schema": ["$ref": .string(reference($0))]] } })
        }
        return exported
    }

    private func security(_ method: JSON) -> JSON? {
        var requirements: [JSON] = []
        switch (method["authorizationType"]?.stringValue ?? "NONE").uppercased() {
        case "AWS_IAM":
            requirements.append(["sigv4": []])
        case "CUSTOM", "COGNITO_USER_POOLS":
            if let name = authorizer(method["authorizerId"]?.stringValue)?["name"]?.stringValue {
                requirements.append([name: method["authorizationScopes"] ?? []])
            }
        default:
            break
        }
        if method["apiKeyRequired"] == true { requirements.append(["api_key": []]) }
        return requirements.isEmpty ? nil : .array(requirements)
    }

    private func authorizer(_ id: String?) -> JSON? {
        (snapshot["authorizers"]?.arrayValue ?? []).first { $0["id"]?.stringValue == id }
    }

    /// An integration as `x-amazon-apigateway-integration`: types in lower case, defaults left out.
    private func exported(_ integration: JSON, resourceID: String?) -> JSON {
        var exported: JSON = ["type": .string((integration["type"]?.stringValue ?? "").lowercased())]
        for name in ["httpMethod", "uri", "credentials", "requestParameters", "requestTemplates", "contentHandling"] {
            if let value = integration[name], value != .null { exported[name] = value }
        }
        exported["passthroughBehavior"] = .string((integration["passthroughBehavior"]?.stringValue ?? "WHEN_NO_MATCH").lowercased())
        if let timeout = integration["timeoutInMillis"]?.intValue, timeout != 29000 { exported["timeoutInMillis"] = .number(Double(timeout)) }
        if let namespace = integration["cacheNamespace"]?.stringValue, namespace != resourceID { exported["cacheNamespace"] = .string(namespace) }
        if let keys = integration["cacheKeyParameters"]?.arrayValue, !keys.isEmpty { exported["cacheKeyParameters"] = .array(keys) }
        if integration["connectionType"] == "VPC_LINK" {
            exported["connectionType"] = "VPC_LINK"
            exported["connectionId"] = integration["connectionId"]
        }
        var responses: [String: JSON] = [:]
        for response in (integration["integrationResponses"]?.objectValue ?? [:]).values {
            var entry: JSON = ["statusCode": response["statusCode"] ?? "200"]
            for name in ["responseParameters", "responseTemplates", "contentHandling"] {
                if let value = response[name], value != .null { entry[name] = value }
            }
            let pattern = response["selectionPattern"]?.stringValue ?? ""
            responses[pattern.isEmpty ? "default" : pattern] = entry
        }
        if !responses.isEmpty { exported["responses"] = .object(responses) }
        return exported
    }

    // MARK: Components

    private func reference(_ model: String) -> String {
        (swagger ? "#/definitions/" : "#/components/schemas/") + model
    }

    private func models() -> [String: JSON] {
        let stored = "https://apigateway.amazonaws.com/restapis/\(apiID)/models/"
        var schemas: [String: JSON] = [:]
        for model in snapshot["models"]?.arrayValue ?? [] {
            guard let name = model["name"]?.stringValue, let text = model["schema"]?.stringValue,
                let schema = try? JSON(parsing: Data(text.utf8))
            else { continue }
            schemas[name] = OpenAPIReferences.rewrite(schema) { $0.dropPrefix(stored).map(reference) ?? $0 }
        }
        return schemas
    }

    private func securitySchemes() -> [String: JSON] {
        var schemes: [String: JSON] = [:]
        for resource in snapshot["resources"]?.arrayValue ?? [] {
            for method in (resource["resourceMethods"]?.objectValue ?? [:]).values {
                if method["authorizationType"]?.stringValue?.uppercased() == "AWS_IAM" {
                    schemes["sigv4"] = ["type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"]
                }
                if method["apiKeyRequired"] == true { schemes["api_key"] = ["type": "apiKey", "name": "x-api-key", "in": "header"] }
            }
        }
        for authorizer in snapshot["authorizers"]?.arrayValue ?? [] {
            guard let name = authorizer["name"]?.stringValue else { continue }
            let type = authorizer["type"]?.stringValue ?? "TOKEN"
            let header = authorizer["identitySource"]?.stringValue?.dropPrefix("method.request.header.")
            var scheme: JSON = [
                "type": "apiKey", "name": .string(type == "REQUEST" ? "Unused" : header ?? "Authorization"), "in": "header",
                "x-amazon-apigateway-authtype": authorizer["authType"] ?? .string(type == "COGNITO_USER_POOLS" ? "cognito_user_pools" : "custom"),
            ]
            if integrations || apigateway || authorizers {
                var details: JSON = ["type": .string(type.lowercased())]
                for member in ["authorizerUri", "authorizerCredentials", "identityValidationExpression", "authorizerResultTtlInSeconds", "providerARNs"] {
                    if let value = authorizer[member], value != .null { details[member] = value }
                }
                if type == "REQUEST", let source = authorizer["identitySource"] { details["identitySource"] = source }
                scheme["x-amazon-apigateway-authorizer"] = details
            }
            schemes[name] = scheme
        }
        return schemes
    }

    /// The API-wide extensions: validators, gateway responses, policy, binary types, key source, compression.
    private func apiExtensions() -> [String: JSON] {
        var extensions: [String: JSON] = [:]
        let validators = snapshot["requestValidators"]?.arrayValue ?? []
        if !validators.isEmpty {
            extensions["x-amazon-apigateway-request-validators"] = .object(Dictionary(validators.compactMap { validator in
                validator["name"]?.stringValue.map { ($0, ["validateRequestBody": validator["validateRequestBody"] ?? false,
                                                            "validateRequestParameters": validator["validateRequestParameters"] ?? false] as JSON) }
            }, uniquingKeysWith: { first, _ in first }))
        }
        var responses: [String: JSON] = [:]
        for response in snapshot["gatewayResponses"]?.arrayValue ?? [] {
            guard let type = response["responseType"]?.stringValue else { continue }
            var entry: JSON = .emptyObject
            for name in ["statusCode", "responseParameters", "responseTemplates"] {
                if let value = response[name], value != .null { entry[name] = value }
            }
            responses[type] = entry
        }
        if !responses.isEmpty { extensions["x-amazon-apigateway-gateway-responses"] = .object(responses) }
        if let policy = api["policy"]?.stringValue, let parsed = try? JSON(parsing: Data(policy.utf8)) { extensions["x-amazon-apigateway-policy"] = parsed }
        if let types = api["binaryMediaTypes"], types.arrayValue?.isEmpty == false { extensions["x-amazon-apigateway-binary-media-types"] = types }
        if let source = api["apiKeySource"] { extensions["x-amazon-apigateway-api-key-source"] = source }
        if let size = api["minimumCompressionSize"], size != .null { extensions["x-amazon-apigateway-minimum-compression-size"] = size }
        let parts = snapshot["documentationParts"]?.arrayValue ?? []
        if !parts.isEmpty {
            var documentation: JSON = ["documentationParts": .array(parts.map { part in
                ["location": part["location"] ?? .emptyObject,
                 "properties": part["properties"]?.stringValue.flatMap { try? JSON(parsing: Data($0.utf8)) } ?? .emptyObject] as JSON
            })]
            if let documentationVersion { documentation["version"] = .string(documentationVersion) }
            extensions["x-amazon-apigateway-documentation"] = documentation
        }
        return extensions
    }

    /// `2017-04-20T04:08:08Z` from epoch seconds: the version of an API without one.
    static func isoDate(_ seconds: JSON?) -> String {
        Date(timeIntervalSince1970: seconds?.doubleValue ?? 0).utc("yyyy-MM-dd'T'HH:mm:ss'Z'")
    }
}

/// `$ref`s inside a schema, rewritten one by one.
enum OpenAPIReferences {
    static func rewrite(_ value: JSON, _ transform: (String) -> String) -> JSON {
        switch value {
        case .object(let members):
            var out: [String: JSON] = [:]
            for (key, member) in members {
                out[key] = key == "$ref" ? member.stringValue.map { .string(transform($0)) } ?? member : rewrite(member, transform)
            }
            return .object(out)
        case .array(let items):
            return .array(items.map { rewrite($0, transform) })
        default:
            return value
        }
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

/// An OpenAPI 3 or Swagger 2 definition with API Gateway's extensions, turned into a REST API
/// (`ImportRestApi`, `PutRestApi`). The definition becomes the same operations a client would
/// call — CreateModel, CreateAuthorizer, CreateResource, PutMethod, PutIntegration… — run through
/// their own handlers, so an imported API is checked and stored exactly as one built call by
/// call. A refused operation is an import error worded as AWS words them.
struct OpenAPIImport {
    let document: JSON
    /// The `parameters` of the request: `basepath`, `endpointConfigurationTypes`, `ignore`.
    let parameters: [String: String]
    /// What AWS would warn about (`RestApi.warnings`).
    private(set) var warnings: [String] = []

    var isSwagger: Bool { document["swagger"] != nil }

    static let invalidInput = AWSError.badRequest("Invalid OpenAPI input.")

    /// The definition in `body` (JSON or YAML), with `${AWS::Region}`, `${AWS::AccountId}` and
    /// `${AWS::Partition}` resolved.
    init(body: Data, parameters: [String: String], caller: Caller) throws(AWSError) {
        let text = String(decoding: body, as: UTF8.self)
            .replacingOccurrences(of: "${AWS::Region}", with: caller.region)
            .replacingOccurrences(of: "${AWS::AccountId}", with: caller.accountId)
            .replacingOccurrences(of: "${AWS::Partition}", with: "aws")
        let parsed = (try? JSON(parsing: Data(text.utf8))) ?? YAML.parse(text)
        guard let document = parsed, document["openapi"] != nil || document["swagger"] != nil, document["paths"]?.objectValue != nil
        else { throw Self.invalidInput }
        self.document = document
        self.parameters = parameters
    }

    // MARK: The API itself

    /// The CreateRestApi input the definition's `info` and API-wide extensions make.
    func restAPIInput() throws(AWSError) -> JSON {
        guard let title = document["info"]?["title"]?.stringValue, !title.isEmpty else { throw Self.invalidInput }
        var input: JSON = ["name": .string(title)]
        for (member, value) in apiSettings() { input[member] = value }
        let endpoint = document["x-amazon-apigateway-endpoint-configuration"]
        if let types = parameters["endpointConfigurationTypes"] {
            input["endpointConfiguration"] = ["types": .array(types.split(separator: ",").map { .string(String($0)) })]
        }
        if let ids = endpoint?["vpcEndpointIds"] { input["endpointConfiguration"] = (input["endpointConfiguration"] ?? .emptyObject).overlaid(with: ["vpcEndpointIds": ids]) }
        if let disabled = endpoint?["disableExecuteApiEndpoint"] { input["disableExecuteApiEndpoint"] = disabled }
        return input
    }

    /// The members of the RestApi the definition sets: description, version, binary media
    /// types, API key source, policy, minimum compression size.
    func apiSettings() -> [String: JSON] {
        var settings: [String: JSON] = [:]
        if let description = document["info"]?["description"] { settings["description"] = description }
        if let version = document["info"]?["version"] { settings["version"] = .string(version.plainText) }
        if let types = document["x-amazon-apigateway-binary-media-types"] { settings["binaryMediaTypes"] = types }
        if let source = document["x-amazon-apigateway-api-key-source"] { settings["apiKeySource"] = source }
        if let policy = document["x-amazon-apigateway-policy"] {
            settings["policy"] = policy.stringValue.map(JSON.string) ?? .string(String(decoding: policy.serialized(), as: UTF8.self))
        }
        if let size = document["x-amazon-apigateway-minimum-compression-size"] { settings["minimumCompressionSize"] = size }
        return settings
    }

    // MARK: What the API holds

    /// Creates the definition's models, validators, authorizers, gateway responses, resources and
    /// methods in the API `context` names (`restApiId`); with `replacingMethods`, a method that
    /// exists already is replaced (PutRestApi's merge).
    mutating func apply(_ context: OperationContext, replacingMethods: Bool = false) async throws {
        let apiID = context.string("restApiId")
        let run = OperationRunner(context: context)
        try await createModels(run, apiID: apiID)
        let validators = try await createValidators(run)
        let authorizers = try await createAuthorizers(run)
        for (type, response) in (document["x-amazon-apigateway-gateway-responses"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            var input: JSON = ["responseType": .string(type)]
            if let status = response["statusCode"] { input["statusCode"] = .string(status.plainText) }
            for name in ["responseParameters", "responseTemplates"] { input[name] = response[name] }
            try await run("PutGatewayResponse", input, failure: "Unable to put gateway response '\(type)'")
        }
        if parameters["ignore"] != "documentation", let documentation = document["x-amazon-apigateway-documentation"] {
            try await run("ImportDocumentationParts", [
                "body": .string(documentation.serialized().base64EncodedString()), "mode": "merge",
            ], failure: "Unable to import documentation")
            if let version = documentation["version"] {
                try await run("CreateDocumentationVersion", ["documentationVersion": .string(version.plainText)],
                              failure: "Unable to create documentation version")
            }
        }
        var resources: [String: String] = [:]
        for resource in try await context.store.documents(kind: DocumentKind.resource, parent: apiID) {
            if let path = resource["path"]?.stringValue, let id = resource["id"]?.stringValue { resources[path] = id }
        }
        for (path, item) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let fullPath = resourcePath(path)
            let resourceID = try await ensureResource(fullPath, in: &resources, run)
            for (key, operation) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let httpMethod = Self.methods[key] else { continue }
                try await putMethod(
                    httpMethod, operation, pathItem: item, path: fullPath, resourceID: resourceID, validators: validators,
                    authorizers: authorizers, replacing: replacingMethods, run)
            }
        }
    }

    private static let methods = [
        "get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS", "head": "HEAD", "patch": "PATCH",
        "x-amazon-apigateway-any-method": "ANY",
    ]

    private var schemas: [String: JSON] {
        (isSwagger ? document["definitions"] : document["components"]?["schemas"])?.objectValue ?? [:]
    }

    private var securitySchemes: [String: JSON] {
        (isSwagger ? document["securityDefinitions"] : document["components"]?["securitySchemes"])?.objectValue ?? [:]
    }

    /// The model a `$ref` names (`#/definitions/Pet`, `#/components/schemas/Pet`).
    private static func modelName(_ reference: String?) -> String? {
        guard let reference else { return nil }
        return reference.dropPrefix("#/definitions/") ?? reference.dropPrefix("#/components/schemas/")
    }

    private func createModels(_ run: OperationRunner, apiID: String) async throws {
        let stored = "https://apigateway.amazonaws.com/restapis/\(apiID)/models/"
        for (name, schema) in schemas.sorted(by: { $0.key < $1.key }) {
            let rewritten = OpenAPIReferences.rewrite(schema) { Self.modelName($0).map { stored + $0 } ?? $0 }
            var input: JSON = [
                "name": .string(name), "contentType": "application/json", "schema": .string(String(decoding: rewritten.serialized(), as: UTF8.self)),
            ]
            if let description = schema["description"] { input["description"] = description }
            if try await run.exists(DocumentKind.model, name) {
                try await run("DeleteModel", ["modelName": .string(name)], failure: "Unable to replace model for '\(name)'")
            }
            try await run("CreateModel", input, failure: "Unable to create model for '\(name)'")
        }
    }

    /// Validators by name → id.
    private func createValidators(_ run: OperationRunner) async throws -> [String: String] {
        var ids: [String: String] = [:]
        for (name, validator) in (document["x-amazon-apigateway-request-validators"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let created = try await run(
                "CreateRequestValidator",
                ["name": .string(name), "validateRequestBody": validator["validateRequestBody"] ?? false,
                 "validateRequestParameters": validator["validateRequestParameters"] ?? false],
                failure: "Unable to create request validator '\(name)'")
            ids[name] = created["id"]?.stringValue
        }
        return ids
    }

    /// Authorizers by security scheme name → id: every scheme with `x-amazon-apigateway-authorizer`,
    /// used or not.
    private func createAuthorizers(_ run: OperationRunner) async throws -> [String: String] {
        var ids: [String: String] = [:]
        for (name, scheme) in securitySchemes.sorted(by: { $0.key < $1.key }) {
            guard let authorizer = scheme["x-amazon-apigateway-authorizer"] else { continue }
            let type = (authorizer["type"]?.stringValue ?? "token").uppercased()
            var input: JSON = ["name": .string(name), "type": .string(type)]
            if let authType = scheme["x-amazon-apigateway-authtype"] { input["authType"] = authType }
            for member in ["authorizerUri", "authorizerCredentials", "identityValidationExpression", "providerARNs", "authorizerResultTtlInSeconds"] {
                if let value = authorizer[member], value != "" { input[member] = value }
            }
            if type == "REQUEST" {
                if let source = authorizer["identitySource"], source != "" { input["identitySource"] = source }
            } else if let header = scheme["name"]?.stringValue {
                input["identitySource"] = .string("method.request.header.\(header)")
            }
            let created = try await run("CreateAuthorizer", input, failure: "Unable to create authorizer '\(name)'")
            ids[name] = created["id"]?.stringValue
        }
        return ids
    }

    // MARK: Resources and methods

    /// Every resource path the definition makes, with the ones above them.
    func resourcePaths() -> Set<String> {
        var paths: Set<String> = ["/"]
        for path in (document["paths"]?.objectValue ?? [:]).keys {
            var segments = resourcePath(path).split(separator: "/")
            while !segments.isEmpty {
                paths.insert("/" + segments.joined(separator: "/"))
                segments.removeLast()
            }
        }
        return paths
    }

    /// `path` under the base path the `basepath` parameter says to keep (`prepend`: all of it,
    /// `split`: all but its first segment; `ignore`, the default: none).
    private func resourcePath(_ path: String) -> String {
        let mode = parameters["basepath"] ?? "ignore"
        guard mode != "ignore" else { return path }
        var segments = basePath().split(separator: "/").map(String.init)
        if mode == "split", !segments.isEmpty { segments.removeFirst() }
        let prefix = segments.isEmpty ? "" : "/" + segments.joined(separator: "/")
        return path == "/" ? (prefix.isEmpty ? "/" : prefix) : prefix + path
    }

    /// Swagger's `basePath`; in OpenAPI 3, the first server's `basePath` variable, else its URL's path.
    private func basePath() -> String {
        if isSwagger { return document["basePath"]?.stringValue ?? "" }
        let server = document["servers"]?.arrayValue?.first
        if let variable = server?["variables"]?["basePath"]?["default"]?.stringValue { return variable }
        guard let url = server?["url"]?.stringValue else { return "" }
        return URLComponents(string: url)?.path ?? ""
    }

    /// The id of the resource at `path`, creating it and the ones above it.
    private func ensureResource(_ path: String, in resources: inout [String: String], _ run: OperationRunner) async throws -> String {
        if let id = resources[path] { return id }
        let parentPath = path.split(separator: "/").dropLast().joined(separator: "/")
        let parentID = try await ensureResource("/" + parentPath, in: &resources, run)
        let part = String(path.split(separator: "/").last ?? "")
        let created = try await run(
            "CreateResource", ["parentId": .string(parentID), "pathPart": .string(part)], failure: "Unable to create resource at path '\(path)'")
        let id = created["id"]?.stringValue ?? ""
        resources[path] = id
        return id
    }

    private mutating func putMethod(
        _ httpMethod: String, _ operation: JSON, pathItem: JSON, path: String, resourceID: String, validators: [String: String],
        authorizers: [String: String], replacing: Bool, _ run: OperationRunner
    ) async throws {
        var method: JSON = [
            "resourceId": .string(resourceID), "httpMethod": .string(httpMethod), "authorizationType": "NONE", "apiKeyRequired": false,
        ]
        if let name = operation["operationId"] { method["operationName"] = name }
        var requestParameters: [String: JSON] = [:]
        for segment in path.split(separator: "/") where segment.hasPrefix("{") && segment.hasSuffix("}") {
            requestParameters["method.request.path.\(segment.dropFirst().dropLast().replacingOccurrences(of: "+", with: ""))"] = true
        }
        var requestModels: [String: JSON] = [:]
        let declared = (pathItem["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? [])
        for parameter in declared.map(resolveParameter) {
            guard let name = parameter["name"]?.stringValue, let location = parameter["in"]?.stringValue else { continue }
            if location == "body" {
                if let model = Self.modelName(parameter["schema"]?["$ref"]?.stringValue) { requestModels["application/json"] = .string(model) }
                continue
            }
            guard let source = ["query": "querystring", "header": "header", "path": "path"][location] else { continue }
            if !isSwagger, parameter["type"] != nil, parameter["schema"] == nil {
                warnings.append("Parse issue: attribute paths.'\(path)'(\(httpMethod.lowercased())).parameters.[\(name)].type is unexpected")
            }
            requestParameters["method.request.\(source).\(name)"] = .bool(parameter["required"]?.boolValue ?? (location == "path"))
        }
        for (contentType, body) in operation["requestBody"]?["content"]?.objectValue ?? [:] {
            if let model = Self.modelName(body["schema"]?["$ref"]?.stringValue) { requestModels[contentType] = .string(model) }
        }
        if !requestParameters.isEmpty { method["requestParameters"] = .object(requestParameters) }
        if !requestModels.isEmpty { method["requestModels"] = .object(requestModels) }
        let validator = operation["x-amazon-apigateway-request-validator"] ?? document["x-amazon-apigateway-request-validator"]
        if let name = validator?.stringValue {
            guard let id = validators[name] else { throw ImportError("Unable to put method '\(httpMethod)' on resource at path '\(path)': Invalid request validator specified: \(name)") }
            method["requestValidatorId"] = .string(id)
        }
        applySecurity(operation["security"] ?? document["security"], to: &method, authorizers: authorizers)
        // `x-amazon-apigateway-auth` (the operation's, else the API's) names IAM or no authorization.
        if let type = (operation["x-amazon-apigateway-auth"] ?? document["x-amazon-apigateway-auth"])?["type"]?.stringValue?.uppercased(),
            ["AWS_IAM", "NONE"].contains(type)
        {
            method["authorizationType"] = .string(type)
        }
        if replacing, try await run.methodExists(resourceID: resourceID, httpMethod: httpMethod) {
            try await run("DeleteMethod", ["resourceId": .string(resourceID), "httpMethod": .string(httpMethod)],
                          failure: "Unable to replace method '\(httpMethod)' on resource at path '\(path)'")
        }
        try await run("PutMethod", method, failure: "Unable to put method '\(httpMethod)' on resource at path '\(path)'")
        let target: JSON = ["resourceId": .string(resourceID), "httpMethod": .string(httpMethod)]
        for (status, response) in (operation["responses"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where Int(status) != nil {
            var input = target
            input["statusCode"] = .string(status)
            let headers = (response["headers"]?.objectValue ?? [:]).keys.sorted()
            if !headers.isEmpty { input["responseParameters"] = .object(Dictionary(uniqueKeysWithValues: headers.map { ("method.response.header.\($0)", false) })) }
            var models: [String: JSON] = [:]
            if let model = Self.modelName(response["schema"]?["$ref"]?.stringValue) { models["application/json"] = .string(model) }
            for (contentType, content) in response["content"]?.objectValue ?? [:] {
                if let model = Self.modelName(content["schema"]?["$ref"]?.stringValue) { models[contentType] = .string(model) }
            }
            if !models.isEmpty { input["responseModels"] = .object(models) }
            try await run("PutMethodResponse", input, failure: "Unable to put method response '\(status)' on '\(httpMethod)' for resource at path '\(path)'")
        }
        if let integration = operation["x-amazon-apigateway-integration"] {
            try await putIntegration(integration, target: target, httpMethod: httpMethod, path: path, run)
        }
    }

    /// A `$ref` to `#/parameters/…` or `#/components/parameters/…`, resolved.
    private func resolveParameter(_ parameter: JSON) -> JSON {
        guard let reference = parameter["$ref"]?.stringValue else { return parameter }
        if let name = reference.dropPrefix("#/parameters/") { return document["parameters"]?[name] ?? parameter }
        if let name = reference.dropPrefix("#/components/parameters/") { return document["components"]?["parameters"]?[name] ?? parameter }
        return parameter
    }

    /// The method's authorization from its security requirements: an authorizer's scheme (CUSTOM
    /// or COGNITO_USER_POOLS, with the requirement's scopes), a SigV4 scheme (AWS_IAM), an API key.
    private func applySecurity(_ security: JSON?, to method: inout JSON, authorizers: [String: String]) {
        for requirement in security?.arrayValue ?? [] {
            for (name, scopes) in requirement.objectValue ?? [:] {
                guard let scheme = securitySchemes[name] else { continue }
                if let id = authorizers[name] {
                    let cognito = scheme["x-amazon-apigateway-authorizer"]?["type"]?.stringValue?.lowercased() == "cognito_user_pools"
                    method["authorizationType"] = cognito ? "COGNITO_USER_POOLS" : "CUSTOM"
                    method["authorizerId"] = .string(id)
                    if cognito, let list = scopes.arrayValue, !list.isEmpty { method["authorizationScopes"] = scopes }
                } else if scheme["x-amazon-apigateway-authtype"]?.stringValue?.lowercased() == "awssigv4" {
                    method["authorizationType"] = "AWS_IAM"
                } else if scheme["type"] == "apiKey" {
                    method["apiKeyRequired"] = true
                }
            }
        }
    }

    private mutating func putIntegration(_ integration: JSON, target: JSON, httpMethod: String, path: String, _ run: OperationRunner) async throws {
        var input = target
        input["type"] = .string((integration["type"]?.stringValue ?? "").uppercased())
        if let method = integration["httpMethod"] { input["integrationHttpMethod"] = method }
        for name in ["uri", "credentials", "requestTemplates", "contentHandling", "timeoutInMillis", "cacheNamespace", "cacheKeyParameters",
                     "connectionType", "connectionId"] {
            if let value = integration[name], value != .null { input[name] = value }
        }
        if let behavior = integration["passthroughBehavior"]?.stringValue { input["passthroughBehavior"] = .string(behavior.uppercased()) }
        var parameters: [String: JSON] = [:]
        for (name, value) in integration["requestParameters"]?.objectValue ?? [:] {
            guard case .string = value else {
                warnings.append(
                    "Invalid format for 'requestParameters'. Expected type string for property '\(name)' of resource '\(path)' and method '\(httpMethod)' but got '\(value.plainText)'")
                continue
            }
            parameters[name] = value
        }
        if !parameters.isEmpty { input["requestParameters"] = .object(parameters) }
        try await run("PutIntegration", input, failure: "Unable to put integration on '\(httpMethod)' for resource at path '\(path)'")
        for (key, response) in (integration["responses"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            var entry = target
            entry["statusCode"] = .string((response["statusCode"] ?? "200").plainText)
            if key != "default" { entry["selectionPattern"] = .string(key) }
            for name in ["responseParameters", "responseTemplates", "contentHandling"] {
                if let value = response[name], value != .null { entry[name] = value }
            }
            try await run("PutIntegrationResponse", entry,
                          failure: "Unable to put integration response on '\(httpMethod)' for resource at path '\(path)'")
        }
    }
}

/// A definition the operations refused: AWS's `Errors found during import:` message.
struct ImportError: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    /// What an import answers for `error`: an `ImportError` as AWS words it, anything else as it is.
    static func answer(for error: any Error) -> any Error {
        guard let failure = error as? ImportError else { return error }
        return AWSError.badRequest("Errors found during import:\n\t\(failure.message)")
    }
}

/// Runs an operation's own handler on the API `context` names (its `apiMember`: `restApiId`,
/// `ApiId`), as an import's step: the input checked against the model, a refusal an `ImportError`.
struct OperationRunner: Sendable {
    let context: OperationContext
    var handlers: [String: OperationHandler] = APIGateway.importHandlers
    var apiMember = "restApiId"

    @discardableResult
    func callAsFunction(_ operation: String, _ input: JSON, failure: String) async throws -> JSON {
        guard let handler = handlers[operation] else { throw AWSError.internalFailure() }
        var step = context
        step.operation = operation
        step.input = input.overlaid(with: [apiMember: .string(context.string(apiMember))])
        do {
            try step.validateInput()
            return try await handler(step)
        } catch let error as AWSError {
            throw ImportError("\(failure): \(error.message)")
        }
    }

    func exists(_ kind: String, _ id: String) async throws -> Bool {
        try await context.store.document(DocumentKey(kind: kind, parent: context.string(apiMember), id: id)) != nil
    }

    func methodExists(resourceID: String, httpMethod: String) async throws -> Bool {
        let resource = try await context.store.document(DocumentKey(kind: DocumentKind.resource, parent: context.string(apiMember), id: resourceID))
        return resource?["resourceMethods"]?[httpMethod] != nil
    }
}

import Foundation
import GatehouseModel

/// What a deployment froze of a REST API, in the typed form the data plane runs on.
/// Built once per deployment from the snapshot document that `CreateDeployment` stored.
public struct DeployedAPI: Sendable {
    public var id: String
    public var binaryMediaTypes: [String]
    /// Where API keys come from: `HEADER` (`x-api-key`) or `AUTHORIZER`.
    public var apiKeySource: String
    public var resources: [DeployedResource]
    /// The customized gateway responses by type.
    public var gatewayResponses: [String: DeployedGatewayResponse]
    /// Request validators by id.
    public var validators: [String: RequestValidator]
    /// Authorizers by id.
    public var authorizers: [String: DeployedAuthorizer]
    /// The API's resource policy; nil when it has none (or it does not parse).
    var policy: IAMPolicy?
    /// Whether the API's endpoint type is `PRIVATE` (reachable through a VPC endpoint only).
    public var isPrivate: Bool
    /// Model schemas by model name; a model whose schema does not compile is absent.
    public var models: [String: JSONSchema]

    public init(snapshot: JSON) {
        let api = snapshot["restApi"] ?? .emptyObject
        id = api["id"]?.stringValue ?? ""
        binaryMediaTypes = api["binaryMediaTypes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        apiKeySource = api["apiKeySource"]?.stringValue ?? "HEADER"
        resources = (snapshot["resources"]?.arrayValue ?? []).map(DeployedResource.init)
        gatewayResponses = (snapshot["gatewayResponses"] ?? []).indexed(by: "responseType", DeployedGatewayResponse.init)
        validators = (snapshot["requestValidators"] ?? []).indexed(by: "id", RequestValidator.init)
        models = Self.compileModels(snapshot["models"]?.arrayValue ?? [], apiID: id)
        authorizers = (snapshot["authorizers"] ?? []).indexed(by: "id", DeployedAuthorizer.init)
        policy = api["policy"]?.stringValue.flatMap { try? JSON(parsing: Data($0.utf8)) }.flatMap { try? IAMPolicy($0) }
        isPrivate = api["endpointConfiguration"]?["types"]?.arrayValue?.contains("PRIVATE") ?? false
    }

    /// Gives every method the list of steps it compiles to, with the stage cache where
    /// `caching` says the method uses it.
    mutating func compileSteps(_ pipeline: Pipeline, caching: (DeployedResource, DeployedMethod) -> MethodCaching? = { _, _ in nil }) {
        for index in resources.indices {
            let resource = resources[index]
            for (name, method) in resource.methods {
                resources[index].methods[name]?.steps = pipeline.steps(for: method, caching: caching(resource, method))
            }
        }
    }

    /// Each model's schema, compiled with references to the API's other models
    /// (`https://apigateway.amazonaws.com/restapis/{api}/models/{name}`) resolved.
    private static func compileModels(_ models: [JSON], apiID: String) -> [String: JSONSchema] {
        var parsed: [String: JSON] = [:]
        for model in models {
            guard let name = model["name"]?.stringValue, let text = model["schema"]?.stringValue,
                let schema = try? JSON(parsing: Data(text.utf8))
            else { continue }
            parsed[name] = schema
        }
        let prefix = "https://apigateway.amazonaws.com/restapis/\(apiID)/models/"
        let documents = parsed
        let resolve: @Sendable (String) -> JSON? = { reference in
            reference.dropPrefix(prefix).flatMap { documents[$0] }
        }
        return documents.compactMapValues { try? JSONSchema($0, resolve: resolve) }
    }
}

/// A request validator: which parts of a request it checks.
public struct RequestValidator: Sendable {
    public var validatesBody: Bool
    public var validatesParameters: Bool

    init(_ json: JSON) {
        validatesBody = json["validateRequestBody"]?.boolValue ?? false
        validatesParameters = json["validateRequestParameters"]?.boolValue ?? false
    }
}

/// A resource path (`/pets/{id}`) and its methods.
public struct DeployedResource: Sendable {
    public var id: String
    public var path: String
    public var methods: [String: DeployedMethod]

    init(_ json: JSON) {
        id = json["id"]?.stringValue ?? ""
        path = json["path"]?.stringValue ?? "/"
        methods = (json["resourceMethods"]?.objectValue ?? [:]).mapValues(DeployedMethod.init)
    }
}

/// A method as deployed: its request settings, integration and responses.
public struct DeployedMethod: Sendable {
    public var httpMethod: String
    public var authorizationType: String
    public var apiKeyRequired: Bool
    public var requestParameters: [String: Bool]
    public var requestValidatorID: String?
    public var authorizerID: String?
    /// The OAuth scopes a Cognito-authorized method requires of access tokens.
    public var authorizationScopes: [String]
    /// Model names by content type.
    public var requestModels: [String: String]
    public var integration: DeployedIntegration?
    public var methodResponses: [String: JSON]
    /// What a request to this method goes through, compiled with the deployment (`Pipeline`).
    var steps: [any GatewayStep<Invocation>] = []

    public init(_ json: JSON) {
        httpMethod = json["httpMethod"]?.stringValue ?? "ANY"
        // AWS takes the type in any case (`none` is echoed as sent) and acts on it as its enum.
        authorizationType = (json["authorizationType"]?.stringValue ?? "NONE").uppercased()
        apiKeyRequired = json["apiKeyRequired"]?.boolValue ?? false
        requestParameters = (json["requestParameters"]?.objectValue ?? [:]).mapValues { $0.boolValue ?? false }
        requestValidatorID = json["requestValidatorId"]?.stringValue
        authorizerID = json["authorizerId"]?.stringValue
        authorizationScopes = json["authorizationScopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        requestModels = (json["requestModels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        integration = json["methodIntegration"].map(DeployedIntegration.init)
        methodResponses = json["methodResponses"]?.objectValue ?? [:]
    }
}

/// How a method reaches its backend, and how the backend's answer maps back.
public struct DeployedIntegration: Sendable {
    public var type: String
    public var httpMethod: String?
    public var uri: String?
    public var requestParameters: [String: String]
    public var requestTemplates: [String: MappingTemplate]
    public var passthroughBehavior: String
    public var contentHandling: String?
    public var timeoutInMillis: Int
    /// The role API Gateway assumes to call the backend (`credentials`), if any.
    public var credentials: String?
    /// Where the stage cache keeps this integration's responses (the resource id when nil) and
    /// the request parameters that key them.
    public var cacheNamespace: String?
    public var cacheKeyParameters: [String]
    /// `INTERNET`, or `VPC_LINK` with the link's id in `connectionID` (it may name a stage variable).
    public var connectionType: String
    public var connectionID: String?
    /// The `statusCode` each plain-text request template sets, read once per deployment (for MOCK).
    public var templateStatusCodes: [String: Int]
    /// Ordered as AWS tries them: responses with a selection pattern first, the default last.
    public var integrationResponses: [DeployedIntegrationResponse]

    init(_ json: JSON) {
        type = json["type"]?.stringValue ?? "MOCK"
        httpMethod = json["httpMethod"]?.stringValue
        uri = json["uri"]?.stringValue
        requestParameters = (json["requestParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        requestTemplates = (json["requestTemplates"]?.objectValue ?? [:]).compactMapValues { $0.stringValue.map(MappingTemplate.init) }
        passthroughBehavior = json["passthroughBehavior"]?.stringValue ?? "WHEN_NO_MATCH"
        contentHandling = json["contentHandling"]?.stringValue
        timeoutInMillis = json["timeoutInMillis"]?.intValue ?? 29000
        credentials = json["credentials"]?.stringValue
        cacheNamespace = json["cacheNamespace"]?.stringValue
        cacheKeyParameters = json["cacheKeyParameters"]?.arrayValue?.compactMap(\.stringValue) ?? []
        connectionType = json["connectionType"]?.stringValue ?? "INTERNET"
        connectionID = json["connectionId"]?.stringValue
        templateStatusCodes = requestTemplates.compactMapValues { $0.literal.flatMap { MockIntegration.statusCode(in: Data($0.utf8)) } }
        integrationResponses = (json["integrationResponses"]?.objectValue ?? [:]).values
            .map(DeployedIntegrationResponse.init)
            .sorted { ($0.isDefault ? 1 : 0, $0.statusCode) < ($1.isDefault ? 1 : 0, $1.statusCode) }
    }
}

/// One integration response: which backend answers it catches and how it shapes the method response.
public struct DeployedIntegrationResponse: Sendable {
    public var statusCode: String
    public var selectionPattern: String?
    public var pattern: SelectionPattern?
    public var responseParameters: [String: String]
    public var responseTemplates: [String: MappingTemplate]
    public var contentHandling: String?

    /// The response used when no selection pattern matches.
    public var isDefault: Bool { selectionPattern?.isEmpty ?? true }

    init(_ json: JSON) {
        statusCode = json["statusCode"]?.stringValue ?? "200"
        selectionPattern = json["selectionPattern"]?.stringValue
        pattern = selectionPattern.flatMap { $0.isEmpty ? nil : SelectionPattern($0) }
        responseParameters = (json["responseParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        // A null template is an empty one, as AWS stores "".
        responseTemplates = (json["responseTemplates"]?.objectValue ?? [:]).compactMapValues {
            $0 == .null ? MappingTemplate("") : $0.stringValue.map(MappingTemplate.init)
        }
        contentHandling = json["contentHandling"]?.stringValue
    }
}

/// A customized gateway response: the status, headers and templates it puts on an error of its type.
public struct DeployedGatewayResponse: Sendable {
    public var statusCode: Int?
    public var responseParameters: [String: String]
    public var responseTemplates: [String: MappingTemplate]

    init(_ json: JSON) {
        statusCode = json["statusCode"]?.stringValue.flatMap { Int($0) }
        responseParameters = (json["responseParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        responseTemplates = (json["responseTemplates"]?.objectValue ?? [:]).compactMapValues { $0.stringValue.map(MappingTemplate.init) }
    }
}

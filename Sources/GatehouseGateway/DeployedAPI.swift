import Foundation
import GatehouseModel

/// What a deployment froze of a REST API, in the typed form the data plane runs on.
/// Built once per deployment from the snapshot document that `CreateDeployment` stored.
public struct DeployedAPI: Sendable {
    public var id: String
    public var binaryMediaTypes: [String]
    public var resources: [DeployedResource]
    public var gatewayResponses: [String: JSON]

    public init(snapshot: JSON) {
        let api = snapshot["restApi"] ?? .emptyObject
        id = api["id"]?.stringValue ?? ""
        binaryMediaTypes = api["binaryMediaTypes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        resources = (snapshot["resources"]?.arrayValue ?? []).map(DeployedResource.init)
        gatewayResponses = Dictionary(
            (snapshot["gatewayResponses"]?.arrayValue ?? []).map { ($0["responseType"]?.stringValue ?? "", $0) },
            uniquingKeysWith: { first, _ in first })
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
    public var integration: DeployedIntegration?
    public var methodResponses: [String: JSON]

    public init(_ json: JSON) {
        httpMethod = json["httpMethod"]?.stringValue ?? "ANY"
        authorizationType = json["authorizationType"]?.stringValue ?? "NONE"
        apiKeyRequired = json["apiKeyRequired"]?.boolValue ?? false
        requestParameters = (json["requestParameters"]?.objectValue ?? [:]).mapValues { $0.boolValue ?? false }
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
    public var requestTemplates: [String: String]
    public var passthroughBehavior: String
    public var timeoutInMillis: Int
    /// The `statusCode` each request template sets, read once per deployment (for MOCK).
    public var templateStatusCodes: [String: Int]
    /// Ordered as AWS tries them: responses with a selection pattern first, the default last.
    public var integrationResponses: [DeployedIntegrationResponse]

    init(_ json: JSON) {
        type = json["type"]?.stringValue ?? "MOCK"
        httpMethod = json["httpMethod"]?.stringValue
        uri = json["uri"]?.stringValue
        requestParameters = (json["requestParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        requestTemplates = (json["requestTemplates"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        passthroughBehavior = json["passthroughBehavior"]?.stringValue ?? "WHEN_NO_MATCH"
        timeoutInMillis = json["timeoutInMillis"]?.intValue ?? 29000
        templateStatusCodes = requestTemplates.compactMapValues { MockIntegration.statusCode(in: Data(MappingTemplate.render($0).utf8)) }
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
    public var responseTemplates: [String: String]

    /// The response used when no selection pattern matches.
    public var isDefault: Bool { selectionPattern?.isEmpty ?? true }

    init(_ json: JSON) {
        statusCode = json["statusCode"]?.stringValue ?? "200"
        selectionPattern = json["selectionPattern"]?.stringValue
        pattern = selectionPattern.flatMap { $0.isEmpty ? nil : SelectionPattern($0) }
        responseParameters = (json["responseParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        responseTemplates = (json["responseTemplates"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}

import GatehouseModel

/// An authorizer as deployed: how it finds the caller's identity and what decides.
public struct DeployedAuthorizer: Sendable {
    public var id: String
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    public var type: String
    public var uri: String?
    /// `method.request.header.Authorization`, `method.request.querystring.x`, `stageVariables.x`, `context.x`.
    public var identitySources: [String]
    /// The same, parsed once per deployment.
    var sources: [ParameterSource]
    /// A TOKEN authorizer's check of the token before the function runs (a Cognito one's of `aud`).
    public var validation: SelectionPattern?
    public var ttlSeconds: Int
    /// The Cognito user pools (`arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`).
    public var providerARNs: [String]

    init(_ json: JSON) {
        id = json["id"]?.stringValue ?? ""
        type = json["type"]?.stringValue ?? "TOKEN"
        uri = json["authorizerUri"]?.stringValue
        identitySources = (json["identitySource"]?.stringValue ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        sources = identitySources.map(ParameterSource.init)
        validation = json["identityValidationExpression"]?.stringValue.flatMap { $0.isEmpty ? nil : SelectionPattern($0) }
        ttlSeconds = json["authorizerResultTtlInSeconds"]?.intValue ?? (type == "COGNITO_USER_POOLS" ? 0 : 300)
        providerARNs = json["providerARNs"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

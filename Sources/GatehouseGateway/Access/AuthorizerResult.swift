/// What a method's authorizer established about the caller: the principal, the context its
/// policy carried (`$context.authorizer.*`), JWT claims, and the usage-plan key it named.
public struct AuthorizerResult: Sendable, Equatable {
    public var principalID: String?
    public var context: [String: String] = [:]
    public var claims: [String: String] = [:]
    /// The API key a Lambda authorizer returns for `apiKeySource: AUTHORIZER`.
    public var usageIdentifierKey: String?

    public init(principalID: String? = nil) {
        self.principalID = principalID
    }
}

import Foundation
import GatehouseModel
import Testing

@testable import GatehouseGateway

/// The data plane's steps: which ones a method compiles to, and what a deployed stage answers
/// through them — on the event loop when no step needs I/O.
@Suite struct PipelineTests {
    static let mock: JSON = [
        "type": "MOCK", "requestTemplates": ["application/json": "{\"statusCode\": 200}"],
        "integrationResponses": ["200": ["statusCode": "200", "responseTemplates": ["application/json": "{\"ok\": true}"]]],
    ]

    /// `GET /pets` with `settings` laid over a MOCK method without authorization.
    static func pets(_ settings: JSON = .emptyObject, integration: JSON = mock) -> JSON {
        let plain: JSON = ["httpMethod": "GET", "authorizationType": "NONE", "methodIntegration": integration]
        let method = plain.overlaid(with: settings)
        return ["id": "r1", "path": "/pets", "resourceMethods": ["GET": method]]
    }

    func steps(_ method: JSON) -> [String] {
        TestGateway.shared.pipeline.steps(for: DeployedMethod(method)).map { String(describing: type(of: $0)) }
    }

    func request(_ path: String = "/pets", query: String = "", headers: [(name: String, value: String)] = []) -> IncomingRequest {
        IncomingRequest(
            method: "GET", rawPath: path, rawQuery: query, headers: [("Host", "a1b2c3.execute-api.localhost")] + headers,
            remoteAddress: "10.0.0.1")
    }

    func target(_ path: String = "/pets", stage: String = "prod") -> InvokeTarget {
        InvokeTarget(apiID: "a1b2c3", stage: stage, path: path)
    }

    /// The answer to a request that needs no I/O, computed as the listener does on the event loop.
    func answer(
        _ gateway: TestGateway, _ path: String = "/pets", query: String = "", headers: [(name: String, value: String)] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> OutgoingResponse {
        let prepared = try #require(
            gateway.gateway.prepareWithoutIO(request(path, query: query, headers: headers), target: target(path)),
            sourceLocation: sourceLocation)
        return gateway.gateway.answerWithoutIO(prepared, body: Data())
    }

    func header(_ response: OutgoingResponse, _ name: String) -> String? {
        response.headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    func text(_ response: OutgoingResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    // MARK: Compiling

    @Test func aPlainMethodIsThrottledAuthenticatedAndIntegrated() {
        #expect(steps(["httpMethod": "GET", "authorizationType": "NONE", "methodIntegration": Self.mock])
            == ["WebACLStep", "ThrottleStep", "AuthenticateStep", "IntegrateStep"])
        #expect(steps(["httpMethod": "GET", "authorizationType": "AWS_IAM"]) == ["WebACLStep", "ThrottleStep", "AuthenticateStep", "IntegrateStep"])
    }

    @Test(arguments: ["CUSTOM", "COGNITO_USER_POOLS"])
    func anAuthorizedMethodGetsTheAuthorizeStep(_ type: String) {
        #expect(steps(["httpMethod": "GET", "authorizationType": .string(type), "authorizerId": "au1"])
            == ["WebACLStep", "ThrottleStep", "AuthenticateStep", "AuthorizeStep", "IntegrateStep"])
    }

    @Test func aKeyedMethodWithAValidatorGetsBothChecksInAWSOrder() {
        #expect(steps(["httpMethod": "GET", "apiKeyRequired": true]) == ["WebACLStep", "ThrottleStep", "AuthenticateStep", "APIKeyStep", "IntegrateStep"])
        #expect(steps(["httpMethod": "GET", "requestValidatorId": "v1"])
            == ["WebACLStep", "ThrottleStep", "AuthenticateStep", "ValidateRequestStep", "IntegrateStep"])
        #expect(steps(["httpMethod": "GET", "authorizationType": "CUSTOM", "apiKeyRequired": true, "requestValidatorId": "v1"])
            == ["WebACLStep", "ThrottleStep", "AuthenticateStep", "AuthorizeStep", "APIKeyStep", "ValidateRequestStep", "IntegrateStep"])
    }

    // MARK: Deciding what needs no I/O

    @Test func mockMethodsAndUnknownRoutesArePreparedWithoutIO() {
        let gateway = TestGateway()
        gateway.deploy([Self.pets()])
        #expect(gateway.gateway.prepareWithoutIO(request(), target: target()) != nil)
        #expect(gateway.gateway.prepareWithoutIO(request("/nope"), target: target("/nope")) != nil)
        #expect(gateway.gateway.prepareWithoutIO(request(), target: target(stage: "nostage")) != nil)
    }

    @Test func proxiedMethodsNeedIO() {
        let gateway = TestGateway()
        gateway.deploy([Self.pets(integration: ["type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://127.0.0.1:1/pets"])])
        #expect(gateway.gateway.prepareWithoutIO(request(), target: target()) == nil)
    }

    static let authorizer: JSON = [
        "id": "au1", "type": "TOKEN", "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
        "identitySource": "method.request.header.Authorization", "authorizerResultTtlInSeconds": 300,
    ]

    @Test func aCustomAuthorizedMockNeedsIOUntilItsResultIsCached() throws {
        let gateway = TestGateway()
        let stage = gateway.deploy(
            [Self.pets(["authorizationType": "CUSTOM", "authorizerId": "au1"])], snapshot: ["authorizers": [Self.authorizer]])
        let token = [(name: "Authorization", value: "tok")]
        #expect(gateway.gateway.prepareWithoutIO(request(headers: token), target: target()) == nil)

        let allow = try IAMPolicy(["Version": "2012-10-17", "Statement": [["Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"]]])
        gateway.gateway.authorizerCache.store(
            AuthorizerCache.Entry(policy: allow, policyText: "", result: AuthorizerResult(principalID: "me"), expires: Date().addingTimeInterval(300)),
            for: stage.authorizerCachePrefix + "au1|tok")
        let response = try answer(gateway, headers: token)
        #expect(response.status == 200)
        #expect(text(response) == #"{"ok": true}"#)
    }

    // MARK: Answering

    @Test func aMockAnswersWithItsTemplateAndAWSsRequestIDs() throws {
        let gateway = TestGateway()
        gateway.deploy([Self.pets()])
        let response = try answer(gateway)
        #expect(response.status == 200)
        #expect(text(response) == #"{"ok": true}"#)
        #expect(header(response, "Content-Type") == "application/json")
        #expect(header(response, "x-amzn-RequestId")?.isEmpty == false)
        #expect(header(response, "x-amz-apigw-id")?.hasSuffix("=") == true)
    }

    @Test func handlingAwaitsNothingAndAnswersTheSameForAMock() async {
        let gateway = TestGateway()
        gateway.deploy([Self.pets()])
        let response = await gateway.gateway.handle(request(), target: target())
        #expect(response.status == 200)
        #expect(text(response) == #"{"ok": true}"#)
    }

    @Test func anUnknownPathIsMissingAnAuthenticationToken() throws {
        let gateway = TestGateway()
        gateway.deploy([Self.pets()])
        let response = try answer(gateway, "/nope")
        #expect(response.status == 403)
        #expect(text(response) == #"{"message":"Missing Authentication Token"}"#)
        #expect(header(response, "x-amzn-ErrorType") == "MissingAuthenticationTokenException")
        #expect(header(response, "x-amzn-RequestId") != nil)
        #expect(header(response, "x-amz-apigw-id") != nil)
    }

    @Test func aKeyedMethodWithoutAKeyIsForbidden() throws {
        let gateway = TestGateway()
        gateway.deploy([Self.pets(["apiKeyRequired": true])])
        let response = try answer(gateway)
        #expect(response.status == 403)
        #expect(text(response) == #"{"message":"Forbidden"}"#)
        #expect(header(response, "x-amzn-ErrorType") == "ForbiddenException")
    }

    @Test func theStageThrottleRefusesTheSecondImmediateRequest() throws {
        let gateway = TestGateway()
        let throttled: JSON = [
            "stageName": "prod", "deploymentId": "d1",
            "methodSettings": ["*/*": ["throttlingRateLimit": 1, "throttlingBurstLimit": 1]],
        ]
        gateway.deploy([Self.pets()], stage: throttled)
        #expect(try answer(gateway).status == 200)
        let second = try answer(gateway)
        #expect(second.status == 429)
        #expect(text(second) == #"{"message":"Too Many Requests"}"#)
    }

    @Test func aValidatorRefusesAMissingRequiredQueryParameter() throws {
        let gateway = TestGateway()
        gateway.deploy(
            [Self.pets(["requestValidatorId": "v1", "requestParameters": ["method.request.querystring.q": true]])],
            snapshot: ["requestValidators": [["id": "v1", "validateRequestParameters": true, "validateRequestBody": false]]])
        let refused = try answer(gateway)
        #expect(refused.status == 400)
        #expect(text(refused) == #"{"message":"Missing required request parameters: [q]"}"#)
        #expect(try answer(gateway, query: "q=1").status == 200)
    }

    @Test func aResourcePolicyDenyingEverythingIsAnExplicitDeny() throws {
        let gateway = TestGateway()
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#
        gateway.deploy([Self.pets()], api: ["id": "a1b2c3", "policy": .string(policy)])
        let response = try answer(gateway)
        #expect(response.status == 403)
        #expect(text(response) == #"{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:a1b2c3/prod/GET/pets with an explicit deny"}"#)
        #expect(header(response, "x-amzn-ErrorType") == "AccessDeniedException")
    }

    @Test func aPrivateAPIRefusesCallsFromOutsideAVPCEndpoint() throws {
        let gateway = TestGateway()
        let allowVPCE = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#
        gateway.deploy([Self.pets()], api: ["id": "a1b2c3", "endpointConfiguration": ["types": ["PRIVATE"]], "policy": .string(allowVPCE)])
        let outside = try answer(gateway)
        #expect(outside.status == 403)
        #expect(text(outside) == #"{"message":"Forbidden"}"#)
        #expect(try answer(gateway, headers: [("x-apigw-vpce-id", "vpce-0123")]).status == 200)
    }
}

import Foundation
import GatehouseModel
import Testing
import Velocity

@testable import GatehouseGateway

/// Mapping templates with API Gateway's variables, on the examples of AWS's mapping-template
/// documentation.
@Suite struct MappingTemplateTests {
    /// A request to `GET /pets/{petId}` of stage `prod` with variable `table=pets`.
    func invocation(body: String = "", query: String = "", headers: [(name: String, value: String)] = []) -> Invocation {
        let resource: JSON = [
            "id": "r1", "path": "/pets/{petId}",
            "resourceMethods": ["GET": ["httpMethod": "GET", "methodIntegration": ["type": "MOCK"]]],
        ]
        let stage = DeployedStage(
            apiID: "a1b2c3", stage: ["stageName": "prod", "deploymentId": "d1", "variables": ["table": "pets"]],
            snapshot: ["restApi": ["id": "a1b2c3"], "resources": [resource]], pipeline: TestGateway.shared.pipeline)
        let request = IncomingRequest(
            method: "GET", rawPath: "/pets/7", rawQuery: query, headers: [("Host", "a1b2c3.execute-api.localhost")] + headers,
            body: Data(body.utf8), remoteAddress: "10.0.0.1")
        let match = stage.routes.match(method: "GET", path: "/pets/7")!
        var invocation = Invocation(
            request: request, target: InvokeTarget(apiID: "a1b2c3", stage: "prod", path: "/pets/7"), stage: stage, match: match,
            requestID: "req-1", extendedRequestID: "ext=", requestTime: Date(timeIntervalSince1970: 1_700_000_000))
        invocation.accountID = "123456789012"
        return invocation
    }

    func render(_ source: String, _ invocation: Invocation) throws -> String {
        var log: ExecutionLog?
        return try MappingTemplate.transform(
            MappingTemplate(source), invocation: invocation, payload: invocation.request.body, stage: "request", log: &log
        ).body
    }

    func renderJSON(_ source: String, _ invocation: Invocation) throws -> JSON {
        try JSON(parsing: Data(try render(source, invocation).utf8))
    }

    @Test func allParametersTemplateFromTheDocs() throws {
        let template = """
            #set($allParams = $input.params())
            {
            "params" : {
            #foreach($type in $allParams.keySet())
                #set($params = $allParams.get($type))
            "$type" : {
                #foreach($paramName in $params.keySet())
                "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
                    #if($foreach.hasNext),#end
                #end
            }
                #if($foreach.hasNext),#end
            #end
            }
            }
            """
        let output = try renderJSON(template, invocation(query: "limit=5&sort=name", headers: [("X-Note", #"say "hi""#)]))
        #expect(output["params"]?["path"] == ["petId": "7"])
        #expect(output["params"]?["querystring"] == ["limit": "5", "sort": "name"])
        #expect(output["params"]?["header"]?["X-Note"] == #"say "hi""#)
    }

    @Test func inputJSONAndPathReadTheBody() throws {
        let body = #"{"pets": [{"id": 1, "type": "dog"}, {"id": 2, "type": "cat"}], "owner": "Ada"}"#
        let template = #"""
            {"first": $input.json('$.pets[0]'), "count": $input.path('$.pets').size(), "owner": "$input.path('$.owner')",
             "types": [#foreach($pet in $input.path('$.pets'))"$pet.type"#if($foreach.hasNext),#end#end], "all": $input.json('$')}
            """#
        let output = try renderJSON(template, invocation(body: body))
        #expect(output["first"] == ["id": 1, "type": "dog"])
        #expect(output["count"] == 2)
        #expect(output["owner"] == "Ada")
        #expect(output["types"] == ["dog", "cat"])
        #expect(output["all"]?["owner"] == "Ada")
    }

    @Test func emptyBodyReadsAsAnEmptyObject() throws {
        #expect(try render("$input.json('$')", invocation()) == "{}")
        #expect(try render("[$input.body]", invocation()) == "[{}]")
    }

    @Test func aBodyThatIsNotJSONIsABadRequest() {
        #expect(throws: GatewayError.self) { try render("$input.json('$.a')", invocation(body: "not json")) }
        do {
            _ = try render("$input.json('$.a')", invocation(body: "not json"))
        } catch let error as GatewayError {
            #expect(error.status == 400)
            #expect(error.message.hasPrefix("Could not parse request body into json"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func paramsByNameSearchPathQueryThenHeader() throws {
        let request = invocation(query: "petId=query&q=2", headers: [("q", "header"), ("h", "3")])
        #expect(try render("$input.params('petId') $input.params('q') $input.params('h') [$input.params('none')]", request) == "7 2 3 []")
    }

    @Test func contextAndStageVariables() throws {
        let output = try renderJSON(
            #"{"id": "$context.requestId", "stage": "$context.stage", "ip": "$context.identity.sourceIp", "path": "$context.resourcePath", "table": "$stageVariables.table", "account": "$context.accountId", "time": "$context.requestTime", "method": "$context.httpMethod"}"#,
            invocation())
        #expect(output == [
            "id": "req-1", "stage": "prod", "ip": "10.0.0.1", "path": "/pets/{petId}", "table": "pets", "account": "123456789012",
            "time": "14/Nov/2023:22:13:20 +0000", "method": "GET",
        ])
    }

    @Test func responseTemplatesCanOverrideStatusAndHeaders() throws {
        let integration = DeployedMethod([
            "httpMethod": "GET",
            "methodIntegration": [
                "type": "MOCK",
                "integrationResponses": [
                    "200": [
                        "statusCode": "200",
                        "responseTemplates": [
                            "application/json": #"#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Kind = "teapot"){"ok": $input.json('$.ok')}"#
                        ],
                    ]
                ],
            ],
        ]).integration!
        var log: ExecutionLog?
        let backend = BackendResponse(status: 200, headers: [], body: Data(#"{"ok": true}"#.utf8))
        let response = try IntegrationResponse.map(backend, selector: "200", invocation: invocation(), integration: integration, log: &log)
        #expect(response.status == 418)
        #expect(response.headers.contains { $0.name == "X-Kind" && $0.value == "teapot" })
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok": true}"#)
    }

    @Test func invalidTemplatesAreConfigurationErrors() {
        #expect(throws: GatewayError.configurationError) { try render("#if($x) unclosed", invocation()) }
    }
}

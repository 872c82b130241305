import GatehouseModel
import Testing

@testable import GatehouseGateway

/// The per-stage router: literal beats `{param}` beats `{proxy+}`; an exact method beats `ANY`.
@Suite struct RoutingTableTests {
    func resource(_ id: String, _ path: String, _ methods: [String]) -> DeployedResource {
        var json: JSON = ["id": .string(id), "path": .string(path)]
        json["resourceMethods"] = .object(Dictionary(uniqueKeysWithValues: methods.map { ($0, JSON.object(["httpMethod": .string($0)])) }))
        return DeployedAPI(snapshot: ["resources": [json]]).resources[0]
    }

    var table: RoutingTable {
        RoutingTable(resources: [
            resource("root", "/", ["GET"]),
            resource("pets", "/pets", ["GET"]),
            resource("pet", "/pets/{id}", ["GET", "DELETE"]),
            resource("mine", "/pets/mine", ["GET"]),
            resource("toys", "/pets/{id}/toys", ["ANY"]),
            resource("proxy", "/{proxy+}", ["ANY"]),
            resource("files", "/files/{path+}", ["GET"]),
        ])
    }

    @Test(arguments: [
        ("GET", "/", "root", [:]),
        ("GET", "/pets", "pets", [:]),
        ("GET", "/pets/mine", "mine", [:]),
        ("GET", "/pets/42", "pet", ["id": "42"]),
        ("DELETE", "/pets/42", "pet", ["id": "42"]),
        ("POST", "/pets/42/toys", "toys", ["id": "42"]),
        ("GET", "/pets/a%20b", "pet", ["id": "a b"]),
        ("GET", "/files/a/b/c.txt", "files", ["path": "a/b/c.txt"]),
        ("POST", "/pets", "proxy", ["proxy": "pets"]),
        ("GET", "/anything/at/all", "proxy", ["proxy": "anything/at/all"]),
        ("PUT", "/pets/42", "proxy", ["proxy": "pets/42"]),
    ] as [(String, String, String, [String: String])])
    func routesByPrecedence(method: String, path: String, resourceID: String, parameters: [String: String]) throws {
        let match = try #require(table.match(method: method, path: path))
        #expect(match.resource.id == resourceID)
        #expect(match.pathParameters == parameters)
    }

    @Test func exactMethodBeatsANY() throws {
        let table = RoutingTable(resources: [resource("r", "/r", ["ANY", "GET"])])
        #expect(try #require(table.match(method: "GET", path: "/r")).method.httpMethod == "GET")
        #expect(try #require(table.match(method: "PATCH", path: "/r")).method.httpMethod == "ANY")
    }

    @Test func missingRoutesDoNotMatch() {
        let table = RoutingTable(resources: [resource("pets", "/pets", ["GET"]), resource("pet", "/pets/{id}", ["GET"])])
        #expect(table.match(method: "POST", path: "/pets") == nil)
        #expect(table.match(method: "GET", path: "/cats") == nil)
        #expect(table.match(method: "GET", path: "/pets/1/2") == nil)
        #expect(table.match(method: "GET", path: "/") == nil)
    }

    @Test func greedyParameterNeedsAtLeastOneSegment() {
        let table = RoutingTable(resources: [resource("files", "/files/{path+}", ["GET"])])
        #expect(table.match(method: "GET", path: "/files") == nil)
        #expect(table.match(method: "GET", path: "/files/x")?.pathParameters == ["path": "x"])
    }
}

@Suite struct InvokeTargetTests {
    @Test func hostFormTakesTheStageFromThePath() {
        #expect(InvokeTarget(host: "abc123.execute-api.localhost:4566", rawPath: "/dev/pets/1")
            == InvokeTarget(apiID: "abc123", stage: "dev", path: "/pets/1", hostFormPath: "/dev/pets/1"))
        #expect(InvokeTarget(host: "abc123.execute-api.us-east-1.amazonaws.com", rawPath: "/dev")
            == InvokeTarget(apiID: "abc123", stage: "dev", path: "/", hostFormPath: "/dev"))
    }

    @Test func pathFormNeedsTheUserRequestMarker() {
        #expect(InvokeTarget(host: "localhost:4566", rawPath: "/restapis/abc123/dev/_user_request_/pets")
            == InvokeTarget(apiID: "abc123", stage: "dev", path: "/pets"))
        #expect(InvokeTarget(host: "localhost:4566", rawPath: "/restapis/abc123/dev/_user_request_")
            == InvokeTarget(apiID: "abc123", stage: "dev", path: "/"))
        #expect(InvokeTarget(host: "localhost:4566", rawPath: "/restapis/abc123/stages/dev") == nil)
        #expect(InvokeTarget(host: "localhost:4566", rawPath: "/restapis/abc123/resources") == nil)
        #expect(InvokeTarget(host: nil, rawPath: "/restapis") == nil)
    }
}

@Suite struct SelectionTests {
    func responses(_ specs: [(String, String?)]) -> [DeployedIntegrationResponse] {
        let integration: JSON = ["integrationResponses": .object(Dictionary(uniqueKeysWithValues: specs.map { code, pattern in
            var response: JSON = ["statusCode": .string(code)]
            if let pattern { response["selectionPattern"] = .string(pattern) }
            return (code, response)
        }))]
        return DeployedMethod(["methodIntegration": integration]).integration!.integrationResponses
    }

    @Test func aMatchingPatternBeatsTheDefault() {
        let all = responses([("200", nil), ("400", "4\\d{2}"), ("500", "5.*")])
        #expect(IntegrationResponse.select("404", among: all)?.statusCode == "400")
        #expect(IntegrationResponse.select("503", among: all)?.statusCode == "500")
        #expect(IntegrationResponse.select("201", among: all)?.statusCode == "200")
    }

    @Test func patternsMustMatchTheWholeText() {
        let all = responses([("400", "4")])
        #expect(IntegrationResponse.select("404", among: all) == nil)
    }
}

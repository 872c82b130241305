import Foundation
import GatehouseModel
import Testing

@testable import GatehouseControl

/// The model-driven layer: routing by URI template, decoding and validating input, encoding output.
@Suite struct ServiceModelTests {
    let apigateway: ServiceModel
    let lambda: ServiceModel

    init() throws {
        apigateway = try ServiceModel.bundled("apigateway")
        lambda = try ServiceModel.bundled("lambda")
    }

    @Test func bundledModelsCarryTheirOperations() throws {
        #expect(apigateway.operations.count == 124)
        #expect(apigateway.operations["CreateRestApi"]?.status == 201)
        #expect(try ServiceModel.bundled("apigatewayv2").signingName == "apigateway")
        #expect(try ServiceModel.bundled("logs").metadata.targetPrefix == "Logs_20140328")
    }

    @Test func routerPrefersLiteralSegmentsAndQueryLiterals() {
        let router = OperationRouter(model: apigateway)
        #expect(router.match(method: "GET", rawPath: "/restapis/abc/resources", query: [])?.operation == "GetResources")
        let resource = router.match(method: "GET", rawPath: "/restapis/abc/resources/r1", query: [])
        #expect(resource?.operation == "GetResource")
        #expect(resource?.labels == ["restapi_id": "abc", "resource_id": "r1"])
        #expect(router.match(method: "POST", rawPath: "/restapis", query: [("mode", "import")])?.operation == "ImportRestApi")
        #expect(router.match(method: "POST", rawPath: "/restapis", query: [])?.operation == "CreateRestApi")
        #expect(router.match(method: "GET", rawPath: "/nowhere", query: []) == nil)
    }

    @Test func routerDecodesLabelsAndIgnoresTrailingSlashes() {
        let router = OperationRouter(model: apigateway)
        #expect(router.match(method: "GET", rawPath: "/restapis/a%20b", query: [])?.labels["restapi_id"] == "a b")
        #expect(OperationRouter(model: lambda).match(method: "GET", rawPath: "/2015-03-31/functions/", query: [])?.operation == "ListFunctions")
    }

    func decode(_ operation: String, _ request: IncomingRequest, labels: [String: String] = [:]) throws -> JSON {
        var decoder = InputDecoder(model: apigateway, validationError: "ValidationException")
        decoder.pathPrefix = operation.prefix(1).lowercased() + operation.dropFirst() + "Input"
        return try decoder.decode(shapeName: apigateway.operations[operation]?.input, request: request, labels: labels)
    }

    @Test func inputMembersComeFromLabelsQueryAndBody() throws {
        let request = IncomingRequest(
            method: "PUT", rawPath: "/restapis/abc/resources/r1/methods/GET", rawQuery: "",
            body: Data(#"{"authorizationType":"NONE","apiKeyRequired":true}"#.utf8))
        let input = try decode("PutMethod", request, labels: ["restapi_id": "abc", "resource_id": "r1", "http_method": "GET"])
        #expect(input == [
            "restApiId": "abc", "resourceId": "r1", "httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": true,
        ])
        let listed = try decode("GetResources", IncomingRequest(method: "GET", rawPath: "/", rawQuery: "limit=5&embed=methods"), labels: ["restapi_id": "abc"])
        #expect(listed == ["restApiId": "abc", "limit": 5, "embed": ["methods"]])
    }

    @Test func missingRequiredMemberIsAValidationError() {
        let request = IncomingRequest(method: "PUT", rawPath: "/", body: Data("{}".utf8))
        let expected = AWSError("ValidationException", status: 400,
            "1 validation error detected: Value null at 'putMethodInput.authorizationType' failed to satisfy constraint: Member must not be null")
        #expect(throws: expected) {
            try decode("PutMethod", request, labels: ["restapi_id": "a", "resource_id": "r", "http_method": "GET"])
        }
    }

    @Test func illTypedMembersAndEnumsAreValidationErrors() {
        let wrongType = IncomingRequest(method: "POST", rawPath: "/restapis", body: Data(#"{"name": 5}"#.utf8))
        let typeError = #expect(throws: AWSError.self) { try decode("CreateRestApi", wrongType) }
        #expect(typeError?.code == "ValidationException")
        #expect(typeError?.message.contains("createRestApiInput.name") ?? false)
        let badEnum = IncomingRequest(method: "PUT", rawPath: "/", body: Data(#"{"type":"HTTPS_PROXY"}"#.utf8))
        let enumError = #expect(throws: AWSError.self) {
            try decode("PutIntegration", badEnum, labels: ["restapi_id": "a", "resource_id": "r", "http_method": "GET"])
        }
        #expect(enumError?.message.contains("Member must satisfy enum value set") ?? false)
        let badLimit = IncomingRequest(method: "GET", rawPath: "/", rawQuery: "limit=ten")
        #expect(throws: (any Error).self) { try decode("GetRestApis", badLimit) }
    }

    @Test func malformedJSONBodyIsASerializationError() {
        let request = IncomingRequest(method: "POST", rawPath: "/restapis", body: Data("{not json".utf8))
        let error = #expect(throws: AWSError.self) { try decode("CreateRestApi", request) }
        #expect(error?.code == "SerializationException")
    }

    @Test func outputUsesWireNamesAndDropsUndeclaredMembers() throws {
        let response = OutputEncoder(model: apigateway).encode(
            ["items": [["id": "a", "secret": "x"]], "position": "p"], shapeName: "RestApis", status: 200)
        #expect(response.status == 200)
        #expect(try JSON(parsing: response.body) == ["item": [["id": "a"]], "position": "p"])
    }

    @Test func timestampsFollowTheModelFormat() throws {
        let v2 = try ServiceModel.bundled("apigatewayv2")
        // apigatewayv2 names members `CreatedDate` and sends them as `createdDate`, in ISO 8601.
        let encoded = OutputEncoder(model: v2).encode(["CreatedDate": 0, "Name": "x"], shapeName: "Api")
        #expect(encoded == ["createdDate": "1970-01-01T00:00:00Z", "name": "x"])
    }
}

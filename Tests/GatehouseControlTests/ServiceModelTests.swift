import Foundation
import GatehouseModel
import XCTest

@testable import GatehouseControl

/// The model-driven layer: routing by URI template, decoding and validating input, encoding output.
final class ServiceModelTests: XCTestCase {
    let apigateway = try! ServiceModel.bundled("apigateway")
    let lambda = try! ServiceModel.bundled("lambda")

    func testBundledModelsCarryTheirOperations() throws {
        XCTAssertEqual(apigateway.operations.count, 124)
        XCTAssertEqual(apigateway.operations["CreateRestApi"]?.status, 201)
        XCTAssertEqual(try ServiceModel.bundled("apigatewayv2").signingName, "apigateway")
        XCTAssertEqual(try ServiceModel.bundled("logs").metadata.targetPrefix, "Logs_20140328")
    }

    func testRouterPrefersLiteralSegmentsAndQueryLiterals() {
        let router = OperationRouter(model: apigateway)
        XCTAssertEqual(router.match(method: "GET", rawPath: "/restapis/abc/resources", query: [])?.operation, "GetResources")
        let resource = router.match(method: "GET", rawPath: "/restapis/abc/resources/r1", query: [])
        XCTAssertEqual(resource?.operation, "GetResource")
        XCTAssertEqual(resource?.labels, ["restapi_id": "abc", "resource_id": "r1"])
        XCTAssertEqual(router.match(method: "POST", rawPath: "/restapis", query: [("mode", "import")])?.operation, "ImportRestApi")
        XCTAssertEqual(router.match(method: "POST", rawPath: "/restapis", query: [])?.operation, "CreateRestApi")
        XCTAssertNil(router.match(method: "GET", rawPath: "/nowhere", query: []))
    }

    func testRouterDecodesLabelsAndIgnoresTrailingSlashes() {
        let router = OperationRouter(model: apigateway)
        XCTAssertEqual(router.match(method: "GET", rawPath: "/restapis/a%20b", query: [])?.labels["restapi_id"], "a b")
        XCTAssertEqual(OperationRouter(model: lambda).match(method: "GET", rawPath: "/2015-03-31/functions/", query: [])?.operation, "ListFunctions")
    }

    func decode(_ operation: String, _ request: IncomingRequest, labels: [String: String] = [:]) throws -> JSON {
        var decoder = InputDecoder(model: apigateway, validationError: "ValidationException")
        decoder.pathPrefix = operation.prefix(1).lowercased() + operation.dropFirst() + "Input"
        return try decoder.decode(shapeName: apigateway.operations[operation]?.input, request: request, labels: labels)
    }

    func testInputMembersComeFromLabelsQueryAndBody() throws {
        let request = IncomingRequest(
            method: "PUT", rawPath: "/restapis/abc/resources/r1/methods/GET", rawQuery: "",
            body: Data(#"{"authorizationType":"NONE","apiKeyRequired":true}"#.utf8))
        let input = try decode("PutMethod", request, labels: ["restapi_id": "abc", "resource_id": "r1", "http_method": "GET"])
        XCTAssertEqual(input, [
            "restApiId": "abc", "resourceId": "r1", "httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": true,
        ])
        let listed = try decode("GetResources", IncomingRequest(method: "GET", rawPath: "/", rawQuery: "limit=5&embed=methods"), labels: ["restapi_id": "abc"])
        XCTAssertEqual(listed, ["restApiId": "abc", "limit": 5, "embed": ["methods"]])
    }

    func testMissingRequiredMemberIsAValidationError() {
        let request = IncomingRequest(method: "PUT", rawPath: "/", body: Data("{}".utf8))
        XCTAssertThrowsError(try decode("PutMethod", request, labels: ["restapi_id": "a", "resource_id": "r", "http_method": "GET"])) { error in
            XCTAssertEqual(error as? AWSError, AWSError("ValidationException", status: 400,
                "1 validation error detected: Value null at 'putMethodInput.authorizationType' failed to satisfy constraint: Member must not be null"))
        }
    }

    func testIllTypedMembersAndEnumsAreValidationErrors() {
        let wrongType = IncomingRequest(method: "POST", rawPath: "/restapis", body: Data(#"{"name": 5}"#.utf8))
        XCTAssertThrowsError(try decode("CreateRestApi", wrongType)) { error in
            XCTAssertEqual((error as? AWSError)?.code, "ValidationException")
            XCTAssertTrue((error as? AWSError)?.message.contains("createRestApiInput.name") ?? false)
        }
        let badEnum = IncomingRequest(method: "PUT", rawPath: "/", body: Data(#"{"type":"HTTPS_PROXY"}"#.utf8))
        XCTAssertThrowsError(try decode("PutIntegration", badEnum, labels: ["restapi_id": "a", "resource_id": "r", "http_method": "GET"])) { error in
            XCTAssertTrue((error as? AWSError)?.message.contains("Member must satisfy enum value set") ?? false)
        }
        let badLimit = IncomingRequest(method: "GET", rawPath: "/", rawQuery: "limit=ten")
        XCTAssertThrowsError(try decode("GetRestApis", badLimit))
    }

    func testMalformedJSONBodyIsASerializationError() {
        let request = IncomingRequest(method: "POST", rawPath: "/restapis", body: Data("{not json".utf8))
        XCTAssertThrowsError(try decode("CreateRestApi", request)) { error in
            XCTAssertEqual((error as? AWSError)?.code, "SerializationException")
        }
    }

    func testOutputUsesWireNamesAndDropsUndeclaredMembers() throws {
        let response = OutputEncoder(model: apigateway).encode(
            ["items": [["id": "a", "secret": "x"]], "position": "p"], shapeName: "RestApis", status: 200)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try JSON(parsing: response.body), ["item": [["id": "a"]], "position": "p"])
    }

    func testTimestampsFollowTheModelFormat() {
        let v2 = try! ServiceModel.bundled("apigatewayv2")
        // apigatewayv2 names members `CreatedDate` and sends them as `createdDate`, in ISO 8601.
        let encoded = OutputEncoder(model: v2).encode(["CreatedDate": 0, "Name": "x"], shapeName: "Api")
        XCTAssertEqual(encoded, ["createdDate": "1970-01-01T00:00:00Z", "name": "x"])
    }
}

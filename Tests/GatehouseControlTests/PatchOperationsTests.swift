import GatehouseModel
import XCTest

@testable import GatehouseControl

/// Patch operations as API Gateway applies them to its resources.
final class PatchOperationsTests: XCTestCase {
    let model = try! ServiceModel.bundled("apigateway")

    func apply(_ operations: [PatchOperation], to document: JSON, shape: String = "RestApi", patchable: Set<String>? = nil) throws -> JSON {
        try Patcher(model: model, shapeName: shape, patchable: patchable).apply(operations, to: document)
    }

    func testReplaceSetsAScalarMember() throws {
        let result = try apply([PatchOperation(op: .replace, path: "/name", value: "renamed")], to: ["name": "demo"])
        XCTAssertEqual(result, ["name": "renamed"])
    }

    func testValuesTakeTheMemberTypeFromTheModel() throws {
        let result = try apply(
            [
                PatchOperation(op: .replace, path: "/disableExecuteApiEndpoint", value: "true"),
                PatchOperation(op: .replace, path: "/minimumCompressionSize", value: "1024"),
            ], to: .emptyObject)
        XCTAssertEqual(result, ["disableExecuteApiEndpoint": true, "minimumCompressionSize": 1024])
    }

    func testAddWithAnEscapedListElementAppendsIt() throws {
        let result = try apply([PatchOperation(op: .add, path: "/binaryMediaTypes/image~1png")], to: ["binaryMediaTypes": ["text/csv"]])
        XCTAssertEqual(result, ["binaryMediaTypes": ["text/csv", "image/png"]])
    }

    func testAddToAMissingListCreatesIt() throws {
        let result = try apply([PatchOperation(op: .add, path: "/binaryMediaTypes/image~1png")], to: .emptyObject)
        XCTAssertEqual(result, ["binaryMediaTypes": ["image/png"]])
    }

    func testRemoveWithAnEscapedListElementDropsIt() throws {
        let result = try apply([PatchOperation(op: .remove, path: "/binaryMediaTypes/image~1png")], to: ["binaryMediaTypes": ["image/png", "text/csv"]])
        XCTAssertEqual(result, ["binaryMediaTypes": ["text/csv"]])
    }

    func testMapEntriesAreAddedReplacedAndRemoved() throws {
        var stage: JSON = ["stageName": "dev"]
        stage = try apply([PatchOperation(op: .replace, path: "/variables/x", value: "1")], to: stage, shape: "Stage")
        XCTAssertEqual(stage["variables"], ["x": "1"])
        stage = try apply([PatchOperation(op: .add, path: "/variables/y", value: "2")], to: stage, shape: "Stage")
        XCTAssertEqual(stage["variables"], ["x": "1", "y": "2"])
        stage = try apply([PatchOperation(op: .remove, path: "/variables/x")], to: stage, shape: "Stage")
        XCTAssertEqual(stage["variables"], ["y": "2"])
    }

    func testEscapedMapKeysAreUnescaped() throws {
        let result = try apply(
            [PatchOperation(op: .add, path: "/requestTemplates/application~1json", value: "{}")], to: .emptyObject, shape: "Integration")
        XCTAssertEqual(result, ["requestTemplates": ["application/json": "{}"]])
    }

    func testCopyAndMoveTakeTheirValueFromFrom() throws {
        let copied = try apply([PatchOperation(op: .copy, path: "/description", from: "/name")], to: ["name": "a"])
        XCTAssertEqual(copied, ["name": "a", "description": "a"])
        let moved = try apply([PatchOperation(op: .move, path: "/description", from: "/name")], to: ["name": "a"])
        XCTAssertEqual(moved, ["description": "a"])
    }

    func testUnknownPathIsABadRequest() {
        XCTAssertThrowsError(try apply([PatchOperation(op: .replace, path: "/nope", value: "x")], to: .emptyObject)) { error in
            XCTAssertEqual(error as? AWSError, .badRequest("Invalid patch path /nope"))
        }
    }

    func testPathOutsideThePatchableSetIsABadRequest() {
        XCTAssertThrowsError(try apply([PatchOperation(op: .replace, path: "/id", value: "x")], to: .emptyObject, patchable: ["name"]))
    }

    func testNonBooleanValueForABooleanMemberIsABadRequest() {
        XCTAssertThrowsError(try apply([PatchOperation(op: .replace, path: "/disableExecuteApiEndpoint", value: "maybe")], to: .emptyObject)) { error in
            XCTAssertEqual((error as? AWSError)?.code, "BadRequestException")
        }
    }

    func testOperationsAreDecodedFromTheInput() throws {
        let input: JSON = ["patchOperations": [["op": "replace", "path": "/name", "value": "x"], ["op": "remove", "path": "/description"]]]
        XCTAssertEqual(try PatchOperation.list(from: input), [
            PatchOperation(op: .replace, path: "/name", value: "x"), PatchOperation(op: .remove, path: "/description"),
        ])
        XCTAssertThrowsError(try PatchOperation.list(from: ["patchOperations": [["op": "frobnicate", "path": "/name"]]]))
    }

    func testSegmentsUnescapeTildeSequences() {
        XCTAssertEqual(PatchOperation(op: .add, path: "/a~1b/c~0d").segments, ["a/b", "c~d"])
    }
}

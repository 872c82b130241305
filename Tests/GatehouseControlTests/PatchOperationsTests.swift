import GatehouseModel
import Testing

@testable import GatehouseControl

/// Patch operations as API Gateway applies them to its resources.
@Suite struct PatchOperationsTests {
    let model: ServiceModel

    init() throws {
        model = try ServiceModel.bundled("apigateway")
    }

    func apply(_ operations: [PatchOperation], to document: JSON, shape: String = "RestApi", patchable: Set<String>? = nil) throws -> JSON {
        try Patcher(model: model, shapeName: shape, patchable: patchable).apply(operations, to: document)
    }

    @Test func replaceSetsAScalarMember() throws {
        let result = try apply([PatchOperation(op: .replace, path: "/name", value: "renamed")], to: ["name": "demo"])
        #expect(result == ["name": "renamed"])
    }

    @Test func valuesTakeTheMemberTypeFromTheModel() throws {
        let result = try apply(
            [
                PatchOperation(op: .replace, path: "/disableExecuteApiEndpoint", value: "true"),
                PatchOperation(op: .replace, path: "/minimumCompressionSize", value: "1024"),
            ], to: .emptyObject)
        #expect(result == ["disableExecuteApiEndpoint": true, "minimumCompressionSize": 1024])
    }

    @Test func addWithAnEscapedListElementAppendsIt() throws {
        let result = try apply([PatchOperation(op: .add, path: "/binaryMediaTypes/image~1png")], to: ["binaryMediaTypes": ["text/csv"]])
        #expect(result == ["binaryMediaTypes": ["text/csv", "image/png"]])
    }

    @Test func addToAMissingListCreatesIt() throws {
        let result = try apply([PatchOperation(op: .add, path: "/binaryMediaTypes/image~1png")], to: .emptyObject)
        #expect(result == ["binaryMediaTypes": ["image/png"]])
    }

    @Test func removeWithAnEscapedListElementDropsIt() throws {
        let result = try apply([PatchOperation(op: .remove, path: "/binaryMediaTypes/image~1png")], to: ["binaryMediaTypes": ["image/png", "text/csv"]])
        #expect(result == ["binaryMediaTypes": ["text/csv"]])
    }

    @Test func mapEntriesAreAddedReplacedAndRemoved() throws {
        var stage: JSON = ["stageName": "dev"]
        stage = try apply([PatchOperation(op: .replace, path: "/variables/x", value: "1")], to: stage, shape: "Stage")
        #expect(stage["variables"] == ["x": "1"])
        stage = try apply([PatchOperation(op: .add, path: "/variables/y", value: "2")], to: stage, shape: "Stage")
        #expect(stage["variables"] == ["x": "1", "y": "2"])
        stage = try apply([PatchOperation(op: .remove, path: "/variables/x")], to: stage, shape: "Stage")
        #expect(stage["variables"] == ["y": "2"])
    }

    @Test func escapedMapKeysAreUnescaped() throws {
        let result = try apply(
            [PatchOperation(op: .add, path: "/requestTemplates/application~1json", value: "{}")], to: .emptyObject, shape: "Integration")
        #expect(result == ["requestTemplates": ["application/json": "{}"]])
    }

    @Test func copyAndMoveTakeTheirValueFromFrom() throws {
        let copied = try apply([PatchOperation(op: .copy, path: "/description", from: "/name")], to: ["name": "a"])
        #expect(copied == ["name": "a", "description": "a"])
        let moved = try apply([PatchOperation(op: .move, path: "/description", from: "/name")], to: ["name": "a"])
        #expect(moved == ["description": "a"])
    }

    @Test func unknownPathIsABadRequest() {
        #expect(throws: AWSError.badRequest("Invalid patch path /nope")) {
            try apply([PatchOperation(op: .replace, path: "/nope", value: "x")], to: .emptyObject)
        }
    }

    @Test func pathOutsideThePatchableSetIsABadRequest() {
        #expect(throws: (any Error).self) {
            try apply([PatchOperation(op: .replace, path: "/id", value: "x")], to: .emptyObject, patchable: ["name"])
        }
    }

    @Test func nonBooleanValueForABooleanMemberIsABadRequest() {
        let error = #expect(throws: AWSError.self) {
            try apply([PatchOperation(op: .replace, path: "/disableExecuteApiEndpoint", value: "maybe")], to: .emptyObject)
        }
        #expect(error?.code == "BadRequestException")
    }

    @Test func operationsAreDecodedFromTheInput() throws {
        let input: JSON = ["patchOperations": [["op": "replace", "path": "/name", "value": "x"], ["op": "remove", "path": "/description"]]]
        #expect(try PatchOperation.list(from: input) == [
            PatchOperation(op: .replace, path: "/name", value: "x"), PatchOperation(op: .remove, path: "/description"),
        ])
        #expect(throws: (any Error).self) { try PatchOperation.list(from: ["patchOperations": [["op": "frobnicate", "path": "/name"]]]) }
    }

    @Test func segmentsUnescapeTildeSequences() {
        #expect(PatchOperation(op: .add, path: "/a~1b/c~0d").segments == ["a/b", "c~d"])
    }
}

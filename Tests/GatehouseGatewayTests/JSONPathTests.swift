import Foundation
import Testing
import Velocity

@testable import GatehouseGateway

/// JSONPath as `$input.path` and `$input.json` read payloads (Jayway's syntax).
@Suite struct JSONPathTests {
    let document = try! VelocityValue(parsingJSON: Data(#"""
        {"store": {"book": [
            {"title": "Sayings", "price": 8.95, "tags": ["a"]},
            {"title": "Sword", "price": 12, "isbn": "0-553"}
         ], "bicycle": {"color": "red"}}, "odd key": 1}
        """#.utf8))

    func evaluate(_ path: String) throws -> VelocityValue {
        try JSONPath(path).evaluate(document)
    }

    @Test func definitePathsNameOneValue() throws {
        #expect(try evaluate("$.store.bicycle.color") == "red")
        #expect(try evaluate("$.store.book[1].price") == 12)
        #expect(try evaluate("$.store.book[-1].title") == "Sword")
        #expect(try evaluate("$['odd key']") == 1)
        #expect(try evaluate("store.bicycle['color']") == "red")
        #expect(try evaluate("$.missing.deeper") == .null)
        #expect(try evaluate("$") == document)
    }

    @Test func indefinitePathsListTheirMatches() throws {
        #expect(try evaluate("$.store.book[*].title") == ["Sayings", "Sword"])
        #expect(try evaluate("$..price") == [8.95, 12])
        #expect(try evaluate("$.store.book[0:1].title") == ["Sayings"])
        #expect(try evaluate("$.store.book[0,1].price") == [8.95, 12])
        #expect(try evaluate("$.store.bicycle.*") == ["red"])
        #expect(try evaluate("$..isbn") == ["0-553"])
    }

    @Test func filtersAndBrokenPathsAreErrors() {
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath("$.store.book[?(@.price < 10)]") }
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath("$.store.") }
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath("$.a[1") }
    }

    @Test func valuesSerializeBackInDocumentOrder() throws {
        #expect(try evaluate("$.store.book[0]").jsonText == #"{"title":"Sayings","price":8.95,"tags":["a"]}"#)
        #expect(VelocityValue.string("a\"b\n").jsonText == #""a\"b\n""#)
    }
}

import Foundation
import Testing

@testable import GatehouseModel

/// The JSON value, its parser and its writer.
@Suite struct JSONTests {
    func parse(_ text: String) throws -> JSON { try JSON(parsing: Data(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == ["a": [1, -2.5, 300, true, false, nil], "b": ["c": "d"], "e": ""])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"abc", "\"\\x\"", "[1] 2", "\"\\ud800\"", "{a:1}", "\"a\u{01}\""])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParser<JSON>.SyntaxError.self) { try parse(text) }
    }

    @Test func rejectsPathologicalNesting() {
        #expect(throws: JSONParser<JSON>.SyntaxError.self) { try parse(String(repeating: "[", count: 1000)) }
    }

    @Test func writesSortedCompactTextWithIntegralNumbersAsIntegers() {
        let value: JSON = ["b": [1, 2.5], "a": "x\"y\n\u{01}", "c": true, "d": nil]
        #expect(value.serializedString == #"{"a":"x\"y\n\u0001","b":[1,2.5],"c":true,"d":null}"#)
    }

    @Test func roundTripsThroughText() throws {
        let value: JSON = ["unicode": "é😀", "nested": [["deep": [1, 2, 3]]], "n": -0.125]
        #expect(try JSON(parsing: value.serialized()) == value)
    }

    @Test func codableAgreesWithTheParser() throws {
        let text = #"{"a":[1,true,null,"s"],"b":{"c":2.5}}"#
        let decoded = try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        #expect(decoded == (try parse(text)))
    }
}

@Suite struct RequestIDTests {
    @Test func idsAreVersion4UUIDsAndDistinct() {
        let ids = (0..<1000).map { _ in RequestID.next() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(20) {
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].first == "4")
            #expect("89ab".contains(parts[3].first!))
        }
    }

    @Test func base64IdsHaveTheRequestedLength() {
        #expect(RequestID.base64(count: 15).count == 15)
        #expect(RequestID.base64(count: 15) != RequestID.base64(count: 15))
    }

    @Test func headerNamesCompareIgnoringASCIICase() {
        #expect("Content-Type".equalsIgnoringASCIICase("content-type"))
        #expect(!"Content-Type".equalsIgnoringASCIICase("content-typ"))
        #expect(!"a[".equalsIgnoringASCIICase("a{"))
    }
}

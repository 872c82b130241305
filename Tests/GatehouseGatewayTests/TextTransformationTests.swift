import Testing

@testable import GatehouseGateway

@Suite struct TextTransformationTests {
    func apply(_ types: [String], _ text: String) -> String {
        String(decoding: types.reduce(Array(text.utf8)) { TextTransformation.apply($1, to: $0) }, as: UTF8.self)
    }

    @Test func transformationsApplyInOrder() {
        #expect(apply(["URL_DECODE", "LOWERCASE"], "1%20UNION+SELECT") == "1 union select")
        #expect(apply(["COMPRESS_WHITE_SPACE"], "a \t\n  b") == "a b")
        #expect(apply(["HTML_ENTITY_DECODE"], "&lt;script&gt; &amp;") == "<script> &")
        #expect(apply(["BASE64_DECODE"], "PHNjcmlwdD4=") == "<script>")
        #expect(apply(["NONE"], "As Is") == "As Is")
    }

    @Test func containsWordNeedsBoundaries() {
        #expect(TextTransformation.containsWord(Array("drop table x".utf8), Array("table".utf8)))
        #expect(!TextTransformation.containsWord(Array("tables".utf8), Array("table".utf8)))
        #expect(TextTransformation.containsWord(Array("a tables table".utf8), Array("table".utf8)))
    }
}

import Testing

@testable import GatehouseGateway

/// `$util`, escaping exactly as the Java functions AWS calls.
@Suite struct UtilVariableTests {
    @Test func escapeJavaScriptFollowsCommonsLang() {
        #expect(UtilVariable.escapeJavaScript(#"He said "it's" a/b\c"#) == #"He said \"it\'s\" a\/b\\c"#)
        #expect(UtilVariable.escapeJavaScript("tab\tline\nend") == #"tab\tline\nend"#)
        #expect(UtilVariable.escapeJavaScript("é€") == #"\u00E9\u20AC"#)
        #expect(UtilVariable.escapeJavaScript("\u{01}") == #"\u0001"#)
    }

    @Test func urlEncodingIsFormEncoding() {
        #expect(UtilVariable.urlEncode("a b&c=d/é*-_.~") == "a+b%26c%3Dd%2F%C3%A9*-_.%7E")
        #expect(UtilVariable.urlDecode("a+b%26c%3Dd%2F%C3%A9") == "a b&c=d/é")
        #expect(UtilVariable.urlDecode("100%") == "100%")
    }

    @Test func base64RoundTrips() throws {
        let util = UtilVariable()
        #expect(try util.call("base64Encode", arguments: ["hello"]) == "aGVsbG8=")
        #expect(try util.call("base64Decode", arguments: ["aGVsbG8="]) == "hello")
        #expect(try util.call("parseJson", arguments: [#"{"a": [1, 2.5]}"#]) == ["a": [1, 2.5]])
    }
}

import Testing
import Velocity

/// Literals, operators and their Velocity 1.7 semantics.
@Suite struct ExpressionTests {
    func value(_ expression: String, _ context: [String: VelocityValue] = [:]) throws -> String {
        try render("#set($result = \(expression))$result", context)
    }

    @Test func integerArithmeticStaysIntegral() throws {
        #expect(try value("7 / 2") == "3")
        #expect(try value("7 % 3 + 2 * 3 - 1") == "6")
        #expect(try value("-7 / 2") == "-3")
    }

    @Test func minusStartsANumberOnlyWhenItTouchesADigit() throws {
        #expect(try value("2 * -3") == "-6")
        #expect(try value("5 - -1") == "6")
        for expression in ["-(2 + 3)", "-$n", "5 -1"] {
            #expect(throws: VelocityError.self) { try value(expression, ["n": 1]) }
        }
    }

    @Test func doublesMixIn() throws {
        #expect(try value("7 / 2.0") == "3.5")
        #expect(try value("1.5 + 1") == "2.5")
    }

    @Test func doublesRenderLikeJava() throws {
        let doubles: [String: VelocityValue] = ["a": 1e20, "b": 1e-5, "c": 12345678.9, "d": 0.001, "e": -0.0]
        #expect(try render("$a $b $c $d $e", doubles) == "1.0E20 1.0E-5 1.23456789E7 0.001 -0.0")
    }

    @Test func divisionByZeroYieldsNull() throws {
        #expect(try render("#set($r = 0)#set($r = 1 / 0)$r") == "0")
    }

    @Test func plusConcatenatesWhenEitherSideIsAString() throws {
        #expect(try value(#""a" + 1 + 2"#) == "a12")
        #expect(try value(#"1 + 2 + "a""#) == "3a")
    }

    @Test func comparisonsHaveWordForms() throws {
        #expect(try value("1 < 2 && 2 le 2 and 3 gt 2 && 3 >= 3") == "true")
        #expect(try value("1 eq 1.0 && 'a' ne 'b'") == "true")
    }

    @Test func onlyNumbersOrder() throws {
        #expect(try value("'a' < 'b'") == "false")
        #expect(try value("'b' >= 'a'") == "false")
    }

    @Test func unrelatedKindsCompareByText() throws {
        #expect(try value("1 == '1'") == "true")
    }

    @Test func logicShortCircuitsAndNegates() throws {
        #expect(try value("!true || not false") == "true")
        #expect(try value("$missing && $missing.explode()") == "false")
    }

    @Test func precedenceAndParentheses() throws {
        #expect(try value("1 + 2 * 3") == "7")
        #expect(try value("(1 + 2) * 3") == "9")
    }

    @Test func singleQuotedStringsAreLiteral() throws {
        #expect(try render("#set($a = 'x')#set($b = '$a')$b") == "$a")
    }

    @Test func doubleQuotedStringsInterpolate() throws {
        #expect(try render(#"#set($a = "x")#set($b = "[$a] #if(true)yes#end")$b"#) == "[x] yes")
    }

    @Test func doubledQuotesEscapeAQuote() throws {
        #expect(try value(#""say ""hi""""#) == #"say "hi""#)
        #expect(try value("'it''s'") == "it's")
    }

    @Test func listsRangesAndMaps() throws {
        #expect(try value("[1, 'a', [true]]") == "[1, a, [true]]")
        #expect(try value("[1..4]") == "[1, 2, 3, 4]")
        #expect(try value("[3..1]") == "[3, 2, 1]")
        #expect(try value("[$n..2]", ["n": 0]) == "[0, 1, 2]")
        #expect(try value(#"{"a": 1, "b": [2]}"#) == "{a=1, b=[2]}")
    }
}

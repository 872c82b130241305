import Testing
import Velocity

/// Invalid templates fail at parse time with the line and column of the culprit.
@Suite struct ParseErrorTests {
    func parseError(_ source: String) -> VelocityError? {
        do {
            _ = try VelocityTemplate(source)
            return nil
        } catch let error as VelocityError {
            return error
        } catch {
            return nil
        }
    }

    @Test func anUnclosedIfPointsAtTheIf() {
        guard case .parse(let message, 2, 3)? = parseError("line one\n  #if($a)\nbody") else {
            Issue.record("expected a parse error at 2:3, got \(String(describing: parseError("line one\n  #if($a)\nbody")))")
            return
        }
        #expect(message.contains("#end"))
    }

    @Test func aStrayEndIsAnError() {
        guard case .parse(_, 1, 4)? = parseError("ab #end") else {
            Issue.record("expected a parse error at 1:4")
            return
        }
    }

    @Test func anElseInsideForeachIsAnError() {
        #expect(parseError("#foreach($i in [1])#else#end") != nil)
    }

    @Test func aMissingParenthesisAfterSetIsAnError() {
        guard case .parse(_, 1, 6)? = parseError("#set $a = 1)") else {
            Issue.record("expected a parse error at 1:6")
            return
        }
    }

    @Test func anUnclosedStringPointsAtItsQuote() {
        guard case .parse(_, 2, 11)? = parseError("\n#set($a = \"abc)") else {
            Issue.record("expected a parse error at 2:11, got \(String(describing: parseError("\n#set($a = \"abc)")))")
            return
        }
    }

    @Test func bareWordsAreNotValues() {
        guard case .parse(let message, 1, 11)? = parseError("#if($a == b)#end") else {
            Issue.record("expected a parse error at 1:11")
            return
        }
        #expect(message.contains("'b'"))
    }

    @Test func unclosedCommentsAndFormalReferencesAreErrors() {
        #expect(parseError("#* never closed") != nil)
        #expect(parseError("${name") != nil)
        #expect(parseError("#set($a = [1, 2)") != nil)
    }

    @Test func errorsInsideInterpolatedStringsKeepTheirPosition() {
        guard case .parse(_, 1, 17)? = parseError(#"#set($a = "x#if(")"#) else {
            Issue.record("expected a parse error at 1:17, got \(String(describing: parseError(#"#set($a = "x#if(")"#)))")
            return
        }
    }

    @Test func aTemplateEndingInALoneDollarOrHashFailsAsInVelocity17() {
        for source in ["trailing $", "a #", "x $!"] {
            #expect(parseError(source) != nil)
        }
        #expect(parseError(#"#set($a = "cost $")"#) == nil)
    }

    @Test func aBackslashDoesNotEscapeAQuote() {
        #expect(parseError(#"#set($s = "a\"b")"#) != nil)
    }

    @Test func errorsDescribeThemselves() {
        let error = VelocityError.parse(message: "boom", line: 3, column: 7)
        #expect(error.description == "Velocity parse error at line 3, column 7: boom")
    }
}

/// Limits that keep hostile templates from exhausting the stack.
@Suite struct NestingLimitTests {
    @Test func deeplyNestedExpressionsFailToParse() {
        let source = "#set($a = " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500) + ")"
        #expect(throws: VelocityError.self) { try VelocityTemplate(source) }
    }

    @Test func deeplyNestedBlocksFailToParse() {
        let source = String(repeating: "#if(true)", count: 500) + String(repeating: "#end", count: 500)
        #expect(throws: VelocityError.self) { try VelocityTemplate(source) }
    }

    @Test func reasonableNestingParses() throws {
        let source = String(repeating: "#if(true)", count: 10) + "ok" + String(repeating: "#end", count: 10)
        #expect(try render(source) == "ok")
    }
}

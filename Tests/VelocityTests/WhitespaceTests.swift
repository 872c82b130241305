import Testing
import Velocity

/// Velocity 1.7's whitespace rules (Velocity 2's `bc` space gobbling), which API Gateway's
/// mapping templates follow. Every expectation here was checked against Apache Velocity 1.7.
@Suite struct WhitespaceTests {
    @Test func aSetAloneOnItsLineLeavesNoBlankLine() throws {
        #expect(try render("a\n#set($x = 1)\nb$x\n") == "a\nb1\n")
    }

    @Test func aDirectivesClosingParenthesisSwallowsTheRestOfAnEmptyLine() throws {
        #expect(try render("#if(true)  \nyes\n#end\nnext") == "yes\nnext")
        #expect(try render("#if(true)  x#end") == "  x")
    }

    @Test func endAndElseSwallowTheirLineBreakEvenAfterText() throws {
        #expect(try render("#if(true)yes#end\nnext") == "yesnext")
        #expect(try render("#if(false)a#else   \nb#end") == "b")
    }

    @Test func indentationBeforeBlockDirectivesIsKept() throws {
        let template = """
            [
              #foreach($i in [1..2])
                #if($i == 2)
              two
                #else
              one
                #end
              #end
            ]
            """
        #expect(try render(template) == "[\n        one\n            two\n      ]")
    }

    @Test func setSwallowsTheBlanksBeforeItUnlessTextLeadsUpToThem() throws {
        #expect(try render("#set($a = 'x')\n  #set($b = 'y')\n$a$b") == "xy")
        #expect(try render("$a   #set($b = 1)$b", ["a": "x"]) == "x1")
        #expect(try render("a\n  #set($x = 1)\nb$x") == "a\n  b1")
        #expect(try render("a #set($x = 1) b\nc") == "a  b\nc")
    }

    @Test func aLineCommentSwallowsOnlyItsLineBreak() throws {
        #expect(try render("a\n  ## note\nb") == "a\n  b")
        #expect(try render("a\n#set($x = 1) ## note\nb") == "a\n b")
    }

    @Test func aBlockCommentSwallowsNothing() throws {
        #expect(try render("a\n#* note *#\nb") == "a\n\nb")
    }

    @Test func windowsLineEndingsAreSwallowedToo() throws {
        #expect(try render("a\r\n#set($x = 1)\r\nb") == "a\r\nb")
    }

    @Test func macroCallsSwallowTheirLineBreakButUnknownOnesRenderIt() throws {
        #expect(try render("#macro(m)\nx\n#end\n#m()\ny") == "x\ny")
        #expect(try render("#nothing()\nz") == "#nothing()\nz")
    }

    @Test func breakAndStopSwallowNothing() throws {
        #expect(try render("#foreach($i in [1..2])\n$i\n#break\n#end") == "1\n")
        #expect(try render("a\n#stop\nb") == "a\n")
    }
}

/// The idioms API Gateway users write against these rules.
@Suite struct BranchWhitespaceTests {
    @Test func elseifAndElseLinesLeaveNoBlankLines() throws {
        let template = """
            #if($n == 1)
            one
            #elseif($n == 2)
            two
            #else
            many
            #end
            done
            """
        #expect(try render(template, ["n": 2]) == "two\ndone")
        #expect(try render(template, ["n": 5]) == "many\ndone")
    }

    @Test func textAroundAnInlineDirectiveIsKeptExactly() throws {
        #expect(try render("  $x #if(true) y #end z", ["x": 1]) == "  1  y  z")
    }

    @Test func aBlankLineAfterAnInlineEndKeepsTheLineBreak() throws {
        let template = """
            [
            #foreach($x in [1..2])
              $x#if($foreach.hasNext),#end

            #end
            ]
            """
        #expect(try render(template) == "[\n  1,\n  2\n]")
    }
}

import Testing
import Velocity

/// Lines that hold only a directive render nothing: no indentation, no newline.
@Suite struct WhitespaceTests {
    @Test func aSetAloneOnItsLineLeavesNoBlankLine() throws {
        #expect(try render("a\n#set($x = 1)\nb$x\n") == "a\nb1\n")
    }

    @Test func indentedBlockDirectivesLeaveOnlyTheirBody() throws {
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
        #expect(try render(template) == "[\n  one\n  two\n]")
    }

    @Test func directivesSharingALineWithTextKeepTheLine() throws {
        #expect(try render("a #set($x = 1) b\nc") == "a  b\nc")
        #expect(try render("#if(true)yes#end\nnext") == "yes\nnext")
    }

    @Test func aCommentAloneOnItsLineLeavesNoBlankLine() throws {
        #expect(try render("a\n  ## note\nb") == "a\nb")
        #expect(try render("a\n#set($x = 1) ## note\nb") == "a\nb")
    }

    @Test func windowsLineEndingsAreGobbledToo() throws {
        #expect(try render("a\r\n#set($x = 1)\r\nb") == "a\r\nb")
    }

    @Test func macroCallsAloneOnALineKeepTheirNewline() throws {
        #expect(try render("#macro(m)\nx\n#end\n#m()\ny") == "x\n\ny")
    }
}

/// Gobbling applies to every branch directive of an `#if`.
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
}

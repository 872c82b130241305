import Testing
import Velocity

/// `#set`, `#if`, `#foreach`, `#break`, `#stop`, `#macro`, `#define`, comments and escapes.
@Suite struct DirectiveTests {
    @Test func setAssignsVariables() throws {
        #expect(try render(#"#set($a = "x")#set($b = $a)$b"#) == "x")
    }

    @Test func setOfNullLeavesTheVariableUnchanged() throws {
        #expect(try render("#set($a = 1)#set($a = $missing)$a") == "1")
    }

    @Test func setWritesIntoMapsAndLists() throws {
        #expect(try render("#set($m = {})#set($m.a = 1)#set($m['b'] = 2)$m") == "{a=1, b=2}")
        #expect(try render("#set($l = [1, 2])#set($l[0] = 9)$l") == "[9, 2]")
    }

    @Test func ifElseifElseChoosesTheFirstTrueBranch() throws {
        let template = "#if($n < 0)neg#elseif($n == 0)zero#{else}pos#end"
        #expect(try render(template, ["n": -1]) == "neg")
        #expect(try render(template, ["n": 0]) == "zero")
        #expect(try render(template, ["n": 3]) == "pos")
    }

    @Test func onlyNullAndFalseReferencesAreFalse() throws {
        let values: [String: VelocityValue] = ["f": false, "s": "", "l": [], "z": 0]
        #expect(try render("#if($missing)a#end#if($f)b#end#if($s)c#end#if($l)d#end#if($z)e#end", values) == "cde")
    }

    @Test func literalsOtherThanTrueAndArithmeticAreFalseConditions() throws {
        #expect(try render("#if('x')a#end#if(1)b#end#if([1])c#end#if(1 + 1)d#end#if(true)e#end#if(!'x')f#end") == "ef")
    }

    @Test func foreachIteratesListsWithLoopState() throws {
        let template = "#foreach($x in $xs)$foreach.index/$foreach.count/$velocityCount:$x#if($foreach.hasNext),#end#end"
        #expect(try render(template, ["xs": ["a", "b", "c"]]) == "0/1/1:a,1/2/2:b,2/3/3:c")
        #expect(try render("#foreach($x in [1, 2])$x#if($velocityHasNext)+#end#end") == "1+2")
    }

    @Test func foreachOverAMapVisitsItsValues() throws {
        #expect(try render("#foreach($v in $m)$v#end", ["m": ["a": 1, "b": 2]]) == "12")
    }

    @Test func foreachOverNullRendersNothing() throws {
        #expect(try render("#foreach($v in $missing)x#end.") == ".")
    }

    @Test func theLoopVariableDisappearsAfterTheLoop() throws {
        #expect(try render("#foreach($i in [1..2])$i#end $i") == "12 $i")
    }

    @Test func breakLeavesTheInnermostLoop() throws {
        let template = "#foreach($i in [1..3])#foreach($j in [1..3])#if($j > $i)#break#end$j#end;#end"
        #expect(try render(template) == "1;12;123;")
    }

    @Test func stopEndsRenderingKeepingEarlierOutput() throws {
        #expect(try render("a#foreach($i in [1..3])$i#if($i == 2)#stop#end#end b") == "a12")
    }

    @Test func macrosTakeArguments() throws {
        let template = "#macro(greet $who $punctuation)Hello $who$punctuation#end#greet('Ada' '!') #greet(\"Bob\", '?')"
        #expect(try render(template) == "Hello Ada! Hello Bob?")
    }

    @Test func macroArgumentsLeaveTheCallerAlone() throws {
        #expect(try render("#macro(m $x)[$x]#end#set($x = 1)#m(2)$x") == "[2]1")
    }

    @Test func macroArgumentsArePassedByName() throws {
        #expect(try render("#macro(m $a)$a$a#end#set($l = [])#m($l.add(1))$l.size()") == "truetrue2")
    }

    @Test func anUnsetMacroArgumentRendersAsTheCallerWroteIt() throws {
        #expect(try render("#macro(m $a)[$a][$!a]#end#m($undefined)") == "[$undefined][]")
    }

    @Test func extraMacroArgumentsAreIgnored() throws {
        #expect(try render("#macro(m $a $b)$a$b#end#m(1 2 3)") == "12")
    }

    @Test func unknownMacrosRenderLiterally() throws {
        #expect(try render("#nothing(1 2) and #plain") == "#nothing(1 2) and #plain")
    }

    @Test func runawayMacroRecursionIsAnError() {
        #expect(throws: VelocityError.self) { try render("#macro(loop)#loop()#end#loop()") }
    }

    @Test func defineRendersItsBodyWhenReferenced() throws {
        #expect(try render("#define($block)v=$v#end#set($v = 1)$block|#set($v = 2)$block") == "v=1|v=2")
    }

    @Test func commentsRenderNothing() throws {
        #expect(try render("a## line comment\nb#* block\ncomment *#c") == "abc")
    }

    @Test func escapedDirectivesRenderAsText() throws {
        #expect(try render(##"\#if($a) \#set"##) == "#if($a) #set")
    }

    @Test func unparsedBlocksRenderVerbatim() throws {
        #expect(try render("#[[ $a #if( ]]#") == " $a #if( ")
    }

    @Test func hashesThatStartNoDirectiveAreText() throws {
        #expect(try render(##"{"color": "#fff", "n": "#1"}"##) == ##"{"color": "#fff", "n": "#1"}"##)
    }
}

/// Loop state and scoping details.
@Suite struct LoopStateTests {
    @Test func firstAndLastMarkTheEnds() throws {
        #expect(try render("#foreach($x in [1..3])#if($foreach.first)<#end$x#if($foreach.last)>#end#end") == "<123>")
    }

    @Test func nestedLoopsSeeTheirOwnForeach() throws {
        #expect(try render("#foreach($a in [1, 2])#foreach($b in [1])$foreach.count#end$foreach.count#end") == "1112")
    }

    @Test func setInsideALoopWritesTheOuterVariable() throws {
        #expect(try render("#set($sum = 0)#foreach($i in [1..4])#set($sum = $sum + $i)#end$sum") == "10")
    }

    @Test func foreachOverHostObjectsUsesTheirElements() throws {
        struct Numbers: VelocityObject {
            var elements: [VelocityValue]? { [1, 2, 3] }
        }
        #expect(try render("#foreach($n in $numbers)$n#end", ["numbers": .object(Numbers())]) == "123")
    }
}

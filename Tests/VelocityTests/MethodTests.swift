import Testing
import Velocity

/// Java methods on strings, lists and maps, and bean-style properties.
@Suite struct MethodTests {
    @Test func stringMethods() throws {
        let s: [String: VelocityValue] = ["s": "  Hello, World  "]
        #expect(try render("$s.trim().length()|$s.toUpperCase()|$s.trim().substring(7)|$s.trim().substring(0, 5)", s)
            == "12|  HELLO, WORLD  |World|Hello")
        #expect(try render("$s.indexOf('o')|$s.contains('World')|$s.trim().startsWith('He')|$s.trim().endsWith('d')", s)
            == "6|true|true|true")
        #expect(try render("$s.isEmpty()|$s.empty|$s.equals('x')|$s.replace('l', 'L')", s)
            == "false|false|false|  HeLLo, WorLd  ")
    }

    @Test func regularExpressionMethods() throws {
        let s: [String: VelocityValue] = ["s": "a1b22c333"]
        #expect(try render("$s.replaceAll('[0-9]+', '#')|$s.replaceAll('([a-z])', '<$1>')", s) == "a#b#c#|<a>1<b>22<c>333")
        #expect(try render("$s.matches('[a-c0-9]+')|$s.matches('a1')|$s.replaceFirst('\\d', '_')", s) == "true|false|a_b22c333")
        #expect(try render("#foreach($p in $s.split('[a-z]'))[$p]#end", s) == "[][1][22][333]")
        #expect(try render("#set($p = 'a,b,,')$p.split(',').size()") == "2")
    }

    @Test func stringIndicesCountUTF16UnitsLikeJava() throws {
        #expect(try render("$s.length()", ["s": "😀a"]) == "3")
    }

    @Test func outOfRangeSubstringIsAnEvaluationError() {
        #expect(throws: VelocityError.self) { try render("$s.substring(5)", ["s": "abc"]) }
    }

    @Test func listMethods() throws {
        let l: [String: VelocityValue] = ["l": [1, 2, 3]]
        #expect(try render("$l.size()|$l.get(1)|$l.contains(3)|$l.isEmpty()|$l.indexOf(3)", l) == "3|2|true|false|2")
    }

    @Test func addingToAListUpdatesTheVariable() throws {
        #expect(try render("#set($l = [])$l.add('a')#set($ignored = $l.add('b'))$l") == "true[a, b]")
    }

    @Test func mapMethods() throws {
        let m: [String: VelocityValue] = ["m": ["a": 1, "b": 2]]
        #expect(try render("$m.get('a')|$m.containsKey('b')|$m.keySet()|$m.values()|$m.size()|$m.isEmpty()", m)
            == "1|true|[a, b]|[1, 2]|2|false")
        #expect(try render("#foreach($e in $m.entrySet())$e.key=$e.value;#end", m) == "a=1;b=2;")
    }

    @Test func puttingIntoANestedMapUpdatesTheVariable() throws {
        #expect(try render("#set($m = {'inner': {}})$!m.inner.put('k', 'v')$m.get('inner').put('k', 'w')$m")
            == "v{inner={k=w}}")
    }

    @Test func putReturnsNullSoAnUnquietPutRendersLiterally() throws {
        #expect(try render("#set($m = {})$m.put('k', 1)") == "$m.put('k', 1)")
    }
}

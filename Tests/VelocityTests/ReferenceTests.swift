import Testing
import Velocity

/// `$name`, `${name}`, `$!name`, property chains, calls and indexing.
@Suite struct ReferenceTests {
    @Test func definedReferencesRenderTheirValue() throws {
        #expect(try render("Hello $name!", ["name": "Ada"]) == "Hello Ada!")
    }

    @Test func undefinedReferencesRenderLiterally() throws {
        #expect(try render("Hello $name and ${other.thing}!") == "Hello $name and ${other.thing}!")
    }

    @Test func quietReferencesRenderNothingWhenUndefined() throws {
        #expect(try render("[$!name][$!{name}]") == "[][]")
        #expect(try render("[$!name]", ["name": "x"]) == "[x]")
    }

    @Test func aHostCanMakeEveryUnsetReferenceQuiet() throws {
        let template = try VelocityTemplate("[$name][${a.b}][$m.missing]", quietReferences: true)
        #expect(try template.render(context: ["m": ["x": 1]]) == "[][][]")
    }

    @Test func formalReferencesSeparateTheNameFromFollowingText() throws {
        #expect(try render("${size}px", ["size": 12]) == "12px")
    }

    @Test func dollarSignsThatStartNoReferenceAreText() throws {
        #expect(try render("costs $5 or $ 6, 100% # x") == "costs $5 or $ 6, 100% # x")
    }

    @Test func propertyChainsReadMapKeys() throws {
        #expect(try render("$user.address.city", ["user": ["address": ["city": "Oslo"]]]) == "Oslo")
    }

    @Test func aTrailingDotIsText() throws {
        #expect(try render("$name.", ["name": "end"]) == "end.")
    }

    @Test func hyphensBelongToIdentifiersAsInVelocity17() throws {
        #expect(try render("$a-b", ["a-b": "x", "a": "y"]) == "x")
    }

    @Test func methodCallsAndIndexesChain() throws {
        let context: VelocityValue = ["items": [["name": "first"], ["name": "second"]]]
        guard case .map(let map) = context else { return }
        let variables = Dictionary(uniqueKeysWithValues: map.entries.map { ($0.key, $0.value) })
        #expect(try render("$items[1].name $items.get(0).get('name') $items.size()", variables) == "second first 2")
    }

    @Test func aMissingMethodRendersTheWholeReferenceLiterally() throws {
        #expect(try render("$name.nope(1)", ["name": "x"]) == "$name.nope(1)")
    }

    @Test func escapedDefinedReferencesRenderTheirSource() throws {
        #expect(try render(#"\$name \\$name"#, ["name": "Ada"]) == #"$name \Ada"#)
    }

    @Test func escapedUndefinedReferencesKeepTheirBackslash() throws {
        #expect(try render(#"\$name"#) == #"\$name"#)
    }

    @Test func hostObjectsAnswerPropertiesAndMethods() throws {
        let input = FakeInput(params: ["name": "Ada"], body: "{}")
        let template = #"{"name": "$input.params('name')", "body": $input.body, "x": "$input.nope"}"#
        #expect(try render(template, ["input": .object(input)]) == #"{"name": "Ada", "body": {}, "x": "$input.nope"}"#)
    }

    @Test func renderingValuesFollowsJavaToString() throws {
        #expect(try render("$l $m $d $b", ["l": [1, "a"], "m": ["k": 1, "j": [true]], "d": 2.0, "b": false])
            == "[1, a] {k=1, j=[true]} 2.0 false")
    }
}

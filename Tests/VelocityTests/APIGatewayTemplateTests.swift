import Testing
import Velocity

/// Mapping templates shaped like the ones API Gateway users write, with stand-in host objects.
@Suite struct APIGatewayTemplateTests {
    @Test func passesAQueryParameterIntoJSON() throws {
        let template = try VelocityTemplate(#"{"name": "$input.params('name')"}"#)
        let output = try template.render(context: ["input": .object(FakeInput(params: ["name": "Ada"]))])
        #expect(output == #"{"name": "Ada"}"#)
    }

    /// The blank line after `#end` is the usual idiom: `#end` swallows its own line break.
    @Test func buildsAJSONArrayFromAPath() throws {
        let template = try VelocityTemplate(
            """
            #set($items = $input.path('$.items'))
            {
              "count": $items.size(),
              "names": [
            #foreach($item in $items)
                "$util.escapeJavaScript($item.name)"#if($foreach.hasNext),#end

            #end
              ]
            }
            """)
        let input = FakeInput(paths: ["$.items": [["name": "a\"b"], ["name": "c"]]])
        let output = try template.render(context: ["input": .object(input), "util": .object(FakeUtil())])
        #expect(output == "{\n  \"count\": 2,\n  \"names\": [\n    \"a\\\"b\",\n    \"c\"\n  ]\n}")
    }

    @Test func choosesABodyByHeaderLikeAnIntegrationResponse() throws {
        let template = try VelocityTemplate(
            """
            #set($status = $input.params('status'))
            #if($status == "404")
            {"message": "not found"}
            #else
            $input.json('$')
            #end
            """)
        let missing = FakeInput(params: ["status": "404"])
        #expect(try template.render(context: ["input": .object(missing)]) == "{\"message\": \"not found\"}\n")
        let found = FakeInput(params: ["status": "200"], paths: ["$": ["ok": true]])
        #expect(try template.render(context: ["input": .object(found)]) == "{ok=true}\n")
    }

    @Test func oneTemplateRendersConcurrently() async throws {
        let template = try VelocityTemplate("$n")
        try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<8 { group.addTask { try template.render(context: ["n": .int(Int64(n))]) } }
            var outputs: Set<String> = []
            for try await output in group { outputs.insert(output) }
            #expect(outputs.count == 8)
        }
    }
}

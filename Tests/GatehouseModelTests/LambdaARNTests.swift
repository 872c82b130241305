import GatehouseModel
import Testing

/// Function names in every form AWS accepts, and the ARNs built from them.
@Suite struct LambdaARNTests {
    private func parse(_ text: String) -> LambdaARN {
        LambdaARN(parsing: text, region: "us-east-1", account: "000000000000")
    }

    @Test func namesMayBeBarePartialOrFullARNsWithQualifiers() {
        #expect(parse("echo") == LambdaARN(region: "us-east-1", account: "000000000000", name: "echo"))
        #expect(parse("echo:prod").qualifier == "prod")
        #expect(parse("123456789012:function:echo") == LambdaARN(region: "us-east-1", account: "123456789012", name: "echo"))
        #expect(parse("arn:aws:lambda:eu-west-1:123456789012:function:echo:7")
            == LambdaARN(region: "eu-west-1", account: "123456789012", name: "echo", qualifier: "7"))
    }

    @Test func theFullARNCarriesTheQualifierIfAny() {
        let arn = parse("echo")
        #expect(arn.description == "arn:aws:lambda:us-east-1:000000000000:function:echo")
        #expect(arn.qualified("$LATEST").description == "arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST")
        #expect(arn.qualified("live").unqualified == arn)
        #expect(arn.functionKey == "us-east-1:echo")
    }

    @Test func integrationURIsNameTheirFunction() {
        let uri = "arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:111111111111:function:pets:live/invocations"
        #expect(LambdaARN(integrationURI: uri, region: "us-east-1", account: "000000000000")
            == LambdaARN(region: "us-west-2", account: "111111111111", name: "pets", qualifier: "live"))
        #expect(LambdaARN(integrationURI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/pets/invocations",
            region: "us-east-1", account: "000000000000")?.name == "pets")
        #expect(LambdaARN(integrationURI: "http://example.com/", region: "us-east-1", account: "000000000000") == nil)
    }
}

/// Qualifiers name `$LATEST`, a version by its number, or an alias by any other name.
@Suite struct FunctionQualifierTests {
    @Test func qualifiersAreLatestVersionsOrAliases() {
        #expect(FunctionQualifier(nil) == .latest)
        #expect(FunctionQualifier("$LATEST") == .latest)
        #expect(FunctionQualifier("12") == .version("12"))
        #expect(FunctionQualifier("live") == .alias("live"))
        #expect(FunctionQualifier("v2") == .alias("v2"))
    }
}

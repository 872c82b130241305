import Foundation
import Testing

@testable import GatehouseModel

/// The IAM policy evaluator behind resource policies and Lambda authorizer policies.
@Suite struct IAMPolicyTests {
    static let api = "arn:aws:execute-api:us-east-1:123456789012:abc123"

    func policy(_ text: String) throws -> IAMPolicy {
        try IAMPolicy(JSON(parsing: Data(text.utf8)))
    }

    func arn(_ tail: String) -> String { "\(Self.api)/\(tail)" }

    func invoke(
        _ policy: IAMPolicy, _ tail: String, _ request: RequestFacts = RequestFacts()
    ) -> IAMPolicy.Decision {
        policy.evaluate(action: "execute-api:Invoke", resource: arn(tail), request: request)
    }

    /// One statement allowing `execute-api:Invoke` on `resource`, plus `extra` members.
    func allow(_ resource: String, _ extra: String = "") throws -> IAMPolicy {
        try policy(#"{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"\#(resource)"\#(extra)}}"#)
    }

    // MARK: Lambda authorizer policies

    @Test func typicalAuthorizerPolicyAllowsOnlyItsMethodAndPaths() throws {
        let policy = try policy(
            #"{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/*"}]}"#
        )
        #expect(invoke(policy, "prod/GET/pets/1") == .allow)
        #expect(invoke(policy, "prod/GET/pets/1/toys/2") == .allow)  // `*` runs across `/`
        #expect(invoke(policy, "prod/GET/pets") == .implicitDeny)
        #expect(invoke(policy, "prod/POST/pets/1") == .implicitDeny)
        #expect(invoke(policy, "dev/GET/pets/1") == .implicitDeny)
        #expect(invoke(policy, "prod/get/pets/1") == .implicitDeny)  // resources are case-sensitive
        #expect(policy.evaluate(action: "execute-api:ManageConnections", resource: arn("prod/GET/pets/1"), request: RequestFacts()) == .implicitDeny)
    }

    @Test func authorizerDenyPolicyIsAnExplicitDeny() throws {
        let policy = try policy(#"{"Statement":[{"Action":["execute-api:Invoke"],"Effect":"Deny","Resource":["\#(Self.api)/*/*/*"]}]}"#)
        #expect(invoke(policy, "prod/GET/pets/1") == .explicitDeny)
        #expect(invoke(policy, "prod/GET/") == .explicitDeny)
    }

    @Test func statementWithoutPrincipalAppliesToAnonymousAndSignedCallers() throws {
        let policy = try allow("*")
        #expect(invoke(policy, "prod/GET/") == .allow)
        #expect(invoke(policy, "prod/GET/", RequestFacts(principal: Principal(account: "111122223333"))) == .allow)
    }

    @Test func emptyStatementListDeniesImplicitly() throws {
        #expect(invoke(try policy(#"{"Version":"2012-10-17","Statement":[]}"#), "prod/GET/") == .implicitDeny)
    }

    // MARK: Actions

    @Test(arguments: [
        ("execute-api:Invoke", true), ("execute-api:*", true), ("*", true), ("Execute-API:invoke", true),
        ("execute-api:Inv?ke", true), ("execute-api:In*", true), ("execute-api:ManageConnections", false),
        ("execute-api:Invoke2", false), ("apigateway:*", false), ("execute-api:Invok", false),
    ])
    func actionPatternsIgnoreCase(pattern: String, matches: Bool) throws {
        let policy = try policy(#"{"Statement":{"Effect":"Allow","Action":"\#(pattern)","Resource":"*"}}"#)
        #expect((invoke(policy, "prod/GET/") == .allow) == matches)
    }

    @Test func notActionMatchesEveryOtherAction() throws {
        let policy = try policy(#"{"Statement":{"Effect":"Deny","NotAction":["execute-api:Invoke"],"Resource":"*"}}"#)
        #expect(invoke(policy, "prod/GET/") == .implicitDeny)
        #expect(policy.evaluate(action: "execute-api:InvalidateCache", resource: arn("prod/GET/"), request: RequestFacts()) == .explicitDeny)
    }

    // MARK: Resources

    @Test(arguments: [
        ("\(api)/prod/GET/pets", "prod/GET/pets", true),
        ("\(api)/prod/GET/pets", "prod/GET/pets/1", false),
        ("\(api)/*", "dev/DELETE/a/b/c", true),
        ("\(api)/*/GET/*", "prod/GET/", true),
        ("\(api)/*/GET/*", "prod/POST/pets", false),
        ("\(api)/prod/???/pets", "prod/GET/pets", true),
        ("\(api)/prod/???/pets", "prod/POST/pets", false),
        ("\(api)/prod/*/pets/*/toys", "prod/GET/pets/7/toys", true),
        ("\(api)/prod/*/pets/*/toys", "prod/GET/pets/7/toys/1", false),
        ("arn:aws:execute-api:*:*:abc123/*", "prod/GET/", true),
        ("arn:aws:execute-api:us-west-2:123456789012:abc123/*", "prod/GET/", false),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/PROD/*", "prod/GET/", false),
    ])
    func resourcePatternsAreCaseSensitiveWildcards(pattern: String, tail: String, matches: Bool) throws {
        #expect((invoke(try allow(pattern), tail) == .allow) == matches)
    }

    @Test func resourceListsMatchAnyEntryAndNotResourceEverythingElse() throws {
        let list = try policy(
            #"{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":["\#(Self.api)/prod/GET/a","\#(Self.api)/prod/GET/b"]}}"#
        )
        #expect(invoke(list, "prod/GET/a") == .allow)
        #expect(invoke(list, "prod/GET/b") == .allow)
        #expect(invoke(list, "prod/GET/c") == .implicitDeny)
        let not = try policy(#"{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","NotResource":"\#(Self.api)/*/DELETE/*"}}"#)
        #expect(invoke(not, "prod/GET/a") == .allow)
        #expect(invoke(not, "prod/DELETE/a") == .implicitDeny)
    }

    @Test func executeAPIShorthandMatchesWithinTheEvaluatedAPI() throws {
        let pets = try allow("execute-api:/prod/GET/pets")
        #expect(invoke(pets, "prod/GET/pets") == .allow)
        #expect(invoke(pets, "prod/GET/pets/1") == .implicitDeny)
        let prod = try allow("execute-api:/prod/*")
        #expect(invoke(prod, "prod/POST/x") == .allow)
        // The filled-in region/account/API id never spans a `/`: stage `dev` with path `/prod/…` stays out.
        #expect(invoke(prod, "dev/GET/prod/x") == .implicitDeny)
        let all = try allow("execute-api:/*")
        #expect(invoke(all, "dev/GET/") == .allow)
        #expect(all.evaluate(action: "execute-api:Invoke", resource: "arn:aws:lambda:us-east-1:123456789012:function:f/x", request: RequestFacts()) == .implicitDeny)
        #expect(all.evaluate(action: "execute-api:Invoke", resource: "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/s/GET/", request: RequestFacts()) == .allow)
    }

    // MARK: Wildcards

    @Test(arguments: [
        ("a*b*c", "aXbYbZc", true), ("a*b*c", "aXbYbZ", false), ("*", "", true), ("", "", true), ("?", "", false),
        ("a?c", "abc", true), ("a?c", "ac", false), ("a?c", "aéc", true), ("*?", "é", true), ("*??", "é", false),
        ("pre*", "prefix", true), ("pre*", "pr", false), ("*suffix", "a-suffix", true), ("**x", "abx", true),
        ("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaa", false),
    ])
    func wildcardMatchesWholeCharacters(pattern: String, text: String, matches: Bool) {
        #expect(IAMPolicy.Wildcard(pattern).matches(text) == matches)
    }

    // MARK: Principals

    @Test func principalStarAndAWSStarIncludeAnonymousCallers() throws {
        for principal in [#""*""#, #"{"AWS":"*"}"#, #"{"AWS":["*"]}"#] {
            let policy = try allow("*", #","Principal":\#(principal)"#)
            #expect(invoke(policy, "prod/GET/") == .allow)
        }
    }

    @Test func accountPrincipalsMatchEveryIdentityOfTheAccount() throws {
        let policy = try allow("*", #","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"]}"#)
        #expect(invoke(policy, "prod/GET/") == .implicitDeny)  // anonymous
        #expect(invoke(policy, "prod/GET/", RequestFacts(principal: Principal(arn: "arn:aws:iam::111122223333:user/alice"))) == .allow)
        #expect(invoke(policy, "prod/GET/", RequestFacts(principal: Principal(account: "444455556666"))) == .allow)
        #expect(invoke(policy, "prod/GET/", RequestFacts(principal: Principal(account: "777788889999"))) == .implicitDeny)
    }

    @Test func userAndRolePrincipalsMatchThatIdentity() throws {
        let policy = try allow(
            "*", #","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:role/ops/Admin"]}"#)
        func facts(_ arn: String) -> RequestFacts { RequestFacts(principal: Principal(arn: arn)) }
        #expect(invoke(policy, "prod/GET/", facts("arn:aws:iam::111122223333:user/alice")) == .allow)
        #expect(invoke(policy, "prod/GET/", facts("arn:aws:iam::111122223333:user/bob")) == .implicitDeny)
        #expect(invoke(policy, "prod/GET/", facts("arn:aws:iam::111122223333:role/ops/Admin")) == .allow)
        #expect(invoke(policy, "prod/GET/", facts("arn:aws:sts::111122223333:assumed-role/Admin/session-1")) == .allow)
        #expect(invoke(policy, "prod/GET/", facts("arn:aws:sts::111122223333:assumed-role/Dev/session-1")) == .implicitDeny)
        #expect(invoke(policy, "prod/GET/", facts("arn:aws:sts::999999999999:assumed-role/Admin/session-1")) == .implicitDeny)
    }

    @Test func serviceAndNotPrincipals() throws {
        let service = try allow("*", #","Principal":{"Service":"lambda.amazonaws.com"}"#)
        #expect(invoke(service, "prod/GET/", RequestFacts(principal: Principal(account: "111122223333"))) == .implicitDeny)
        let others = try policy(
            #"{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}}"#)
        #expect(invoke(others, "prod/GET/") == .explicitDeny)
        #expect(invoke(others, "prod/GET/", RequestFacts(principal: Principal(account: "111122223333"))) == .implicitDeny)
    }

    @Test func principalFromARN() {
        #expect(Principal(arn: "arn:aws:iam::111122223333:user/alice")?.account == "111122223333")
        #expect(Principal(arn: "arn:aws:sts::111122223333:assumed-role/Admin/s")?.assumedRoleName == "Admin")
        #expect(Principal(arn: "alice") == nil)
    }

    // MARK: Conditions

    @Test(arguments: [
        ("192.0.2.7", true), ("192.0.3.7", false), ("198.51.100.9", true), ("203.0.113.5", true), ("203.0.113.6", false),
        ("2001:db8::1", true), ("2001:db9::1", false), ("::ffff:192.0.2.1", true), ("::ffff:c000:0201", true),
        ("not-an-ip", false), ("192.0.2", false), ("192.0.2.256", false), ("2001:db8::1::2", false), ("", false),
    ])
    func ipAddressMatchesCIDRsAndSingleAddresses(ip: String, matches: Bool) throws {
        let policy = try allow(
            "*", #","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24","203.0.113.5","2001:db8::/32"]}}"#)
        #expect((invoke(policy, "prod/GET/", RequestFacts(sourceIP: ip)) == .allow) == matches)
    }

    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4/32", true), ("1.2.3.4", "0.0.0.0/0", true), ("1.2.3.4", "1.2.3.99/24", true),
        ("10.1.2.3", "10.0.0.0/8", true), ("11.0.0.0", "10.0.0.0/8", false), ("::1", "::1", true), ("::1", "::/0", true),
        ("1.2.3.4", "::/0", false), ("fe80::1", "1.2.3.4/0", false), ("2001:db8:0:0:0:0:0:1", "2001:db8::1/128", true),
        ("1:2:3:4:5:6:7:8", "1:2:3:4::/64", true), ("1:2:3:5:5:6:7:8", "1:2:3:4::/64", false), ("1::", "1::/16", true),
        ("64:ff9b::192.0.2.33", "64:ff9b::/96", true),
    ])
    func cidrContainment(ip: String, block: String, contains: Bool) throws {
        let cidr = try #require(IAMPolicy.CIDR(block))
        let address = try #require(IAMPolicy.IPAddress(ip))
        #expect(cidr.contains(address) == contains)
    }

    @Test func missingKeyFailsPositiveOperatorsAndPassesNegatedOnes() throws {
        let positive = try allow("*", #","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)
        let negated = try allow("*", #","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)
        let ifExists = try allow("*", #","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#)
        #expect(invoke(positive, "prod/GET/") == .implicitDeny)
        #expect(invoke(negated, "prod/GET/") == .allow)
        #expect(invoke(ifExists, "prod/GET/") == .allow)
        #expect(invoke(ifExists, "prod/GET/", RequestFacts(sourceVpce: "vpce-1")) == .allow)
        #expect(invoke(ifExists, "prod/GET/", RequestFacts(sourceVpce: "vpce-2")) == .implicitDeny)
    }

    @Test func stringOperators() throws {
        func check(_ condition: String, _ value: String?, _ expected: Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let policy = try allow("*", #","Condition":\#(condition)"#)
            let allowed = invoke(policy, "prod/GET/", RequestFacts(sourceVpc: value)) == .allow
            #expect(allowed == expected, "\(condition) with \(value ?? "nil")", sourceLocation: sourceLocation)
        }
        try check(#"{"StringEquals":{"aws:SourceVpc":"vpc-A"}}"#, "vpc-A", true)
        try check(#"{"StringEquals":{"aws:SourceVpc":"vpc-A"}}"#, "vpc-a", false)
        try check(#"{"StringEquals":{"aws:SourceVpc":["vpc-B","vpc-A"]}}"#, "vpc-A", true)
        try check(#"{"StringNotEquals":{"aws:SourceVpc":["vpc-B","vpc-A"]}}"#, "vpc-A", false)
        try check(#"{"StringNotEquals":{"aws:SourceVpc":["vpc-B","vpc-A"]}}"#, "vpc-C", true)
        try check(#"{"StringNotEquals":{"aws:SourceVpc":"vpc-A"}}"#, nil, true)
        try check(#"{"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-a"}}"#, "vpc-A", true)
        try check(#"{"StringEqualsIgnoreCase":{"aws:SourceVpc":"Ünï"}}"#, "üNÏ", true)
        try check(#"{"StringNotEqualsIgnoreCase":{"aws:SourceVpc":"VPC-a"}}"#, "vpc-A", false)
        try check(#"{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#, "vpc-123", true)
        try check(#"{"StringLike":{"aws:SourceVpc":"vpc-?"}}"#, "vpc-12", false)
        try check(#"{"StringLike":{"aws:SourceVpc":"VPC-*"}}"#, "vpc-1", false)
        try check(#"{"StringNotLike":{"aws:SourceVpc":"vpc-1*"}}"#, "vpc-2", true)
        try check(#"{"StringNotLike":{"aws:SourceVpc":"vpc-1*"}}"#, "vpc-12", false)
        try check(#"{"ForAnyValue:StringEquals":{"aws:SourceVpc":"vpc-A"}}"#, "vpc-A", true)
        try check(#"{"ForAnyValue:StringEquals":{"aws:SourceVpc":"vpc-A"}}"#, nil, false)
        try check(#"{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-A"}}"#, nil, true)
        try check(#"{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-A"}}"#, "vpc-B", false)
        try check(#"{"Null":{"aws:SourceVpc":"true"}}"#, nil, true)
        try check(#"{"Null":{"aws:SourceVpc":"true"}}"#, "vpc-A", false)
        try check(#"{"Null":{"aws:SourceVpc":false}}"#, "vpc-A", true)
        try check(#"{"Null":{"aws:SourceVpc":"false"}}"#, nil, false)
        try check(#"{"ArnLike":{"aws:SourceVpc":"arn:aws:ec2:*:*:vpc/*"}}"#, "arn:aws:ec2:us-east-1:1:vpc/v", true)
    }

    @Test func boolNumericAndDateOperatorsReadExtraKeys() throws {
        func check(_ condition: String, _ extra: [String: String], _ expected: Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let policy = try allow("*", #","Condition":\#(condition)"#)
            let allowed = invoke(policy, "prod/GET/", RequestFacts(extra: extra)) == .allow
            #expect(allowed == expected, "\(condition) with \(extra)", sourceLocation: sourceLocation)
        }
        try check(#"{"Bool":{"aws:SecureTransport":"true"}}"#, ["aws:SecureTransport": "true"], true)
        try check(#"{"Bool":{"aws:SecureTransport":true}}"#, ["aws:securetransport": "TRUE"], true)
        try check(#"{"Bool":{"aws:SecureTransport":"true"}}"#, ["aws:SecureTransport": "false"], false)
        try check(#"{"Bool":{"aws:SecureTransport":"true"}}"#, [:], false)
        try check(#"{"BoolIfExists":{"aws:SecureTransport":"true"}}"#, [:], true)
        try check(#"{"NumericLessThan":{"s3:max-keys":10}}"#, ["s3:max-keys": "9"], true)
        try check(#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, ["s3:max-keys": "10"], false)
        try check(#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, ["s3:max-keys": "10"], true)
        try check(#"{"NumericNotEquals":{"s3:max-keys":["1","2"]}}"#, ["s3:max-keys": "2"], false)
        try check(#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#, ["s3:max-keys": "ten"], false)
        try check(#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#, ["aws:CurrentTime": "2025-12-31T23:59:59Z"], true)
        try check(#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01"}}"#, ["aws:CurrentTime": "2026-01-01T00:00:00.5Z"], false)
        try check(#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00+01:00"}}"#, ["aws:CurrentTime": "2025-12-31T23:00:00Z"], true)
        try check(#"{"DateEquals":{"aws:EpochTime":"1767225600"}}"#, ["aws:EpochTime": "2026-01-01T00:00:00Z"], true)
        try check(#"{"StringEquals":{"aws:PrincipalTag/team":"blue"}}"#, ["AWS:PRINCIPALTAG/TEAM": "blue"], true)
    }

    @Test func keysUnderOneOperatorAreANDedAndOperatorsToo() throws {
        let policy = try allow(
            "*",
            #","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1","aws:sourceVpce":"vpce-1"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceIP: "10.1.1.1", sourceVpce: "vpce-1", sourceVpc: "vpc-1")) == .allow)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceIP: "10.1.1.1", sourceVpce: "vpce-2", sourceVpc: "vpc-1")) == .implicitDeny)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceIP: "11.1.1.1", sourceVpce: "vpce-1", sourceVpc: "vpc-1")) == .implicitDeny)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceIP: "10.1.1.1", sourceVpc: "vpc-1")) == .implicitDeny)
    }

    @Test func principalConditionKeysComeFromThePrincipal() throws {
        let policy = try allow("*", #","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#)
        #expect(invoke(policy, "prod/GET/", RequestFacts(principal: Principal(account: "111122223333"))) == .allow)
        #expect(invoke(policy, "prod/GET/", RequestFacts(principal: Principal(account: "444455556666"))) == .implicitDeny)
        #expect(invoke(policy, "prod/GET/", RequestFacts(extra: ["aws:PrincipalAccount": "111122223333"])) == .allow)
        #expect(invoke(policy, "prod/GET/") == .implicitDeny)
        let arn = try allow("*", #","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a*"}}"#)
        #expect(invoke(arn, "prod/GET/", RequestFacts(principal: Principal(arn: "arn:aws:iam::1:user/alice"))) == .allow)
    }

    // MARK: AWS resource policy examples

    @Test func denyOutsideAllowedIPRanges() throws {
        let policy = try policy(
            #"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
              {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
               "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}}]}
            """#)
        #expect(invoke(policy, "prod/GET/pets", RequestFacts(sourceIP: "192.0.2.10")) == .allow)
        #expect(invoke(policy, "prod/GET/pets", RequestFacts(sourceIP: "198.51.100.200")) == .allow)
        #expect(invoke(policy, "prod/GET/pets", RequestFacts(sourceIP: "203.0.113.1")) == .explicitDeny)
        #expect(invoke(policy, "prod/GET/pets") == .explicitDeny)
    }

    @Test func denyAnIPRange() throws {
        let policy = try policy(
            #"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/*"]},
              {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/*"],
               "Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}
            """#)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceIP: "192.0.2.1")) == .explicitDeny)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceIP: "192.0.3.1")) == .allow)
    }

    @Test func privateAPIDeniesTrafficFromOtherVPCEndpoints() throws {
        let policy = try policy(
            #"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
               "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}},
              {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}
            """#)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceVpce: "vpce-1a2b3c4d")) == .allow)
        #expect(invoke(policy, "prod/GET/", RequestFacts(sourceVpce: "vpce-99999999")) == .explicitDeny)
        #expect(invoke(policy, "prod/GET/") == .explicitDeny)
    }

    @Test func explicitDenyWinsOverAllow() throws {
        let policy = try policy(
            #"""
            {"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"execute-api:*","Resource":"execute-api:/*"},
              {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/DELETE/*"}]}
            """#)
        #expect(invoke(policy, "prod/DELETE/pets/1") == .explicitDeny)
        #expect(invoke(policy, "prod/GET/pets/1") == .allow)
    }

    @Test func crossAccountAllowList() throws {
        let policy = try policy(
            #"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
              "Principal":{"AWS":["arn:aws:iam::111122223333:role/developer","arn:aws:iam::111122223333:role/Admin"]},
              "Action":"execute-api:Invoke","Resource":["execute-api:/stage/GET/pets"]}]}
            """#)
        let admin = RequestFacts(principal: Principal(arn: "arn:aws:sts::111122223333:assumed-role/Admin/me"))
        #expect(invoke(policy, "stage/GET/pets", admin) == .allow)
        #expect(invoke(policy, "stage/POST/pets", admin) == .implicitDeny)
        #expect(invoke(policy, "stage/GET/pets", RequestFacts(principal: Principal(arn: "arn:aws:iam::111122223333:user/eve"))) == .implicitDeny)
        #expect(invoke(policy, "stage/GET/pets") == .implicitDeny)
    }

    // MARK: Malformed documents

    @Test(arguments: [
        ("[]", "Policy document is not a JSON object"),
        (#"{"Version":"2012-10-17"}"#, "Policy document has no Statement"),
        (#"{"Statement":"x"}"#, "Policy Statement is neither an object nor a list"),
        (#"{"Version":1,"Statement":[]}"#, "Policy Version is not a string"),
        (#"{"Statement":[1]}"#, "Statement 0 is not an object"),
        (#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#, "Statement 0: Effect must be Allow or Deny"),
        (#"{"Statement":{"Action":"*","Resource":"*"}}"#, "Statement 0: Effect must be Allow or Deny"),
        (#"{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#, "Statement 0: Action is neither a string nor a list"),
        (#"{"Statement":{"Effect":"Allow","Action":["a",5],"Resource":"*"}}"#, "Statement 0: Action holds a non-string"),
        (#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#, "Statement 0 has neither Action nor NotAction"),
        (#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}"#, "Statement 0 has both Action and NotAction"),
        (#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*"}]}"#, "Statement 1 has neither Resource nor NotResource"),
        (#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"arn:aws:iam::1:root"}}"#, #"Statement 0: Principal must be "*" or an object"#),
        (#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}}"#, "Statement 0: Condition is not an object"),
        (#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}}"#, "Statement 0: Condition: IpAddress.aws:SourceIp: 10.0.0.0/33 is not an IP address or CIDR"),
        (#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"k":"QQ=="}}}}"#, "Statement 0: Condition: BinaryEquals is not a supported condition operator"),
        (#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"k":"x"}}}}"#, "Statement 0: Condition: NumericEquals.k: x is not a number"),
        (#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":"maybe"}}}}"#, #"Statement 0: Condition: Null.k must be "true" or "false""#),
    ])
    func malformedDocumentsThrowWithAMessage(document: String, message: String) {
        #expect(throws: IAMPolicy.Malformed(message)) { try IAMPolicy(JSON(parsing: Data(document.utf8))) }
    }
}

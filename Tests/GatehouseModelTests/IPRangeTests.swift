import Testing

@testable import GatehouseModel

@Suite struct IPRangeTests {
    @Test func ipv4AndIPv6BlocksContainTheirAddresses() throws {
        let office = try #require(IPRange("192.0.2.0/24"))
        #expect(office.contains("192.0.2.77") && !office.contains("192.0.3.1"))
        #expect(try #require(IPRange("10.1.2.3/32")).contains("10.1.2.3"))
        #expect(try #require(IPRange("0.0.0.0/0")).contains("203.0.113.9"))
        let v6 = try #require(IPRange("2001:db8::/32"))
        #expect(v6.contains("2001:db8:ffff::1") && !v6.contains("2001:db9::1") && !v6.contains("192.0.2.1"))
        #expect(try #require(IPRange("10.0.0.0/9")).contains("10.127.255.255") && !(IPRange("10.0.0.0/9")!.contains("10.128.0.0")))
    }

    @Test func malformedBlocksAreRefused() {
        for text in ["10.0.0.0", "10.0.0.300/8", "10.0.0.0/33", "2001:db8::/129", "x/8", "10.0.0.0/-1"] {
            #expect(IPRange(text) == nil, "\(text)")
        }
    }
}

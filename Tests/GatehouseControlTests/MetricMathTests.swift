import Testing

@testable import GatehouseControl

/// GetMetricData's simple metric math.
@Suite struct MetricMathTests {
    let series: [String: MetricMath.Series] = ["a": [0: 1, 60: 2, 120: 3], "b": [0: 10, 60: 20]]

    func evaluate(_ expression: String) throws -> MetricMath.Series {
        var math = MetricMath(series: series)
        return try math.evaluate(expression)
    }

    @Test func arithmeticKeepsPrecedenceAndSharedTimestamps() throws {
        #expect(try evaluate("a + b * 2") == [0: 21, 60: 42])
        #expect(try evaluate("(a + 1) * -2") == [0: -4, 60: -6, 120: -8])
        #expect(try evaluate("b / a") == [0: 10, 60: 10])
    }

    @Test func functionsReduceAcrossSeries() throws {
        #expect(try evaluate("SUM(METRICS())") == [0: 11, 60: 22, 120: 3])
        #expect(try evaluate("max([a, b])") == [0: 10, 60: 20, 120: 3])
        #expect(try evaluate("AVG([a, b])") == [0: 5.5, 60: 11, 120: 3])
        #expect(try evaluate("MIN(a)") == [0: 1, 60: 2, 120: 3])
    }

    @Test func badExpressionsAreRefused() {
        for expression in ["a +", "c * 2", "FOO(a)", "a $ b", "[a, b]", "(a"] {
            #expect(throws: MetricMath.Invalid.self, "\(expression)") { try evaluate(expression) }
        }
    }
}

import Foundation
import Testing

@testable import GatehouseFunctions

@Suite struct LambdaLogLinesTests {
    @Test func reportLineHasAWSFieldsAndTabs() {
        let line = LambdaLogLines.report("id", duration: 1.234, memoryMB: 128, maxMemoryMB: 40, initDuration: 100.5)
        #expect(line == "REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 100.50 ms\t\n")
        #expect(!LambdaLogLines.report("id", duration: 1, memoryMB: 128, maxMemoryMB: 40, initDuration: nil).contains("Init Duration"))
    }

    @Test func streamNamesLookLikeAWSs() {
        let name = LambdaLogLines.streamName(version: "$LATEST", date: Date(timeIntervalSince1970: 0))
        #expect(name.hasPrefix("1970/01/01/[$LATEST]"))
        #expect(name.count == "1970/01/01/[$LATEST]".count + 32)
    }
}

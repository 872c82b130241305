import Foundation
import GatehouseModel
import Testing

@testable import GatehouseControl

/// Pieces of the lambda and logs services that need no server.
@Suite struct LambdaAndLogsTests {
    @Test func lastModifiedUsesLambdasFormat() {
        #expect(Lambda.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000+0000")
    }

    @Test func filterPatternTerms() {
        #expect(FilterPattern("").matches("anything"))
        #expect(FilterPattern("ERROR timeout").matches("ERROR: request timeout"))
        #expect(!FilterPattern("ERROR timeout").matches("ERROR: refused"))
        #expect(FilterPattern("\"task timed out\"").matches("Error: task timed out after 3s"))
        #expect(!FilterPattern("\"task timed out\"").matches("task was timed out"))
        #expect(FilterPattern("?WARN ?ERROR").matches("WARN low disk"))
        #expect(!FilterPattern("?WARN ?ERROR").matches("INFO fine"))
        #expect(!FilterPattern("START -Version").matches("START RequestId: 1 Version: $LATEST"))
        #expect(!FilterPattern("{ $.level = \"x\" }").matches("{\"level\":\"x\"}"))
    }

    @Test func logTokensCarryTheSequence() {
        #expect(Logs.seq(from: Logs.token("f", 42)) == 42)
        #expect(Logs.seq(from: "nonsense") == nil)
    }
}

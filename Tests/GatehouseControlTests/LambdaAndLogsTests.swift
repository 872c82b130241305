import GatehouseModel
import XCTest

@testable import GatehouseControl

/// Pieces of the lambda and logs services that need no server.
final class LambdaAndLogsTests: XCTestCase {
    func testFunctionNamesMayBeNamesPartialOrFullARNsWithQualifiers() {
        XCTAssertTrue(Lambda.nameAndQualifier("echo") == ("echo", nil))
        XCTAssertTrue(Lambda.nameAndQualifier("echo:prod") == ("echo", "prod"))
        XCTAssertTrue(Lambda.nameAndQualifier("000000000000:function:echo") == ("echo", nil))
        XCTAssertTrue(Lambda.nameAndQualifier("arn:aws:lambda:us-east-1:000000000000:function:echo:7") == ("echo", "7"))
    }

    func testLastModifiedUsesLambdasFormat() {
        XCTAssertEqual(Lambda.timestamp(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000+0000")
    }

    func testFilterPatternTerms() {
        XCTAssertTrue(FilterPattern("").matches("anything"))
        XCTAssertTrue(FilterPattern("ERROR timeout").matches("ERROR: request timeout"))
        XCTAssertFalse(FilterPattern("ERROR timeout").matches("ERROR: refused"))
        XCTAssertTrue(FilterPattern("\"task timed out\"").matches("Error: task timed out after 3s"))
        XCTAssertFalse(FilterPattern("\"task timed out\"").matches("task was timed out"))
        XCTAssertTrue(FilterPattern("?WARN ?ERROR").matches("WARN low disk"))
        XCTAssertFalse(FilterPattern("?WARN ?ERROR").matches("INFO fine"))
        XCTAssertFalse(FilterPattern("START -Version").matches("START RequestId: 1 Version: $LATEST"))
        XCTAssertFalse(FilterPattern("{ $.level = \"x\" }").matches("{\"level\":\"x\"}"))
    }

    func testLogTokensCarryTheSequence() {
        XCTAssertEqual(Logs.seq(from: Logs.token("f", 42)), 42)
        XCTAssertNil(Logs.seq(from: "nonsense"))
    }
}

import Foundation
import GatehouseModel
import Testing

@testable import GatehouseControl

/// CBOR read into JSON values and written back, against RFC 8949's examples (Appendix A).
@Suite struct CBORTests {
    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
    }

    @Test func theRFCsExamplesDecode() throws {
        let examples: [(String, JSON)] = [
            ("00", 0), ("17", 23), ("1818", 24), ("1903e8", 1000), ("1a000f4240", 1_000_000), ("20", -1), ("3903e7", -1000),
            ("f93c00", 1.0), ("fb3ff199999999999a", 1.1), ("fa47c35000", 100000.0), ("f4", false), ("f5", true), ("f6", .null),
            ("6161", "a"), ("62c3bc", "\u{00fc}"), ("83010203", [1, 2, 3]), ("a26161016162820203", ["a": 1, "b": [2, 3]]),
            ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]), ("bf61610161629f0203ffff", ["a": 1, "b": [2, 3]]),
            ("7f657374726561646d696e67ff", "streaming"), ("c11a514b67b0", 1_363_896_240), ("4401020304", "AQIDBA=="),
        ]
        for (hex, expected) in examples {
            #expect(try CBOR.decode(Self.bytes(hex)) == expected, "\(hex)")
        }
    }

    @Test func malformedInputIsRefused() {
        for hex in ["", "18", "62c3", "a1", "9f01", "1c", "8301"] {
            #expect(throws: CBOR.Malformed.self) { try CBOR.decode(Self.bytes(hex)) }
        }
    }

    @Test func writtenValuesReadBack() throws {
        let value: JSON = ["name": "Latency", "values": [1, 2.5, -3, 70_000, 5_000_000_000], "ok": true, "none": .null, "nested": ["k": "v"]]
        var writer = CBOR.Writer()
        writer.write(value)
        #expect(try CBOR.decode(writer.bytes) == value)
    }

    @Test func timestampsAreTaggedAndBlobsAreByteStrings() {
        var writer = CBOR.Writer()
        writer.write(timestamp: 1_363_896_240)
        writer.write(blob: Data([1, 2, 3, 4]))
        #expect(writer.bytes == Self.bytes("c11a514b67b0") + Self.bytes("4401020304"))
    }
}

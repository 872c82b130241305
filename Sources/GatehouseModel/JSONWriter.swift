import Foundation

/// Writes `JSON` as compact UTF-8 text with object keys sorted, so stored documents and test
/// expectations are byte-stable. Integral numbers are written without a fraction (`200`).
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    static func write(_ value: JSON) -> Data {
        var writer = JSONWriter()
        writer.bytes.reserveCapacity(256)
        writer.append(value)
        return Data(writer.bytes)
    }

    private mutating func append(_ value: JSON) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): appendNumber(number)
        case .string(let text): appendString(text)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                append(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key)
                bytes.append(UInt8(ascii: ":"))
                append(members[key]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func appendNumber(_ number: Double) {
        if let integer = Int64(exactly: number) {
            bytes.append(contentsOf: String(integer).utf8)
        } else if number.isFinite {
            bytes.append(contentsOf: "\(number)".utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Hex.lowercaseDigits[Int(byte >> 4)])
                bytes.append(Hex.lowercaseDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

import Foundation
import GatehouseModel

/// Concise Binary Object Representation (RFC 8949), as the `smithy-rpc-v2-cbor` protocol uses
/// it, read into and written from the `JSON` values operations work with: byte strings are
/// base64 text (as the `json` protocol carries blobs) and epoch-seconds timestamps (tag 1) are numbers.
enum CBOR {
    struct Malformed: Error {}

    // MARK: Reading

    static func decode(_ bytes: [UInt8]) throws(Malformed) -> JSON {
        var reader = Reader(bytes: bytes)
        let value = try reader.item()
        guard reader.offset == bytes.count else { throw Malformed() }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func byte() throws(Malformed) -> UInt8 {
            guard offset < bytes.count else { throw Malformed() }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard count >= 0, offset + count <= bytes.count else { throw Malformed() }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        /// The argument of a head whose additional information is `info`; nil for indefinite length.
        mutating func argument(_ info: UInt8) throws(Malformed) -> UInt64? {
            switch info {
            case 0..<24: return UInt64(info)
            case 24: return UInt64(try byte())
            case 25, 26, 27:
                let width = 1 << (info - 24)
                return try take(width).reduce(0) { $0 << 8 | UInt64($1) }
            case 31: return nil
            default: throw Malformed()
            }
        }

        mutating func item() throws(Malformed) -> JSON {
            let head = try byte()
            let major = head >> 5, info = head & 0x1f
            switch major {
            case 0:
                guard let value = try argument(info) else { throw Malformed() }
                return .number(Double(value))
            case 1:
                guard let value = try argument(info) else { throw Malformed() }
                return .number(-1 - Double(value))
            case 2, 3:
                let data = try string(info, major: major)
                return major == 2 ? .string(Data(data).base64EncodedString()) : .string(String(decoding: data, as: UTF8.self))
            case 4:
                var items: [JSON] = []
                if let count = try argument(info) {
                    for _ in 0..<count { items.append(try item()) }
                } else {
                    while try !atBreak() { items.append(try item()) }
                }
                return .array(items)
            case 5:
                var members: [String: JSON] = [:]
                let count = try argument(info)
                var read: UInt64 = 0
                while true {
                    if let count {
                        guard read < count else { break }
                    } else if try atBreak() {
                        break
                    }
                    guard case .string(let key) = try item() else { throw Malformed() }
                    members[key] = try item()
                    read += 1
                }
                return .object(members)
            case 6:
                _ = try argument(info)  // tag 1 (epoch seconds) and others: the tagged value as it is
                return try item()
            default:
                return try simple(info)
            }
        }

        /// A definite or indefinite (chunked) byte or text string.
        mutating func string(_ info: UInt8, major: UInt8) throws(Malformed) -> [UInt8] {
            if let count = try argument(info) { return Array(try take(Int(clamping: count))) }
            var data: [UInt8] = []
            while try !atBreak() {
                let head = try byte()
                guard head >> 5 == major, let count = try argument(head & 0x1f) else { throw Malformed() }
                data += try take(Int(clamping: count))
            }
            return data
        }

        mutating func atBreak() throws(Malformed) -> Bool {
            guard offset < bytes.count else { throw Malformed() }
            if bytes[offset] == 0xff {
                offset += 1
                return true
            }
            return false
        }

        mutating func simple(_ info: UInt8) throws(Malformed) -> JSON {
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22, 23: return .null
            case 25:
                let bits = try take(2).reduce(0) { $0 << 8 | UInt16($1) }
                return .number(Double(Float16(bitPattern: bits)))
            case 26:
                let bits = try take(4).reduce(0) { $0 << 8 | UInt32($1) }
                return .number(Double(Float(bitPattern: bits)))
            case 27:
                let bits = try take(8).reduce(0) { $0 << 8 | UInt64($1) }
                return .number(Double(bitPattern: bits))
            default: throw Malformed()
            }
        }
    }

    // MARK: Writing

    /// Writes CBOR items one by one; containers are announced with their count.
    struct Writer {
        private(set) var bytes: [UInt8] = []

        mutating func write(_ value: JSON) {
            switch value {
            case .null: bytes.append(0xf6)
            case .bool(let flag): bytes.append(flag ? 0xf5 : 0xf4)
            case .number(let number): write(number: number)
            case .string(let text): write(text: text)
            case .array(let items):
                head(4, items.count)
                for item in items { write(item) }
            case .object(let members):
                head(5, members.count)
                for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                    write(text: key)
                    write(member)
                }
            }
        }

        mutating func write(number: Double) {
            if let integer = Int64(exactly: number) {
                integer >= 0 ? head(0, UInt64(integer)) : head(1, UInt64(-1 - integer))
            } else {
                bytes.append(0xfb)
                withUnsafeBytes(of: number.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
            }
        }

        mutating func write(text: String) {
            head(3, text.utf8.count)
            bytes.append(contentsOf: text.utf8)
        }

        mutating func write(blob: Data) {
            head(2, blob.count)
            bytes.append(contentsOf: blob)
        }

        /// Epoch seconds under tag 1.
        mutating func write(timestamp seconds: Double) {
            head(6, 1)
            write(number: seconds)
        }

        mutating func array(count: Int) { head(4, count) }
        mutating func map(count: Int) { head(5, count) }

        private mutating func head(_ major: UInt8, _ argument: Int) { head(major, UInt64(argument)) }

        private mutating func head(_ major: UInt8, _ argument: UInt64) {
            let type = major << 5
            switch argument {
            case 0..<24: bytes.append(type | UInt8(argument))
            case 24...0xff: bytes += [type | 24, UInt8(argument)]
            case 0x100...0xffff: append(type | 25, UInt16(argument))
            case 0x10000...0xffff_ffff: append(type | 26, UInt32(argument))
            default: append(type | 27, argument)
            }
        }

        private mutating func append<Integer: FixedWidthInteger>(_ first: UInt8, _ value: Integer) {
            bytes.append(first)
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
    }
}

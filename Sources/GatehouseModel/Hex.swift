/// Hexadecimal digits written by hand: `String(format:)` costs more than what it formats, and
/// several of these run on every request (SigV4 hashes, percent-encoding, request ids).
public enum Hex {
    public static let lowercaseDigits = Array("0123456789abcdef".utf8)
    public static let uppercaseDigits = Array("0123456789ABCDEF".utf8)

    /// Two lowercase digits a byte (`9f86d0…`, as SigV4 writes hashes).
    public static func lowercase<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(lowercaseDigits[Int(byte >> 4)])
            text.append(lowercaseDigits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `%2F`: a byte percent-encoded, in upper case as RFC 3986 asks.
    public static func percentEncoded(_ byte: UInt8) -> [UInt8] {
        [UInt8(ascii: "%"), uppercaseDigits[Int(byte >> 4)], uppercaseDigits[Int(byte & 0xF)]]
    }
}

import Synchronization

/// Request ids shaped like AWS's (`4f3c1a2e-…`, a version-4 UUID), made without a system call:
/// a random seed taken once, and a counter mixed through SplitMix64. Unique and unpredictable
/// enough to correlate logs; not a secret.
public enum RequestID {
    private static let counter = Atomic<UInt64>(0)
    private static let seed: UInt64 = .random(in: .min ... .max)

    /// A fresh id in UUID form.
    public static func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        var high = mix(seed &+ n)
        var low = mix(high ^ n)
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        var text = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var index = 0
        for word in [high, low] {
            for nibble in 0..<16 {
                if index == 8 || index == 13 || index == 18 || index == 23 { index += 1 }
                text[index] = Hex.lowercaseDigits[Int((word >> UInt64(60 - nibble * 4)) & 0xF)]
                index += 1
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `count` characters of base64 alphabet from the same generator (for `x-amz-apigw-id`);
    /// `urlSafe` uses `-` and `_` for ids that go into URL paths, such as connection ids.
    public static func base64(count: Int, urlSafe: Bool = false) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        var word = mix(seed ^ (n &* 0x9E37_79B9_7F4A_7C15))
        var text = [UInt8]()
        text.reserveCapacity(count)
        for position in 0..<count {
            if position % 10 == 9 { word = mix(word) }
            text.append((urlSafe ? urlSafeAlphabet : base64Alphabet)[Int(word & 63)])
            word >>= 6
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafeAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 CIDR block (`192.0.2.0/24`, `2001:db8::/32`), as WAF's IP sets hold them.
public struct IPRange: Sendable, Hashable {
    let network: [UInt8]
    let prefix: Int

    /// Nil when `text` is not an address with a prefix length that fits it.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let prefix = Int(parts[1]), let bytes = Self.bytes(String(parts[0])), (0...bytes.count * 8).contains(prefix) else {
            return nil
        }
        self.prefix = prefix
        network = Self.masked(bytes, prefix)
    }

    /// Whether `address` (v4 or v6, without a prefix) is in the block.
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(address), bytes.count == network.count else { return false }
        return Self.masked(bytes, prefix) == network
    }

    /// Whether `text` is an IPv4 or IPv6 address.
    public static func isAddress(_ text: String) -> Bool { bytes(text) != nil }

    /// The address's bytes: 4 for IPv4, 16 for IPv6.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = max(0, min(8, prefix - index * 8))
            return bits == 8 ? byte : byte & ~(UInt8(0xff) >> bits)
        }
    }
}

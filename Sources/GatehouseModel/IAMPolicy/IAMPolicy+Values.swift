// MARK: - Values

extension IAMPolicy {
    static func bool(_ text: String) -> Bool? {
        if equalsIgnoringASCIICase(text, "true") { return true }
        if equalsIgnoringASCIICase(text, "false") { return false }
        return nil
    }

    static func equalsIgnoringASCIICase(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count && zip(left.utf8, right.utf8).allSatisfy { Wildcard.fold($0) == Wildcard.fold($1) }
    }

    /// ASCII values compare byte by byte without allocating; others fall back to `lowercased()`.
    static func equalsIgnoringCase(_ value: String, lowercased: String) -> Bool {
        guard value.utf8.allSatisfy({ $0 < 0x80 }) else { return value.lowercased() == lowercased }
        return value.utf8.count == lowercased.utf8.count && zip(value.utf8, lowercased.utf8).allSatisfy { Wildcard.fold($0) == $1 }
    }

    /// Seconds since 1970 from an `aws:EpochTime`-style number or ISO 8601 text (`2026-01-31`,
    /// `2026-01-31T12:00:00Z`, optional fraction, `Z` or `±hh:mm`; no zone means UTC).
    static func epochSeconds(_ text: String) -> Double? {
        if let seconds = Double(text) { return seconds }
        return withBytes(text) { bytes -> Double? in
            var index = 0
            func number(_ width: Int) -> Int? {
                guard index + width <= bytes.count else { return nil }
                var value = 0
                for byte in bytes[index..<index + width] {
                    guard byte &- UInt8(ascii: "0") < 10 else { return nil }
                    value = value * 10 + Int(byte &- UInt8(ascii: "0"))
                }
                index += width
                return value
            }
            func skip(_ character: Unicode.Scalar) -> Bool {
                guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
                index += 1
                return true
            }
            guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2),
                (1...12).contains(month), (1...31).contains(day)
            else { return nil }
            var seconds = Double(daysSince1970(year: year, month: month, day: day) * 86_400)
            guard index < bytes.count else { return seconds }
            guard skip("T"), let hour = number(2), skip(":"), let minute = number(2) else { return nil }
            seconds += Double(hour * 3600 + minute * 60)
            if skip(":") {
                guard let second = number(2) else { return nil }
                seconds += Double(second)
                if skip(".") {
                    var scale = 0.1
                    while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
                        seconds += Double(bytes[index] &- UInt8(ascii: "0")) * scale
                        scale /= 10
                        index += 1
                    }
                }
            }
            if skip("Z") { return index == bytes.count ? seconds : nil }
            guard index < bytes.count else { return seconds }
            let sign: Double = skip("+") ? 1 : skip("-") ? -1 : 0
            guard sign != 0, let hours = number(2) else { return nil }
            _ = skip(":")
            guard let minutes = number(2), index == bytes.count else { return nil }
            return seconds - sign * Double(hours * 3600 + minutes * 60)
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

// MARK: - IP addresses

extension IAMPolicy {
    /// An IPv4 or IPv6 address as 128 bits. IPv4 addresses, and IPv4-mapped IPv6 ones
    /// (`::ffff:192.0.2.1`), live in `::ffff:0:0/96`, so both match IPv4 CIDRs.
    struct IPAddress: Sendable, Equatable {
        let bits: UInt128
        var isV4: Bool { bits >> 32 == 0xFFFF }

        init?(_ text: String) {
            guard let bits = IAMPolicy.withBytes(text, IPAddress.parse) else { return nil }
            self.bits = bits
        }

        private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt128? {
            if bytes.contains(UInt8(ascii: ":")) { return parseV6(bytes) }
            return parseV4(bytes, bytes.indices).map { 0xFFFF << 32 | UInt128($0) }
        }

        /// Dotted-quad decimal, exactly four parts.
        private static func parseV4(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32? {
            var value: UInt32 = 0
            var part: UInt32 = 0
            var digits = 0
            var dots = 0
            for byte in bytes[range] {
                if byte == UInt8(ascii: ".") {
                    guard digits > 0, dots < 3 else { return nil }
                    value = value << 8 | part
                    (part, digits, dots) = (0, 0, dots + 1)
                } else {
                    guard byte &- UInt8(ascii: "0") < 10, digits < 3 else { return nil }
                    part = part * 10 + UInt32(byte &- UInt8(ascii: "0"))
                    digits += 1
                    guard part <= 255 else { return nil }
                }
            }
            guard dots == 3, digits > 0 else { return nil }
            return value << 8 | part
        }

        /// RFC 4291 text: eight hex groups, one `::` for a run of zero groups, an optional dotted-quad tail.
        private static func parseV6(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt128? {
            let colon = UInt8(ascii: ":")
            var head: UInt128 = 0  // groups before `::`
            var tail: UInt128 = 0  // groups after it
            var headGroups = 0
            var tailGroups = 0
            var sawGap = false
            var index = 0
            if bytes.count >= 2, bytes[0] == colon, bytes[1] == colon { (sawGap, index) = (true, 2) }
            while index < bytes.count {
                var end = index
                var group: UInt128 = 0
                var groups = 1
                while end < bytes.count, end - index < 5, let digit = hexValue(bytes[end]) {
                    group = group << 4 | UInt128(digit)
                    end += 1
                }
                if end < bytes.count, bytes[end] == UInt8(ascii: ".") {
                    guard let v4 = parseV4(bytes, index..<bytes.count) else { return nil }
                    (group, groups, end) = (UInt128(v4), 2, bytes.count)
                } else {
                    guard end > index, end - index <= 4 else { return nil }
                }
                if sawGap { (tail, tailGroups) = (tail << (16 * groups) | group, tailGroups + groups) }
                else { (head, headGroups) = (head << (16 * groups) | group, headGroups + groups) }
                guard headGroups + tailGroups <= 8 else { return nil }
                if end == bytes.count { break }
                guard bytes[end] == colon, end + 1 < bytes.count else { return nil }
                if bytes[end + 1] == colon {
                    guard !sawGap else { return nil }
                    (sawGap, index) = (true, end + 2)
                } else {
                    index = end + 1
                }
            }
            guard sawGap ? headGroups + tailGroups < 8 : headGroups == 8 else { return nil }
            return head << (16 * (8 - headGroups)) | tail
        }

        private static func hexValue(_ byte: UInt8) -> UInt8? {
            if byte &- UInt8(ascii: "0") < 10 { return byte &- UInt8(ascii: "0") }
            let lower = byte | 0x20
            if lower &- UInt8(ascii: "a") < 6 { return lower &- UInt8(ascii: "a") + 10 }
            return nil
        }
    }

    /// An `aws:SourceIp`-style block: `192.0.2.0/24`, `2001:db8::/32`, or a single address (a /32 or /128).
    /// Host bits are ignored. IPv4 blocks match only IPv4 addresses and IPv6 blocks only IPv6 ones.
    struct CIDR: Sendable {
        let network: UInt128
        let mask: UInt128
        let isV4: Bool

        init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = IPAddress(String(parts[0])) else { return nil }
            isV4 = address.isV4
            var length = isV4 ? 32 : 128
            if parts.count == 2 {
                guard !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }),
                    let prefix = Int(parts[1]), prefix <= length
                else { return nil }
                length = prefix
            }
            let bits = length + (isV4 ? 96 : 0)
            mask = bits == 0 ? 0 : ~UInt128(0) << (128 - bits)
            network = address.bits & mask
        }

        func contains(_ address: IPAddress) -> Bool { address.isV4 == isV4 && address.bits & mask == network }
    }
}

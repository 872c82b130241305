import Foundation
import Synchronization

extension Date {
    /// This date in a fixed machine format (`yyyyMMdd'T'HHmmss'Z'`, `dd/MMM/yyyy:HH:mm:ss Z`…),
    /// in UTC with the POSIX locale, as AWS writes its timestamps.
    public func utc(_ format: String) -> String {
        DateFormatter.utc(format).string(from: self)
    }
}

extension DateFormatter {
    /// The formatter for a fixed machine format: POSIX locale, UTC. Made once per format and
    /// shared (making one costs far more than using it); never change what it returns.
    public static func utc(_ format: String) -> DateFormatter {
        utcFormatters.withLock { formatters in
            if let formatter = formatters[format] { return formatter }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            formatters[format] = formatter
            return formatter
        }
    }

    private static let utcFormatters = Mutex<[String: DateFormatter]>([:])
}

extension Date {
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `25/Nov/2026:15:04:05 +0000`, the CLF time AWS puts in `requestTime` — written by hand:
    /// it is on every request's path, where a `DateFormatter` would cost more than the request.
    public var clfTime: String {
        let parts = utcParts
        return "\(Self.two(parts.tm_mday))/\(Self.monthNames[Int(parts.tm_mon)])/\(parts.tm_year + 1900):"
            + "\(Self.two(parts.tm_hour)):\(Self.two(parts.tm_min)):\(Self.two(parts.tm_sec)) +0000"
    }

    /// `20261206T101500Z`, SigV4's `X-Amz-Date`, written by hand for the same reason.
    public var amzDate: String {
        let parts = utcParts
        return "\(parts.tm_year + 1900)\(Self.two(parts.tm_mon + 1))\(Self.two(parts.tm_mday))T"
            + "\(Self.two(parts.tm_hour))\(Self.two(parts.tm_min))\(Self.two(parts.tm_sec))Z"
    }

    /// Parses SigV4's `X-Amz-Date` (`20261206T101500Z`); nil unless it is exactly that shape.
    public init?(amzDate text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int32(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var parts = tm()
        (parts.tm_year, parts.tm_mon, parts.tm_mday) = (year - 1900, month - 1, day)
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (hour, minute, second)
        self.init(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private var utcParts: tm {
        var seconds = time_t(timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

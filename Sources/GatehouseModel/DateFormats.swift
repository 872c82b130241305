import Foundation

extension Date {
    /// This date in a fixed machine format (`yyyyMMdd'T'HHmmss'Z'`, `dd/MMM/yyyy:HH:mm:ss Z`…),
    /// in UTC with the POSIX locale, as AWS writes its timestamps.
    public func utc(_ format: String) -> String {
        DateFormatter.utc(format).string(from: self)
    }
}

extension DateFormatter {
    /// A formatter for a fixed machine format: POSIX locale, UTC.
    public static func utc(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}

extension Date {
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `25/Nov/2026:15:04:05 +0000`, the CLF time AWS puts in `requestTime` — written by hand:
    /// it is on every request's path, where a `DateFormatter` would cost more than the request.
    public var clfTime: String {
        var seconds = time_t(timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_mday))/\(Self.monthNames[Int(parts.tm_mon)])/\(parts.tm_year + 1900):"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}

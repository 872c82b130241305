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

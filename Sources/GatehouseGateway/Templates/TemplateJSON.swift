import Foundation
import GatehouseModel
import Velocity

/// JSON in templates: payloads parse into template values with members in document order (as
/// the Java maps AWS's templates see), and values serialize back for `$input.json`.
extension VelocityValue: JSONBuildable {
    public static var jsonNull: VelocityValue { .null }
    public init(jsonBool: Bool) { self = .bool(jsonBool) }
    public init(jsonNumber: Double, integral: Bool) {
        if integral, let int = Int64(exactly: jsonNumber) { self = .int(int) } else { self = .double(jsonNumber) }
    }
    public init(jsonString: String) { self = .string(jsonString) }
    public init(jsonArray: [VelocityValue]) { self = .list(jsonArray) }
    public init(jsonObject: [(key: String, value: VelocityValue)]) {
        var map = VelocityMap()
        for (key, value) in jsonObject { map[key] = value }
        self = .map(map)
    }

    /// Compact JSON text for the value, map members in their order.
    var jsonText: String {
        var text = ""
        Self.writeJSON(self, into: &text)
        return text
    }

    private static func writeJSON(_ value: VelocityValue, into text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .int(let number): text += String(number)
        case .double(let number): text += number.isFinite ? "\(number)" : "null"
        case .string(let string): text += JSON.quoted(string)
        case .object(let object): text += JSON.quoted(object.renderedText)
        case .list(let items):
            text += "["
            for (offset, item) in items.enumerated() {
                if offset > 0 { text += "," }
                writeJSON(item, into: &text)
            }
            text += "]"
        case .map(let map):
            text += "{"
            for (offset, entry) in map.entries.enumerated() {
                if offset > 0 { text += "," }
                text += JSON.quoted(entry.key)
                text += ":"
                writeJSON(entry.value, into: &text)
            }
            text += "}"
        }
    }
}

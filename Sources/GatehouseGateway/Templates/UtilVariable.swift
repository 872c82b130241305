import Foundation
import GatehouseModel
import Velocity

/// `$util`: the helper functions API Gateway gives templates, with the exact escaping of the
/// Java functions AWS calls (commons-lang `escapeJavaScript`, `URLEncoder`, `Base64`).
struct UtilVariable: VelocityObject {
    func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue? {
        guard arguments.count == 1 else { return nil }
        let text = arguments[0].renderedText
        switch method {
        case "escapeJavaScript": return .string(Self.escapeJavaScript(text))
        case "parseJson":
            do { return try VelocityValue(parsingJSON: Data(text.utf8)) } catch { throw TemplateFailure.invalidJSON("\(error)") }
        case "urlEncode": return .string(Self.urlEncode(text))
        case "urlDecode": return .string(Self.urlDecode(text))
        case "base64Encode": return .string(Data(text.utf8).base64EncodedString())
        case "base64Decode": return .string(Data(base64Encoded: text).map { String(decoding: $0, as: UTF8.self) } ?? "")
        default: return nil
        }
    }

    var renderedText: String { "$util" }

    /// commons-lang 2 `StringEscapeUtils.escapeJavaScript`: quotes, backslash and `/` escaped,
    /// control characters as `\n`-style or `\u00XX`, everything above ASCII as `\uXXXX`.
    static func escapeJavaScript(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for unit in text.utf16 {
            switch unit {
            case 0x22: escaped += "\\\""
            case 0x27: escaped += "\\'"
            case 0x5C: escaped += "\\\\"
            case 0x2F: escaped += "\\/"
            case 0x08: escaped += "\\b"
            case 0x09: escaped += "\\t"
            case 0x0A: escaped += "\\n"
            case 0x0C: escaped += "\\f"
            case 0x0D: escaped += "\\r"
            case 0x20..<0x7F: escaped.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: escaped += "\\u" + String(format: "%04X", unit)
            }
        }
        return escaped
    }

    /// `java.net.URLEncoder.encode(text, "UTF-8")`: form encoding, space as `+`.
    static func urlEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "_"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): encoded += "+"
            default: encoded += String(decoding: Hex.percentEncoded(byte), as: UTF8.self)
            }
        }
        return encoded
    }

    /// `java.net.URLDecoder.decode(text, "UTF-8")`: `+` is a space; a malformed escape stays as written.
    static func urlDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

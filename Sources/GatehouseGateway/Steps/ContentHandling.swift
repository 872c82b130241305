import Foundation
import GatehouseModel

/// Binary payloads: which bodies count as binary (their media type is one of the API's
/// `binaryMediaTypes`) and the `contentHandling` conversions between binary and base64 text,
/// following AWS's "Content type conversions" tables.
enum ContentHandling {
    /// Whether a Content-Type (or the first type of an Accept header) is one of the API's
    /// binary media types (`image/png`, `image/*`, `*/*`).
    static func isBinary(_ contentType: String?, _ binaryMediaTypes: [String]) -> Bool {
        guard !binaryMediaTypes.isEmpty, let first = contentType?.split(separator: ",").first,
            let type = IntegrationRequest.mediaType(String(first))
        else { return false }
        return binaryMediaTypes.contains { pattern in
            let pattern = pattern.lowercased()
            if pattern == "*/*" || pattern == type { return true }
            if pattern.hasSuffix("/*") { return type.hasPrefix(String(pattern.dropLast())) }
            return false
        }
    }

    /// A payload converted as `handling` (`CONVERT_TO_TEXT`, `CONVERT_TO_BINARY` or nil for
    /// passthrough) asks: binary becomes base64 text, base64 text becomes binary.
    static func convert(_ payload: Data, isBinary: Bool, to handling: String?) throws(GatewayError) -> Data {
        switch (handling, isBinary) {
        case ("CONVERT_TO_TEXT", true):
            return Data(payload.base64EncodedString().utf8)
        case ("CONVERT_TO_BINARY", false):
            guard let bytes = Data(base64Encoded: payload) else { throw .configurationError }
            return bytes
        default:
            return payload
        }
    }

    /// The method response body for an integration's payload: the client's Accept decides the
    /// conversion when `contentHandling` is unset and the API has binary media types (a binary
    /// Accept decodes base64 text, a text Accept base64-encodes binary), as AWS's response table says.
    static func convertResponse(
        _ payload: Data, isBinary: Bool, acceptsBinary: Bool, binaryMediaTypes: [String], handling: String?
    ) throws(GatewayError) -> Data {
        let effective = handling ?? (binaryMediaTypes.isEmpty ? nil : acceptsBinary ? "CONVERT_TO_BINARY" : "CONVERT_TO_TEXT")
        return try convert(payload, isBinary: isBinary, to: effective)
    }

    /// What a mapping template reads as `$input.body`: text as it is, binary as base64.
    static func templateInput(_ payload: Data, isBinary: Bool) -> Data {
        isBinary ? Data(payload.base64EncodedString().utf8) : payload
    }
}

import Foundation
import GatehouseModel

/// One page of a list, as every service's list operations cut them: `limit` items from where
/// an opaque token (the base64 of an offset) says, and the token of the next page if any.
enum Paging {
    /// Nil when `token` is not one this server handed out.
    static func page(_ items: [JSON], limit: Int, token: String?) -> (items: [JSON], next: String?)? {
        var start = 0
        if let token {
            guard let offset = Data(base64Encoded: token).flatMap({ Int(String(decoding: $0, as: UTF8.self)) }), offset >= 0 else { return nil }
            start = min(offset, items.count)
        }
        let end = min(start + limit, items.count)
        return (Array(items[start..<end]), end < items.count ? Data(String(end).utf8).base64EncodedString() : nil)
    }
}

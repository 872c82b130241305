import Foundation
import GatehouseModel
import GatehouseStore

/// `GetTags`, `TagResource` and `UntagResource` for v2 APIs
/// (`arn:aws:apigateway:{region}::/apis/{id}`) and their stages (`…/apis/{id}/stages/{name}`).
extension APIGatewayV2 {
    static let tagHandlers: [String: OperationHandler] = [
        "GetTags": { context in
            ["Tags": try await tagged(context, in: context.store).document["Tags"] ?? [:]]
        },
        "TagResource": { context in
            try await retag(context) { tags in
                for (name, value) in context.input["Tags"]?.objectValue ?? [:] { tags[name] = value }
            }
        },
        "UntagResource": { context in
            try await retag(context) { tags in
                for name in context.input["TagKeys"]?.arrayValue ?? [] { tags[name.stringValue ?? ""] = nil }
            }
        },
    ]

    private static func retag(_ context: OperationContext, _ change: @escaping @Sendable (inout [String: JSON]) -> Void) async throws -> JSON {
        try await context.store.write { tx in
            var (key, document) = try await tagged(context, in: tx)
            var tags = document["Tags"]?.objectValue ?? [:]
            change(&tags)
            document["Tags"] = .object(tags)
            try await tx.put(key, document)
            return .emptyObject
        }
    }

    /// The API or stage a resource ARN names.
    private static func tagged(_ context: OperationContext, in reader: any DocumentReader) async throws -> (key: DocumentKey, document: JSON) {
        let arn = context.string("ResourceArn")
        let path = arn.components(separatedBy: "::").last ?? ""
        let parts = path.split(separator: "/").map(String.init)
        let key: DocumentKey?
        switch (parts.count, parts.first, parts.count > 2 ? parts[2] : nil) {
        case (2, "apis", _): key = apiKey(context, parts[1])
        case (4, "apis", "stages"): key = DocumentKey(kind: Kind.v2Stage, parent: parts[1], id: parts[3])
        default: key = nil
        }
        guard let key, let document = try await reader.document(key) else {
            throw AWSError.notFound("Invalid resource identifier specified: \(arn)")
        }
        return (key, document)
    }
}

import Foundation
import GatehouseModel
import GatehouseStore

extension APIGateway {
    static let tagHandlers: [String: OperationHandler] = [
        "TagResource": { context in
            try await modifyTagged(context) { tags in
                for (key, value) in context.input["tags"]?.objectValue ?? [:] { tags[key] = value }
            }
        },
        "UntagResource": { context in
            try await modifyTagged(context) { tags in
                for key in context.input["tagKeys"]?.arrayValue ?? [] { tags[key.stringValue ?? ""] = nil }
            }
        },
        "GetTags": { context in
            let key = try taggedKey(context)
            guard let document = try await context.store.document(key) else { throw notTaggable(context) }
            return ["tags": document["tags"] ?? .emptyObject]
        },
    ]

    /// The stored document an ARN such as `arn:aws:apigateway:us-east-1::/restapis/abc/stages/dev` names.
    private static func taggedKey(_ context: OperationContext) throws(AWSError) -> DocumentKey {
        let arn = context.string("resourceArn")
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "apigateway" else { throw notTaggable(context) }
        let path = parts[5].split(separator: "/").map(String.init)
        switch path.count {
        case 2 where path[0] == "restapis":
            return DocumentKey(kind: Kind.restAPI, parent: String(parts[3]), id: path[1])
        case 4 where path[0] == "restapis" && path[2] == "stages":
            return DocumentKey(kind: Kind.stage, parent: path[1], id: path[3])
        default:
            throw notTaggable(context)
        }
    }

    private static func notTaggable(_ context: OperationContext) -> AWSError {
        .notFound("Invalid resource identifier specified: \(context.string("resourceArn"))")
    }

    private static func modifyTagged(_ context: OperationContext, _ change: @escaping @Sendable (inout [String: JSON]) -> Void) async throws -> JSON {
        let key = try taggedKey(context)
        return try await context.store.write { tx in
            guard var document = try await tx.document(key) else { throw notTaggable(context) }
            var tags = document["tags"]?.objectValue ?? [:]
            change(&tags)
            document["tags"] = .object(tags)
            try await tx.put(key, document)
            return .emptyObject
        }
    }
}

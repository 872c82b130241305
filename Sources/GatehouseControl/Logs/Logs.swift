import Foundation
import GatehouseModel
import GatehouseStore

/// The part of CloudWatch Logs (`json` protocol) that reads and writes function and gateway
/// logs: groups and streams are documents, events live in the store's event table.
public enum Logs {
    public static func definition(events: any LogEventStore) throws -> ServiceDefinition {
        ServiceDefinition(
            model: try ServiceModel.bundled("logs"), validationError: "InvalidParameterException",
            handlers: groupHandlers(events).merging(eventHandlers(events)) { first, _ in first })
    }

    typealias Kind = DocumentKind

    static func groupKey(_ region: String, _ name: String) -> DocumentKey {
        DocumentKey(kind: Kind.logGroup, parent: region, id: name)
    }

    static func streamKey(_ region: String, group: String, _ name: String) -> DocumentKey {
        DocumentKey(kind: Kind.logStream, parent: "\(region)|\(group)", id: name)
    }

    static let groupNotFound = AWSError("ResourceNotFoundException", status: 400, "The specified log group does not exist.")
    static let streamNotFound = AWSError("ResourceNotFoundException", status: 400, "The specified log stream does not exist.")

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func groupARN(_ region: String, _ account: String, _ name: String) -> String {
        "arn:aws:logs:\(region):\(account):log-group:\(name)"
    }

    /// Creates the group and stream if they are missing (Lambda and API Gateway do so on first write).
    public static func ensureStream(group: String, stream: String, region: String, account: String, in store: any Store) async throws {
        if try await store.document(streamKey(region, group: group, stream)) != nil { return }
        try await store.write(configuration: false) { tx in
            if try await tx.document(groupKey(region, group)) == nil {
                try await tx.put(groupKey(region, group), newGroup(group, region: region, account: account))
            }
            if try await tx.document(streamKey(region, group: group, stream)) == nil {
                try await tx.put(streamKey(region, group: group, stream), newStream(stream, group: group, region: region, account: account))
            }
        }
    }

    static func newGroup(_ name: String, region: String, account: String) -> JSON {
        let arn = groupARN(region, account, name)
        return [
            "logGroupName": .string(name), "creationTime": .number(Double(now())), "metricFilterCount": 0,
            "arn": .string(arn + ":*"), "logGroupArn": .string(arn), "storedBytes": 0, "logGroupClass": "STANDARD",
        ]
    }

    static func newStream(_ name: String, group: String, region: String, account: String) -> JSON {
        [
            "logStreamName": .string(name), "creationTime": .number(Double(now())),
            "arn": .string("\(groupARN(region, account, group)):log-stream:\(name)"), "storedBytes": 0,
        ]
    }

    /// Opaque paging tokens over event sequence numbers.
    static func token(_ prefix: String, _ seq: Int64) -> String { "\(prefix)/\(String(format: "%056d", seq))" }

    static func seq(from token: String?) -> Int64? {
        guard let token, let slash = token.firstIndex(of: "/") else { return nil }
        return Int64(token[token.index(after: slash)...])
    }
}

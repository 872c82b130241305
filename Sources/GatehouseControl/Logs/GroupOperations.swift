import Foundation
import GatehouseModel
import GatehouseStore

extension Logs {
    static func groupHandlers(_ events: any LogEventStore) -> [String: OperationHandler] {
        [
            "CreateLogGroup": { context in
                let name = context.string("logGroupName")
                try await context.store.write(configuration: false) { tx in
                    if try await tx.document(groupKey(context.caller.region, name)) != nil {
                        throw AWSError("ResourceAlreadyExistsException", status: 400, "The specified log group already exists")
                    }
                    try await tx.put(groupKey(context.caller.region, name), newGroup(name, region: context.caller.region, account: context.caller.accountId))
                }
                return .emptyObject
            },
            "DeleteLogGroup": { context in
                let name = context.string("logGroupName")
                try await context.store.write(configuration: false) { tx in
                    guard try await tx.document(groupKey(context.caller.region, name)) != nil else { throw groupNotFound }
                    try await tx.delete(groupKey(context.caller.region, name))
                    try await tx.deleteOwned(by: "\(context.caller.region)|\(name)")
                }
                try await events.deleteLogEvents(group: name)
                return .emptyObject
            },
            "DescribeLogGroups": { context in
                let prefix = context.input["logGroupNamePrefix"]?.stringValue ?? ""
                let pattern = context.input["logGroupNamePattern"]?.stringValue
                let groups = try await context.store.documents(kind: Kind.logGroup, parent: context.caller.region)
                    .filter { group in
                        let name = group["logGroupName"]?.stringValue ?? ""
                        return name.hasPrefix(prefix) && (pattern.map { name.contains($0) } ?? true)
                    }
                    .sorted { ($0["logGroupName"]?.stringValue ?? "") < ($1["logGroupName"]?.stringValue ?? "") }
                return page(groups, context, member: "logGroups")
            },
            "CreateLogStream": { context in
                let group = context.string("logGroupName"), name = context.string("logStreamName")
                try await context.store.write(configuration: false) { tx in
                    guard try await tx.document(groupKey(context.caller.region, group)) != nil else { throw groupNotFound }
                    let key = streamKey(context.caller.region, group: group, name)
                    if try await tx.document(key) != nil {
                        throw AWSError("ResourceAlreadyExistsException", status: 400, "The specified log stream already exists")
                    }
                    try await tx.put(key, newStream(name, group: group, region: context.caller.region, account: context.caller.accountId))
                }
                return .emptyObject
            },
            "DescribeLogStreams": { context in
                let group = context.string("logGroupName")
                guard try await context.store.document(groupKey(context.caller.region, group)) != nil else { throw groupNotFound }
                let prefix = context.input["logStreamNamePrefix"]?.stringValue ?? ""
                let stats = try await streamStatistics(group, events)
                var streams = try await context.store.documents(kind: Kind.logStream, parent: "\(context.caller.region)|\(group)")
                    .filter { ($0["logStreamName"]?.stringValue ?? "").hasPrefix(prefix) }
                    .map { stream -> JSON in
                        var stream = stream
                        if let stat = stats[stream["logStreamName"]?.stringValue ?? ""] {
                            stream["firstEventTimestamp"] = .number(Double(stat.first))
                            stream["lastEventTimestamp"] = .number(Double(stat.last))
                            stream["lastIngestionTime"] = .number(Double(stat.ingestion))
                        }
                        return stream
                    }
                if context.input["orderBy"] == "LastEventTime" {
                    streams.sort { ($0["lastEventTimestamp"]?.doubleValue ?? 0) < ($1["lastEventTimestamp"]?.doubleValue ?? 0) }
                } else {
                    streams.sort { ($0["logStreamName"]?.stringValue ?? "") < ($1["logStreamName"]?.stringValue ?? "") }
                }
                if context.input["descending"] == true { streams.reverse() }
                return page(streams, context, member: "logStreams")
            },
        ]
    }

    /// First and last event time and last ingestion per stream, from the events themselves.
    private static func streamStatistics(_ group: String, _ events: any LogEventStore) async throws -> [String: (first: Int64, last: Int64, ingestion: Int64)] {
        var stats: [String: (first: Int64, last: Int64, ingestion: Int64)] = [:]
        for event in try await events.logEvents(LogQuery(group: group)) {
            let current = stats[event.stream] ?? (event.timestamp, event.timestamp, event.ingestionTime)
            stats[event.stream] = (min(current.first, event.timestamp), max(current.last, event.timestamp), max(current.ingestion, event.ingestionTime))
        }
        return stats
    }

    /// A page of a list answered with `nextToken` (an offset).
    static func page(_ items: [JSON], _ context: OperationContext, member: String) -> JSON {
        let limit = context.input["limit"]?.intValue ?? 50
        let start = context.input["nextToken"]?.stringValue.flatMap { Int($0) } ?? 0
        let end = min(items.count, start + limit)
        var output: JSON = [member: .array(Array(items[min(start, items.count)..<end]))]
        if end < items.count { output["nextToken"] = .string(String(end)) }
        return output
    }
}

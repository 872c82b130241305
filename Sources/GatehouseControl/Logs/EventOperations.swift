import Foundation
import GatehouseModel
import GatehouseStore

extension Logs {
    static func eventHandlers(_ events: any LogEventStore) -> [String: OperationHandler] {
        [
            "PutLogEvents": { context in
                let group = context.string("logGroupName"), stream = context.string("logStreamName")
                guard try await context.store.document(groupKey(context.caller.region, group)) != nil else { throw groupNotFound }
                guard try await context.store.document(streamKey(context.caller.region, group: group, stream)) != nil else { throw streamNotFound }
                let ingestion = now()
                let batch = (context.input["logEvents"]?.arrayValue ?? []).map { event in
                    StoredLogEvent(
                        stream: stream, timestamp: Int64(event["timestamp"]?.doubleValue ?? 0), ingestionTime: ingestion,
                        message: event["message"]?.stringValue ?? "")
                }
                try await events.appendLogEvents(batch, group: group)
                return ["nextSequenceToken": .string(String(format: "%056d", ingestion))]
            },
            "GetLogEvents": { context in
                let group = context.string("logGroupName"), stream = context.string("logStreamName")
                guard try await context.store.document(groupKey(context.caller.region, group)) != nil else { throw groupNotFound }
                guard try await context.store.document(streamKey(context.caller.region, group: group, stream)) != nil else { throw streamNotFound }
                let limit = context.input["limit"]?.intValue ?? 10_000
                var all = try await events.logEvents(LogQuery(
                    group: group, streams: [stream], startTime: context.input["startTime"].flatMap { $0.doubleValue.map(Int64.init) },
                    endTime: context.input["endTime"].flatMap { $0.doubleValue.map(Int64.init) }))
                // Forward tokens continue after an event; without one, the newest events come back
                // unless startFromHead is set, as on AWS.
                if let after = seq(from: context.input["nextToken"]?.stringValue), context.input["nextToken"]?.stringValue?.hasPrefix("f/") == true {
                    all = all.filter { $0.seq > after }
                    all = Array(all.prefix(limit))
                } else if let before = seq(from: context.input["nextToken"]?.stringValue) {
                    all = Array(all.filter { $0.seq < before }.suffix(limit))
                } else {
                    all = context.input["startFromHead"] == true ? Array(all.prefix(limit)) : Array(all.suffix(limit))
                }
                let last = all.last?.seq ?? seq(from: context.input["nextToken"]?.stringValue) ?? 0
                let first = all.first?.seq ?? last
                return [
                    "events": .array(all.map { ["timestamp": .number(Double($0.timestamp)), "message": .string($0.message), "ingestionTime": .number(Double($0.ingestionTime))] }),
                    "nextForwardToken": .string(token("f", last)), "nextBackwardToken": .string(token("b", first)),
                ]
            },
            "FilterLogEvents": { context in
                let group = context.string("logGroupName")
                guard try await context.store.document(groupKey(context.caller.region, group)) != nil else { throw groupNotFound }
                let limit = context.input["limit"]?.intValue ?? 10_000
                let pattern = FilterPattern(context.input["filterPattern"]?.stringValue ?? "")
                let prefix = context.input["logStreamNamePrefix"]?.stringValue
                let named = context.input["logStreamNames"]?.arrayValue?.compactMap(\.stringValue)
                let matching = try await events.logEvents(LogQuery(
                    group: group, streams: named, startTime: context.input["startTime"].flatMap { $0.doubleValue.map(Int64.init) },
                    endTime: context.input["endTime"].flatMap { $0.doubleValue.map(Int64.init) },
                    afterSeq: context.input["nextToken"]?.stringValue.flatMap { Int64($0) } ?? 0))
                    .filter { event in (prefix.map { event.stream.hasPrefix($0) } ?? true) && pattern.matches(event.message) }
                let page = matching.prefix(limit)
                var output: JSON = [
                    "events": .array(page.map {
                        [
                            "logStreamName": .string($0.stream), "timestamp": .number(Double($0.timestamp)), "message": .string($0.message),
                            "ingestionTime": .number(Double($0.ingestionTime)), "eventId": .string(String($0.seq)),
                        ]
                    }),
                    "searchedLogStreams": .array(Set(page.map(\.stream)).sorted().map { ["logStreamName": .string($0), "searchedCompletely": true] }),
                ]
                if matching.count > limit, let last = page.last { output["nextToken"] = .string(String(last.seq)) }
                return output
            },
        ]
    }
}

/// CloudWatch Logs' text filter patterns: every term must appear (`ERROR timeout`), a quoted
/// phrase is one term, `?a ?b` matches either, `-term` excludes. JSON and space-delimited
/// patterns are not supported and match nothing.
struct FilterPattern {
    private var required: [String] = []
    private var anyOf: [String] = []
    private var excluded: [String] = []
    private var unsupported = false

    init(_ pattern: String) {
        let trimmed = pattern.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { unsupported = true; return }
        var terms: [String] = []
        var current = ""
        var quoted = false
        for character in trimmed {
            if character == "\"" { quoted.toggle(); continue }
            if character == " " && !quoted {
                if !current.isEmpty { terms.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { terms.append(current) }
        for term in terms {
            if term.hasPrefix("?") { anyOf.append(String(term.dropFirst())) }
            else if term.hasPrefix("-") { excluded.append(String(term.dropFirst())) }
            else { required.append(term) }
        }
    }

    func matches(_ message: String) -> Bool {
        if unsupported { return false }
        return required.allSatisfy { message.contains($0) }
            && (anyOf.isEmpty || anyOf.contains { message.contains($0) })
            && !excluded.contains { message.contains($0) }
    }
}

import Foundation
import GatehouseModel

/// CloudTrail's `LookupEvents` (the `json` protocol) over the audit trail: the account's
/// management events in the caller's region, newest first, by one lookup attribute and a time range.
public enum CloudTrail {
    static let attributeKeys: Set<String> = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"]

    public static func definition(trail: any AuditTrail, log: AuditLog?) throws -> ServiceDefinition {
        ServiceDefinition(model: try ServiceModel.bundled("cloudtrail"), validationError: "InvalidParameterException", handlers: [
            "LookupEvents": { context in
                // Events recorded this second are on their way to the store: take them along.
                try await log?.flush()
                return try await lookup(context, trail: trail)
            },
        ])
    }

    private static func lookup(_ context: OperationContext, trail: any AuditTrail) async throws -> JSON {
        let attributes = context.input["LookupAttributes"]?.arrayValue ?? []
        guard attributes.count <= 1 else {
            throw AWSError("InvalidLookupAttributesException", status: 400, "You cannot specify more than one lookup attribute.")
        }
        var attribute: (key: String, value: String)?
        if let first = attributes.first {
            let key = first["AttributeKey"]?.stringValue ?? ""
            guard attributeKeys.contains(key) else {
                throw AWSError("InvalidLookupAttributesException", status: 400, "The attribute key \(key) is not valid.")
            }
            attribute = (key, first["AttributeValue"]?.stringValue ?? "")
        }
        let now = Date().timeIntervalSince1970
        let start = context.input["StartTime"]?.doubleValue ?? now - 90 * 24 * 3600
        let end = context.input["EndTime"]?.doubleValue ?? now + 1
        guard start <= end else {
            throw AWSError("InvalidTimeRangeException", status: 400, "Start time must be before end time.")
        }
        let limit = context.input["MaxResults"]?.intValue ?? 50
        guard (1...50).contains(limit) else {
            throw AWSError("InvalidMaxResultsException", status: 400, "MaxResults must be between 1 and 50.")
        }
        var offset = 0
        if let token = context.input["NextToken"]?.stringValue {
            guard let decoded = Data(base64Encoded: token).flatMap({ Int(String(decoding: $0, as: UTF8.self)) }), decoded >= 0 else {
                throw AWSError("InvalidNextTokenException", status: 400, "Invalid NextToken.")
            }
            offset = decoded
        }
        // One more than a page tells whether there is a next one.
        let found = try await trail.auditEvents(
            account: context.caller.accountId, region: context.caller.region, from: start, to: end, attribute: attribute,
            limit: limit + 1, offset: offset)
        var answer: JSON = ["Events": .array(found.prefix(limit).map { event in
            [
                "EventId": .string(event.id), "EventName": .string(event.eventName), "ReadOnly": .string(event.readOnly ? "true" : "false"),
                "AccessKeyId": .string(event.accessKey), "EventTime": .number(event.time), "EventSource": .string(event.eventSource),
                "Username": .string(event.username),
                "Resources": .array(event.resourceNames.map { ["ResourceName": .string($0)] }),
                "CloudTrailEvent": .string(String(decoding: event.record.serialized(), as: UTF8.self)),
            ]
        })]
        if found.count > limit { answer["NextToken"] = .string(Data(String(offset + limit).utf8).base64EncodedString()) }
        return answer
    }
}

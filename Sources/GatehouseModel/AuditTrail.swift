import Foundation

/// One control-plane call as the audit trail keeps it: the fields CloudTrail looks events up by,
/// and the whole event (CloudTrail's record) as JSON.
public struct AuditEvent: Sendable, Equatable {
    public var id: String
    public var time: Double
    public var account: String
    public var region: String
    public var eventName: String
    public var eventSource: String
    public var accessKey: String
    public var username: String
    public var readOnly: Bool
    /// The names and ids of the resources the call named or made.
    public var resourceNames: [String]
    public var record: JSON

    public init(
        id: String, time: Double, account: String, region: String, eventName: String, eventSource: String, accessKey: String,
        username: String, readOnly: Bool, resourceNames: [String], record: JSON
    ) {
        self.id = id
        self.time = time
        self.account = account
        self.region = region
        self.eventName = eventName
        self.eventSource = eventSource
        self.accessKey = accessKey
        self.username = username
        self.readOnly = readOnly
        self.resourceNames = resourceNames
        self.record = record
    }
}

/// Where audit events are kept, durably, and looked up (newest first).
public protocol AuditTrail: Sendable {
    func append(_ events: [AuditEvent]) async throws
    /// Events of `account` in `region` with `from <= time < to`, matching `attribute` (CloudTrail's
    /// `LookupAttributes` key and value) when given, newest first, skipping `offset`.
    func auditEvents(
        account: String, region: String, from: Double, to: Double, attribute: (key: String, value: String)?, limit: Int, offset: Int
    ) async throws -> [AuditEvent]
}

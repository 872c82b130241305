import Foundation
import GatehouseModel
import Synchronization

/// The audit trail of control-plane calls: each call, as CloudTrail records it (who — the key,
/// the account, the role session —, when, from where, the operation, its parameters with
/// secrets hidden, the error if any), buffered and written to the store every `flush` (each
/// second: a crash loses at most the last second's events, as CloudTrail's delivery delay is minutes).
public final class AuditLog: Sendable {
    private let trail: any AuditTrail
    private let pending = Mutex<[AuditEvent]>([])

    public init(trail: any AuditTrail) {
        self.trail = trail
    }

    /// One call: `request` by `caller` (`session` when a role's), of `operation` of `model` with
    /// `input`, answered `output` or failed with `error`.
    func record(
        _ request: IncomingRequest, caller: Caller, session: String?, model: ServiceModel, operation: String, input: JSON, output: JSON?,
        error: AWSError?, requestID: String
    ) {
        let now = Date().timeIntervalSince1970
        let source = "\(model.metadata.endpointPrefix).amazonaws.com"
        let readOnly = ["Get", "List", "Describe", "Lookup", "Head", "Test"].contains { operation.hasPrefix($0) }
        let username = session.map { String($0.split(separator: "/").last ?? "") } ?? "root"
        let identity: JSON = session.map { arn in
            ["type": "AssumedRole", "arn": .string(arn), "accountId": .string(caller.accountId), "accessKeyId": .string(caller.accessKeyId),
             "principalId": .string(caller.accessKeyId + ":" + username)]
        } ?? ["type": "Root", "arn": .string("arn:aws:iam::\(caller.accountId):root"), "accountId": .string(caller.accountId),
              "accessKeyId": .string(caller.accessKeyId), "principalId": .string(caller.accountId)]
        let id = UUID().uuidString.lowercased()
        var record: JSON = [
            "eventVersion": "1.08", "userIdentity": identity, "eventTime": .string(Date(timeIntervalSince1970: now).utc("yyyy-MM-dd'T'HH:mm:ss'Z'")),
            "eventSource": .string(source), "eventName": .string(operation), "awsRegion": .string(caller.region),
            "sourceIPAddress": .string(request.remoteAddress ?? "127.0.0.1"), "userAgent": .string(request.header("User-Agent") ?? ""),
            "requestParameters": Self.hidingSecrets(input), "responseElements": .null, "requestID": .string(requestID), "eventID": .string(id),
            "readOnly": .bool(readOnly), "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": .string(caller.accountId),
            "eventCategory": "Management",
        ]
        if let error {
            record["errorCode"] = .string(error.code)
            record["errorMessage"] = .string(error.message)
        }
        let names = Self.resourceNames(input) + (output.map(Self.resourceNames) ?? [])
        let event = AuditEvent(
            id: id, time: now, account: caller.accountId, region: caller.region, eventName: operation, eventSource: source,
            accessKey: caller.accessKeyId, username: username, readOnly: readOnly, resourceNames: Array(Set(names)).sorted(), record: record)
        pending.withLock { $0.append(event) }
    }

    /// Writes what was recorded since the last flush.
    public func flush() async throws {
        let events = pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
        try await trail.append(events)
    }

    /// What CloudTrail shows in place of a secret.
    static let hidden: JSON = "HIDDEN_DUE_TO_SECURITY_REASONS"
    private static let secretMembers: Set<String> = [
        "secretaccesskey", "sessiontoken", "password", "zipfile", "environment", "value", "authorization", "privatekey", "certificatebody",
        "certificateprivatekey", "certificatechain", "clientsecret",
    ]

    static func hidingSecrets(_ value: JSON) -> JSON {
        switch value {
        case .object(let members):
            .object(Dictionary(uniqueKeysWithValues: members.map { name, member in
                (name, secretMembers.contains(name.lowercased()) ? hidden : hidingSecrets(member))
            }))
        case .array(let items): .array(items.map(hidingSecrets))
        default: value
        }
    }

    /// Names and ids a call's input or output gives its resources (the top level's).
    private static let nameMembers: Set<String> = [
        "name", "id", "restApiId", "ApiId", "FunctionName", "FunctionArn", "RoleName", "AlarmName", "logGroupName", "stageName", "StageName",
        "domainName", "DomainName", "usagePlanId", "keyId",
    ]

    static func resourceNames(_ value: JSON) -> [String] {
        (value.objectValue ?? [:]).compactMap { name, member in nameMembers.contains(name) ? member.stringValue : nil }
    }
}

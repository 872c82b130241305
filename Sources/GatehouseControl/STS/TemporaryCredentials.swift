import Foundation
import GatehouseModel
import Synchronization

/// The temporary credentials `AssumeRole` handed out, by access key id: they sign requests
/// like the configured ones until they expire. Kept in memory for the verifier and in the store
/// (so they survive a restart).
public final class TemporaryCredentials: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public var secret: String
        public var sessionToken: String
        /// Epoch seconds.
        public var expiration: Double
        public var account: String
        /// `arn:aws:sts::{account}:assumed-role/{role}/{session}`.
        public var arn: String
        /// `{role id}:{session}`.
        public var userId: String
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    public func add(_ entry: Entry, for accessKeyId: String) {
        entries.withLock { $0[accessKeyId] = entry }
    }

    public func entry(for accessKeyId: String) -> Entry? {
        entries.withLock { $0[accessKeyId] }
    }

    /// New credentials for a session of role `role` (its name) in `account`, valid for `seconds`.
    public func issue(role: String, account: String, roleID: String?, session: String, seconds: Double) -> (accessKeyId: String, entry: Entry) {
        let accessKeyId = "ASIA" + IAM.identifier(16)
        let entry = Entry(
            secret: RequestID.base64(count: 30), sessionToken: "FwoGZXIvYXdzE" + RequestID.base64(count: 96),
            expiration: (Date().timeIntervalSince1970 + seconds).rounded(.down), account: account,
            arn: "arn:aws:sts::\(account):assumed-role/\(role)/\(session)", userId: "\(roleID ?? "AROA" + IAM.identifier(17)):\(session)")
        add(entry, for: accessKeyId)
        return (accessKeyId, entry)
    }

    /// A function worker's credentials: a session of its execution role named after the function,
    /// for 12 hours (AWS's workers refresh theirs; Gatehouse's retire long before).
    public func forWorker(role arn: String, function: String, defaultAccount: String) -> (accessKeyId: String, entry: Entry) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        let account = parts.count > 4 && !parts[4].isEmpty ? String(parts[4]) : defaultAccount
        let role = arn.split(separator: "/").last.map(String.init) ?? "lambda"
        return issue(role: role, account: account, roleID: nil, session: function, seconds: 12 * 3600)
    }
}

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
}

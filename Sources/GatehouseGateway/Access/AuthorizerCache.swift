import Foundation
import GatehouseModel
import Synchronization

/// Lambda authorizer results by stage, authorizer and identity, kept for the authorizer's TTL.
/// A cached policy is evaluated again for each request's method ARN, as on AWS.
public final class AuthorizerCache: Sendable {
    /// What an authorizer function answered, ready to evaluate. A class: requests answered from
    /// the cache pass it along by reference.
    final class Entry: Sendable {
        let policy: IAMPolicy
        /// The policy document as the function wrote it (TestInvokeAuthorizer shows it).
        let policyText: String
        let result: AuthorizerResult
        let expires: Date

        init(policy: IAMPolicy, policyText: String, result: AuthorizerResult, expires: Date) {
            self.policy = policy
            self.policyText = policyText
            self.result = result
            self.expires = expires
        }
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    func entry(_ key: String, now: Date = Date()) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.expires > now { return entry }
            entries[key] = nil
            return nil
        }
    }

    func store(_ entry: Entry, for key: String) {
        entries.withLock { $0[key] = entry }
    }

    /// `FlushStageAuthorizersCache`: forgets every result of the stage.
    public func flush(api: String, stage: String) {
        let prefix = Self.stagePrefix(api: api, stage: stage)
        entries.withLock { entries in entries = entries.filter { !$0.key.hasPrefix(prefix) } }
    }

    static func stagePrefix(api: String, stage: String) -> String { "\(api)/\(stage)|" }
}

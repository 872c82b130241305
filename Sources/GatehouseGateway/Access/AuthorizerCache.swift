import Foundation
import Synchronization

/// Lambda authorizer results by stage, authorizer and identity, kept for the authorizer's TTL.
/// A cached policy is evaluated again for each request's method ARN, as on AWS.
public final class AuthorizerCache: Sendable {
    /// What an authorizer function answered, ready to evaluate.
    struct Entry: Sendable {
        var policy: IAMPolicy
        /// The policy document as the function wrote it (TestInvokeAuthorizer shows it).
        var policyText: String
        var result: AuthorizerResult
        var expires: Date
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

import GatehouseModel

/// The configuration store: JSON documents plus a revision that every committed change of
/// configuration bumps.
///
/// Writes run in `write`, one at a time, and are durable before it returns. Reads outside a
/// transaction see only committed state. Each committed change of configuration is announced,
/// in revision order, to the observer before `write` returns: a deployment is live before the
/// API answers that it was made.
public protocol Store: DocumentReader {
    /// Runs `body` in one transaction; commits if it returns, rolls back if it throws. A change
    /// of `configuration` bumps the revision and is announced; records (log groups and streams)
    /// are not configuration.
    func write<T: Sendable>(configuration: Bool, _ body: @Sendable (StoreTransaction) async throws -> T) async throws -> T
    /// The number of committed changes of configuration so far.
    func revision() async throws -> Int64
    /// Where committed changes of configuration are announced (one observer, set at start).
    func observeChanges(_ observer: @escaping @Sendable (StoreChange) async -> Void)
    func close() async throws
}

extension Store {
    /// A change of configuration.
    public func write<T: Sendable>(_ body: @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        try await write(configuration: true, body)
    }
}

/// The view of the store inside `Store.write`: reads see the transaction's own writes.
public protocol StoreTransaction: DocumentReader {
    func put(_ key: DocumentKey, _ document: JSON) async throws
    func delete(_ key: DocumentKey) async throws
    /// Deletes every document owned by `parent`, whatever its kind.
    func deleteOwned(by parent: String) async throws
}

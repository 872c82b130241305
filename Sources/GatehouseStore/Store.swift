import GatehouseModel

/// Where a document lives: its kind (`restapi`, `resource`, `stage`…), the id of what owns it
/// (an API id, or a region for top-level resources) and its own id.
public struct DocumentKey: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var parent: String
    public var id: String

    public init(kind: String, parent: String, id: String) {
        self.kind = kind
        self.parent = parent
        self.id = id
    }

    public var description: String { "\(kind):\(parent)/\(id)" }
}

/// Reads within a transaction or outside one.
public protocol DocumentReader: Sendable {
    /// The document under `key`, or nil.
    func document(_ key: DocumentKey) async throws -> JSON?
    /// Every document of `kind` owned by `parent`, oldest first.
    func documents(kind: String, parent: String) async throws -> [JSON]
    /// The distinct owners of documents of `kind` (the regions that have REST APIs, say).
    func parents(ofKind kind: String) async throws -> [String]
}

/// The configuration store: JSON documents plus a revision that every committed write bumps.
///
/// Writes run in `write`, one at a time, and are durable before it returns. Reads outside a
/// transaction see only committed state.
public protocol Store: DocumentReader {
    /// Runs `body` in one transaction; commits (bumping the revision) if it returns, rolls back if it throws.
    func write<T: Sendable>(_ body: @Sendable (StoreTransaction) async throws -> T) async throws -> T
    /// The number of committed write transactions so far.
    func revision() async throws -> Int64
    func close() async throws
}

/// The view of the store inside `Store.write`: reads see the transaction's own writes.
public protocol StoreTransaction: DocumentReader {
    func put(_ key: DocumentKey, _ document: JSON) async throws
    func delete(_ key: DocumentKey) async throws
    /// Deletes every document owned by `parent`, whatever its kind.
    func deleteOwned(by parent: String) async throws
}

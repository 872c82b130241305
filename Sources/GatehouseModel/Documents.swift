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

/// Reads of the store, within a transaction or outside one.
public protocol DocumentReader: Sendable {
    /// The document under `key`, or nil.
    func document(_ key: DocumentKey) async throws -> JSON?
    /// Every document of `kind` owned by `parent`, oldest first.
    func documents(kind: String, parent: String) async throws -> [JSON]
    /// The distinct owners of documents of `kind` (the regions that have REST APIs, say).
    func parents(ofKind kind: String) async throws -> [String]
    /// The documents of `kind` owned by `parent` whose top-level string members have these
    /// values (`["parentId": id]`: a resource's children), oldest first. Member names are
    /// letters and digits.
    func documents(kind: String, parent: String, where members: [String: String]) async throws -> [JSON]
}

extension DocumentReader {
    public func documents(kind: String, parent: String, where members: [String: String]) async throws -> [JSON] {
        try await documents(kind: kind, parent: parent).filter { document in
            members.allSatisfy { document[$0.key]?.stringValue == $0.value }
        }
    }
}

/// What one committed write changed: a document put or deleted, or all a parent owned deleted.
public enum DocumentChange: Sendable, Hashable {
    case document(DocumentKey)
    case allOwned(by: String)
}

/// A committed change of configuration, as the store announces it.
public struct StoreChange: Sendable {
    /// The store's revision after the change.
    public var revision: Int64
    public var changes: [DocumentChange]

    public init(revision: Int64, changes: [DocumentChange]) {
        self.revision = revision
        self.changes = changes
    }
}

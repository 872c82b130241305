import Foundation
import GatehouseModel
import Logging
import SQLKit
import Synchronization

/// The `Store` over any SQLKit database. Backends differ only in how they open connections and
/// begin a transaction; the queries are shared.
public final class SQLStore: Store {
    let reader: any SQLDatabase
    private let writer: any SQLDatabase
    private let beginStatement: String
    private let gate = AsyncGate()
    private let onClose: @Sendable () async throws -> Void
    private let observer = Mutex<Observer?>(nil)

    /// The observer of committed changes. A closure kept in a `Mutex` directly would be
    /// re-wrapped in a reabstraction thunk on every `withLock` (each write slower than the last);
    /// inside a struct it is not.
    private struct Observer {
        let notify: @Sendable (StoreChange) async -> Void
    }

    init(
        reader: any SQLDatabase, writer: any SQLDatabase, beginStatement: String,
        onClose: @escaping @Sendable () async throws -> Void
    ) {
        self.reader = reader
        self.writer = writer
        self.beginStatement = beginStatement
        self.onClose = onClose
    }

    /// Brings the schema up to date.
    func migrate(logger: Logger) async throws {
        try await writer.raw(
            "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
        ).run()
        let applied = try await writer.raw("SELECT version FROM migrations").all()
            .map { try $0.decode(column: "version", as: Int.self) }
        for migration in migrations where !applied.contains(migration.version) {
            try await transaction { db in
                for statement in migration.statements {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw(
                    "INSERT INTO migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().timeIntervalSince1970))"
                ).run()
            }
            logger.debug("applied store migration \(migration.version): \(migration.name)")
        }
    }

    public func document(_ key: DocumentKey) async throws -> JSON? {
        try await SQLDocuments(db: reader).document(key)
    }

    public func documents(kind: String, parent: String) async throws -> [JSON] {
        try await SQLDocuments(db: reader).documents(kind: kind, parent: parent)
    }

    public func parents(ofKind kind: String) async throws -> [String] {
        try await SQLDocuments(db: reader).parents(ofKind: kind)
    }

    public func documents(kind: String, parent: String, where members: [String: String]) async throws -> [JSON] {
        try await SQLDocuments(db: reader).documents(kind: kind, parent: parent, where: members)
    }

    public func revision() async throws -> Int64 {
        try await SQLDocuments(db: reader).revision()
    }

    public func write<T: Sendable>(configuration: Bool, _ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        let observer = observer.withLock { $0 }
        let recorder = ChangeRecorder()
        return try await transaction { db in
            // The revision moves first: its new value is the sequence of what the write creates,
            // and what the change is announced with — no statement to read it again.
            if configuration {
                let row = try await db.raw("UPDATE revision SET value = value + 1 WHERE id = 1 RETURNING value").first()
                recorder.revision.withLock { $0 = try? row?.decode(column: "value", as: Int64.self) }
            }
            return try await body(SQLDocuments(db: db, recorder: recorder))
        } afterCommit: { db in
            // Still inside the gate: changes are announced in revision order.
            guard configuration, let observer else { return }
            let revision = recorder.revision.withLock { $0 } ?? 0
            await observer.notify(StoreChange(revision: revision, changes: recorder.changes.withLock { $0 }))
        }
    }

    /// Forgets everything: configuration, logs, usage counts and queued events (the test
    /// isolation endpoint). The revision still moves forward.
    public func reset() async throws {
        _ = try await write(configuration: true) { tx in
            guard let documents = tx as? SQLDocuments else { return }
            for table in ["documents", "log_events", "usage_counts", "queued_events", "audit_events"] {
                try await documents.db.raw(SQLQueryString("DELETE FROM \(table)")).run()
            }
        }
    }

    public func observeChanges(_ observer: @escaping @Sendable (StoreChange) async -> Void) {
        self.observer.withLock { $0 = Observer(notify: observer) }
    }

    public func close() async throws {
        try await onClose()
    }

    /// A transaction on the writer, one at a time; `afterCommit` runs once it is committed,
    /// before the next transaction begins.
    func transaction<T: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> T, afterCommit: @Sendable (any SQLDatabase) async -> Void = { _ in }
    ) async throws -> T {
        let writer = self.writer
        let begin = self.beginStatement
        return try await gate.withGate {
            try await writer.raw(SQLQueryString(begin)).run()
            let result: T
            do {
                result = try await body(writer)
                try await writer.raw("COMMIT").run()
            } catch {
                try? await writer.raw("ROLLBACK").run()
                throw error
            }
            await afterCommit(writer)
            return result
        }
    }
}

/// The document queries, run on whichever connection a caller holds. Inside a transaction it
/// records what the transaction changes.
struct SQLDocuments: StoreTransaction {
    let db: any SQLDatabase
    private let recorded: ChangeRecorder

    init(db: any SQLDatabase, recorder: ChangeRecorder = ChangeRecorder()) {
        self.db = db
        recorded = recorder
    }

    func document(_ key: DocumentKey) async throws -> JSON? {
        let row = try await db.select().column("body").from("documents")
            .where("kind", .equal, key.kind).where("parent", .equal, key.parent).where("id", .equal, key.id)
            .first()
        return try row.map(Self.body(of:))
    }

    func documents(kind: String, parent: String) async throws -> [JSON] {
        try await db.select().column("body").from("documents")
            .where("kind", .equal, kind).where("parent", .equal, parent)
            .orderBy("seq").orderBy("id")
            .all()
            .map(Self.body(of:))
    }

    /// Through the `documents_by_parent_member` index for `parentId` and `pathPart`.
    func documents(kind: String, parent: String, where members: [String: String]) async throws -> [JSON] {
        var query = db.select().column("body").from("documents").where("kind", .equal, kind).where("parent", .equal, parent)
        for (member, value) in members.sorted(by: { $0.key < $1.key }) {
            precondition(member.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, "not a member name: \(member)")
            query = query.where(SQLRaw("json_extract(body, '$.\(member)')"), .equal, SQLBind(value))
        }
        return try await query.orderBy("seq").orderBy("id").all().map(Self.body(of:))
    }

    private static func body(of row: any SQLRow) throws -> JSON {
        try JSON(parsing: Data(try row.decode(column: "body", as: String.self).utf8))
    }

    func parents(ofKind kind: String) async throws -> [String] {
        try await db.select().distinct().column("parent").from("documents").where("kind", .equal, kind).orderBy("parent")
            .all().map { try $0.decode(column: "parent", as: String.self) }
    }

    func revision() async throws -> Int64 {
        guard let row = try await db.raw("SELECT value FROM revision WHERE id = 1").first() else { return 0 }
        return try row.decode(column: "value", as: Int64.self)
    }

    func put(_ key: DocumentKey, _ document: JSON) async throws {
        let body = document.serializedString
        // A document keeps its creation sequence when rewritten, so lists stay in creation order.
        let seq: Int64
        if let known = recorded.revision.withLock({ $0 }) { seq = known } else { seq = try await revision() }
        try await db.insert(into: "documents")
            .columns("kind", "parent", "id", "seq", "body")
            .values(SQLBind(key.kind), SQLBind(key.parent), SQLBind(key.id), SQLBind(seq), SQLBind(body))
            .onConflict(with: ["kind", "parent", "id"]) { $0.set(excludedValueOf: "body") }
            .run()
        recorded.add(.document(key))
    }

    func delete(_ key: DocumentKey) async throws {
        try await db.delete(from: "documents")
            .where("kind", .equal, key.kind).where("parent", .equal, key.parent).where("id", .equal, key.id)
            .run()
        recorded.add(.document(key))
    }

    func deleteOwned(by parent: String) async throws {
        try await db.delete(from: "documents").where("parent", .equal, parent).run()
        recorded.add(.allOwned(by: parent))
    }
}

/// The changes of one transaction, in order, each once, and the revision it makes.
final class ChangeRecorder: Sendable {
    let changes = Mutex<[DocumentChange]>([])
    let revision = Mutex<Int64?>(nil)

    func add(_ change: DocumentChange) {
        changes.withLock { if !$0.contains(change) { $0.append(change) } }
    }
}

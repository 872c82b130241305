import Foundation
import GatehouseModel
import Logging
import SQLKit

/// The `Store` over any SQLKit database. Backends differ only in how they open connections and
/// begin a transaction; the queries are shared.
public final class SQLStore: Store {
    let reader: any SQLDatabase
    private let writer: any SQLDatabase
    private let beginStatement: String
    private let gate = AsyncGate()
    private let onClose: @Sendable () async throws -> Void

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

    public func revision() async throws -> Int64 {
        try await SQLDocuments(db: reader).revision()
    }

    public func write<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await transaction { db in
            let documents = SQLDocuments(db: db)
            let result = try await body(documents)
            try await db.raw("UPDATE revision SET value = value + 1 WHERE id = 1").run()
            return result
        }
    }

    public func close() async throws {
        try await onClose()
    }

    /// A transaction that does not count as a configuration change (no revision bump).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let writer = self.writer
        let begin = self.beginStatement
        return try await gate.withGate {
            try await writer.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(writer)
                try await writer.raw("COMMIT").run()
                return result
            } catch {
                try? await writer.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

/// The document queries, run on whichever connection a caller holds.
struct SQLDocuments: StoreTransaction {
    let db: any SQLDatabase

    func document(_ key: DocumentKey) async throws -> JSON? {
        let row = try await db.select().column("body").from("documents")
            .where("kind", .equal, key.kind).where("parent", .equal, key.parent).where("id", .equal, key.id)
            .first()
        return try row.map { try JSON(parsing: Data(try $0.decode(column: "body", as: String.self).utf8)) }
    }

    func documents(kind: String, parent: String) async throws -> [JSON] {
        try await db.select().column("body").from("documents")
            .where("kind", .equal, kind).where("parent", .equal, parent)
            .orderBy("seq").orderBy("id")
            .all()
            .map { try JSON(parsing: Data(try $0.decode(column: "body", as: String.self).utf8)) }
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
        let seq = try await revision()
        try await db.insert(into: "documents")
            .columns("kind", "parent", "id", "seq", "body")
            .values(SQLBind(key.kind), SQLBind(key.parent), SQLBind(key.id), SQLBind(seq), SQLBind(body))
            .onConflict(with: ["kind", "parent", "id"]) { $0.set(excludedValueOf: "body") }
            .run()
    }

    func delete(_ key: DocumentKey) async throws {
        try await db.delete(from: "documents")
            .where("kind", .equal, key.kind).where("parent", .equal, key.parent).where("id", .equal, key.id)
            .run()
    }

    func deleteOwned(by parent: String) async throws {
        try await db.delete(from: "documents").where("parent", .equal, parent).run()
    }
}

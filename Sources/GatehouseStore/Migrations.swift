/// One schema change, applied once, in version order, inside a transaction.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}

/// The schema's history. Append new migrations; never edit an applied one.
/// The SQL is plain enough to run on both SQLite and PostgreSQL.
let migrations: [Migration] = [
    Migration(
        version: 1,
        name: "documents and revision",
        statements: [
            """
            CREATE TABLE documents (
                kind TEXT NOT NULL, parent TEXT NOT NULL, id TEXT NOT NULL,
                seq BIGINT NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY (kind, parent, id))
            """,
            "CREATE INDEX documents_by_parent ON documents (parent)",
            "CREATE TABLE revision (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
            "INSERT INTO revision (id, value) VALUES (1, 0)",
        ]
    )
]

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
    ),
    Migration(
        version: 2,
        name: "log events",
        statements: [
            """
            CREATE TABLE log_events (
                seq BIGINT NOT NULL, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
                timestamp BIGINT NOT NULL, ingestion_time BIGINT NOT NULL, message TEXT NOT NULL,
                PRIMARY KEY (log_group, seq))
            """,
            "CREATE INDEX log_events_by_stream ON log_events (log_group, log_stream, seq)",
        ]
    ),
    Migration(
        version: 3,
        name: "usage counts",
        statements: [
            """
            CREATE TABLE usage_counts (
                usage_plan TEXT NOT NULL, api_key TEXT NOT NULL, kind TEXT NOT NULL, day BIGINT NOT NULL, count BIGINT NOT NULL,
                PRIMARY KEY (usage_plan, api_key, kind, day))
            """
        ]
    ),
    Migration(
        version: 4,
        name: "queued events",
        statements: [
            "CREATE TABLE queued_events (id TEXT PRIMARY KEY, due_at DOUBLE PRECISION NOT NULL, body TEXT NOT NULL)",
            "CREATE INDEX queued_events_by_due ON queued_events (due_at)",
        ]
    ),
    Migration(
        version: 5,
        name: "documents by their parentId and pathPart members",
        statements: [
            // A resource's siblings, and one by name, in one lookup however many resources its
            // API has. SQLite's JSON; PostgreSQL's equivalent is `((body::jsonb ->> 'parentId'))`.
            """
            CREATE INDEX documents_by_parent_member ON documents
                (kind, parent, json_extract(body, '$.parentId'), json_extract(body, '$.pathPart'))
            """
        ]
    ),
    Migration(
        version: 6,
        name: "audit events",
        statements: [
            """
            CREATE TABLE audit_events (
                id TEXT PRIMARY KEY, event_time DOUBLE PRECISION NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
                event_name TEXT NOT NULL, event_source TEXT NOT NULL, access_key TEXT NOT NULL, username TEXT NOT NULL,
                read_only TEXT NOT NULL, resource_names TEXT NOT NULL, body TEXT NOT NULL)
            """,
            "CREATE INDEX audit_events_by_time ON audit_events (account, region, event_time)",
        ]
    ),
]

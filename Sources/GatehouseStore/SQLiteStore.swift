import Foundation
import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO

extension SQLStore {
    /// Opens (creating if needed) the SQLite store `gatehouse.sqlite` in `directory` and migrates it.
    ///
    /// WAL journaling with `synchronous=FULL`: a commit is on disk before `write` returns, and
    /// readers on the second connection never wait for the writer.
    public static func sqlite(directory: String, logger: Logger) async throws -> SQLStore {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("gatehouse.sqlite")
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for connection in [writer, reader] {
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"] {
                _ = try await connection.query(pragma)
            }
        }
        let store = SQLStore(
            reader: reader.sql(), writer: writer.sql(), beginStatement: "BEGIN IMMEDIATE",
            onClose: {
                try await reader.close()
                try await writer.close()
            })
        try await store.migrate(logger: logger)
        return store
    }
}

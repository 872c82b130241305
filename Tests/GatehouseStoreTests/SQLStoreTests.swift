import Foundation
import GatehouseModel
import Logging
import Testing

@testable import GatehouseStore

/// The SQLite store: durable documents, a revision per committed write, nothing from a failed one.
@Suite struct SQLStoreTests {
    let directory = NSTemporaryDirectory() + "gatehouse-store-\(UUID().uuidString)"

    func open() async throws -> SQLStore {
        try await SQLStore.sqlite(directory: directory, logger: Logger(label: "test"))
    }

    struct Boom: Error {}

    @Test func testWritesAreReadableAndBumpTheRevision() async throws {
        let store = try await open()
        #expect(try await store.revision() == 0)
        let key = DocumentKey(kind: "restapi", parent: "us-east-1", id: "a")
        try await store.write { tx in try await tx.put(key, ["id": "a", "name": "demo"]) }
        #expect(try await store.document(key) == ["id": "a", "name": "demo"])
        #expect(try await store.revision() == 1)
        try await store.close()
    }

    @Test func testUsageCountsAreUpsertedWithoutBumpingTheRevision() async throws {
        let store = try await open()
        try await store.saveUsageCounts([
            UsageCount(plan: "p", key: "k", kind: "day", day: 10, count: 1),
            UsageCount(plan: "p", key: "k", kind: "period", day: 10, count: 1),
        ])
        try await store.saveUsageCounts([
            UsageCount(plan: "p", key: "k", kind: "day", day: 10, count: 5),
            UsageCount(plan: "p", key: "k", kind: "day", day: 11, count: 2),
            UsageCount(plan: "p", key: "k", kind: "period", day: 11, count: 2),
        ])
        let saved = try await store.usageCounts().sorted { ($0.kind, $0.day) < ($1.kind, $1.day) }
        #expect(saved.map { "\($0.kind) \($0.day) \($0.count)" } == ["day 10 5", "day 11 2", "period 11 2"])
        #expect(try await store.revision() == 0)
        try await store.close()
    }

    @Test func testAFailedTransactionWritesNothing() async throws {
        let store = try await open()
        let key = DocumentKey(kind: "restapi", parent: "us-east-1", id: "a")
        do {
            try await store.write { tx in
                try await tx.put(key, ["id": "a"])
                throw Boom()
            }
            Issue.record("expected the write to throw")
        } catch is Boom {}
        #expect(try await store.document(key) == nil)
        #expect(try await store.revision() == 0)
        try await store.close()
    }

    @Test func testListsKeepCreationOrderAcrossRewrites() async throws {
        let store = try await open()
        for id in ["c", "a", "b"] {
            try await store.write { tx in try await tx.put(DocumentKey(kind: "model", parent: "api", id: id), ["id": .string(id)]) }
        }
        try await store.write { tx in try await tx.put(DocumentKey(kind: "model", parent: "api", id: "c"), ["id": "c", "v": 2]) }
        let ids = try await store.documents(kind: "model", parent: "api").map { $0["id"]?.stringValue }
        #expect(ids == ["c", "a", "b"])
        try await store.close()
    }

    @Test func testDocumentsAreFoundByTheirMembersInCreationOrder() async throws {
        let store = try await open()
        let resources: [JSON] = [
            ["id": "r1", "parentId": "root", "pathPart": "pets"], ["id": "r2", "parentId": "r1", "pathPart": "pets"],
            ["id": "r3", "parentId": "root", "pathPart": "{id}"], ["id": "r4", "parentId": "root", "pathPart": "toys"],
        ]
        try await store.write { tx in
            for resource in resources { try await tx.put(DocumentKey(kind: "resource", parent: "api", id: resource["id"]!.stringValue!), resource) }
            try await tx.put(DocumentKey(kind: "resource", parent: "other", id: "r9"), ["id": "r9", "parentId": "root", "pathPart": "pets"])
        }
        let children = try await store.documents(kind: "resource", parent: "api", where: ["parentId": "root"]).map { $0["id"]?.stringValue }
        #expect(children == ["r1", "r3", "r4"])
        let named = try await store.write { tx in try await tx.documents(kind: "resource", parent: "api", where: ["parentId": "root", "pathPart": "pets"]) }
        #expect(named.map { $0["id"]?.stringValue } == ["r1"])
        #expect(try await store.documents(kind: "resource", parent: "api", where: ["parentId": "nowhere"]).isEmpty)
        try await store.close()
    }

    @Test func testDeleteOwnedRemovesEveryKindUnderAParent() async throws {
        let store = try await open()
        try await store.write { tx in
            try await tx.put(DocumentKey(kind: "resource", parent: "api", id: "r"), ["id": "r"])
            try await tx.put(DocumentKey(kind: "stage", parent: "api", id: "dev"), ["stageName": "dev"])
            try await tx.put(DocumentKey(kind: "stage", parent: "other", id: "dev"), ["stageName": "dev"])
            try await tx.deleteOwned(by: "api")
        }
        #expect(try await store.documents(kind: "stage", parent: "api") == [])
        #expect(try await store.documents(kind: "resource", parent: "api") == [])
        #expect(try await store.documents(kind: "stage", parent: "other").count == 1)
        try await store.close()
    }

    @Test func testReopeningKeepsEverythingAndDoesNotRemigrate() async throws {
        let key = DocumentKey(kind: "restapi", parent: "us-east-1", id: "a")
        let first = try await open()
        try await first.write { tx in try await tx.put(key, ["id": "a"]) }
        try await first.close()
        let second = try await open()
        #expect(try await second.document(key) == ["id": "a"])
        #expect(try await second.revision() == 1)
        try await second.close()
    }

    @Test func testConcurrentWritesAreSerialized() async throws {
        let store = try await open()
        let key = DocumentKey(kind: "counter", parent: "", id: "n")
        try await store.write { tx in try await tx.put(key, ["n": 0]) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await store.write { tx in
                        let current = try await tx.document(key)?["n"]?.intValue ?? 0
                        try await tx.put(key, ["n": .number(Double(current + 1))])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.document(key)?["n"] == 20)
        #expect(try await store.revision() == 21)
        try await store.close()
    }
}

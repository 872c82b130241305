import Foundation
import GatehouseModel
import Testing

@testable import GatehouseGateway

/// The stage cache's bookkeeping: TTLs, the byte budget with least-recently-used eviction, flushes.
@Suite struct StageCacheTests {
    func response(_ text: String) -> OutgoingResponse {
        OutgoingResponse(status: 200, body: Data(text.utf8))
    }

    func text(_ cache: StageCache, _ key: String) -> String? {
        cache.response(for: key).map { String(decoding: $0.body, as: UTF8.self) }
    }

    @Test func anEntryLivesForItsTTL() {
        let cache = StageCache(budget: 10_000)
        cache.store(response("a"), for: "k", seconds: 60)
        cache.store(response("b"), for: "gone", seconds: 0)
        #expect(text(cache, "k") == "a")
        #expect(text(cache, "gone") == nil)
        #expect(text(cache, "unknown") == nil)
    }

    @Test func theLeastRecentlyUsedEntryMakesRoomFirst() {
        // Each entry takes 64 bytes of overhead plus its key and body: three fit in 250.
        let cache = StageCache(budget: 250)
        for key in ["a", "b", "c"] { cache.store(response(key), for: key, seconds: 60) }
        #expect(text(cache, "a") == "a")  // "b" is now the least recently used
        cache.store(response("d"), for: "d", seconds: 60)
        #expect(text(cache, "b") == nil)
        #expect(["a", "c", "d"].map { text(cache, $0) } == ["a", "c", "d"])
        #expect(cache.bytes <= 250)
    }

    @Test func replacingAnEntryKeepsOneCopy() {
        let cache = StageCache(budget: 1_000)
        cache.store(response("old"), for: "k", seconds: 60)
        let before = cache.bytes
        cache.store(response("new"), for: "k", seconds: 60)
        #expect(text(cache, "k") == "new")
        #expect(cache.bytes == before)
    }

    @Test func responsesOverTheLimitOrTheBudgetAreNotKept() {
        let cache = StageCache(budget: 2 * StageCache.maxResponseBytes)
        cache.store(OutgoingResponse(status: 200, body: Data(count: StageCache.maxResponseBytes + 1)), for: "big", seconds: 60)
        #expect(cache.response(for: "big") == nil)
        let small = StageCache(budget: 100)
        small.store(response(String(repeating: "x", count: 100)), for: "k", seconds: 60)
        #expect(small.response(for: "k") == nil)
    }

    @Test func aFlushForgetsEveryEntryWithoutTakingTheLock() {
        let cache = StageCache(budget: 10_000)
        cache.store(response("a"), for: "a", seconds: 60)
        cache.flush()
        #expect(text(cache, "a") == nil)
        cache.store(response("b"), for: "a", seconds: 60)
        #expect(text(cache, "a") == "b")
    }

    @Test func aStageKeepsItsCacheUntilItsSizeChanges() {
        let caches = ResponseCaches(maxBytesPerStage: 1 << 20)
        let first = caches.cache(api: "api", stage: "dev", size: "0.5")
        #expect(caches.cache(api: "api", stage: "dev", size: "0.5") === first)
        #expect(first.budget == 1 << 20)
        #expect(caches.cache(api: "api", stage: "dev", size: "1.6") !== first)
        #expect(caches.flush(api: "api", stage: "dev"))
        caches.removeAll(api: "api")
        #expect(!caches.flush(api: "api", stage: "dev"))
    }
}

import Foundation
import GatehouseModel
import Synchronization

/// A stage's response cache (`cacheClusterEnabled`): method responses by cache key, each with its
/// time to live, within a byte budget, the least recently used evicted first.
///
/// Requests take its lock for a lookup or an insert only. `FlushStageCache` never does: it
/// bumps a generation number, and entries from an older generation count as absent.
public final class StageCache: Sendable {
    /// The most bytes the entries may take.
    public let budget: Int
    private let generation = Atomic<Int>(0)
    private let entries: Mutex<LeastRecentlyUsed>

    /// API Gateway's largest cached response.
    static let maxResponseBytes = 1_048_576

    public init(budget: Int) {
        self.budget = budget
        entries = Mutex(LeastRecentlyUsed())
    }

    /// The live response cached under `key`, if any.
    func response(for key: String) -> OutgoingResponse? {
        let generation = generation.load(ordering: .relaxed), now = DispatchTime.now().uptimeNanoseconds
        return entries.withLock { entries in
            guard let entry = entries.value(for: key) else { return nil }
            guard entry.generation == generation, entry.expires > now else {
                entries.remove(key)
                return nil
            }
            return entry.response
        }
    }

    /// Keeps `response` under `key` for `seconds`, unless it streams or is over 1 MB.
    func store(_ response: OutgoingResponse, for key: String, seconds: Int) {
        guard response.stream == nil, response.body.count <= Self.maxResponseBytes else { return }
        let bytes = key.utf8.count + response.body.count + response.headers.reduce(64) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        guard bytes <= budget else { return }
        let entry = Entry(
            response: response, expires: DispatchTime.now().uptimeNanoseconds + UInt64(seconds) * 1_000_000_000,
            generation: generation.load(ordering: .relaxed), bytes: bytes)
        entries.withLock { $0.insert(entry, for: key, budget: budget) }
    }

    /// Forgets every entry (`FlushStageCache`).
    public func flush() {
        generation.add(1, ordering: .relaxed)
    }

    /// Bytes the entries take now.
    public var bytes: Int { entries.withLock { $0.bytes } }

    struct Entry {
        var response: OutgoingResponse
        /// `DispatchTime` uptime nanoseconds.
        var expires: UInt64
        var generation: Int
        var bytes: Int
    }
}

/// Entries by key in a doubly linked list of slots, most recently used first.
struct LeastRecentlyUsed {
    private struct Slot {
        var key: String
        var entry: StageCache.Entry
        var previous: Int
        var next: Int
    }

    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var index: [String: Int] = [:]
    private var head = -1
    private var tail = -1
    private(set) var bytes = 0

    /// The entry under `key`, marked as the most recently used.
    mutating func value(for key: String) -> StageCache.Entry? {
        guard let slot = index[key] else { return nil }
        unlink(slot)
        linkFirst(slot)
        return slots[slot].entry
    }

    /// Puts `entry` first, evicting the least recently used until it fits in `budget`.
    mutating func insert(_ entry: StageCache.Entry, for key: String, budget: Int) {
        remove(key)
        while bytes + entry.bytes > budget, tail >= 0 { remove(slots[tail].key) }
        let slot = Slot(key: key, entry: entry, previous: -1, next: -1)
        let position: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            position = free
        } else {
            slots.append(slot)
            position = slots.count - 1
        }
        index[key] = position
        bytes += entry.bytes
        linkFirst(position)
    }

    mutating func remove(_ key: String) {
        guard let slot = index.removeValue(forKey: key) else { return }
        unlink(slot)
        bytes -= slots[slot].entry.bytes
        // Release the response's memory now; the slot is reused by a later insert.
        slots[slot].entry.response = OutgoingResponse(status: 0)
        freeSlots.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot].previous, next = slots[slot].next
        if previous >= 0 { slots[previous].next = next } else { head = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
    }

    private mutating func linkFirst(_ slot: Int) {
        slots[slot].previous = -1
        slots[slot].next = head
        if head >= 0 { slots[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}

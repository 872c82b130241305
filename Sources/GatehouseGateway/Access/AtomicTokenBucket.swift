import Foundation
import Synchronization

/// One token bucket updated with compare-and-swap, for the bucket every request takes from
/// (the account's): tokens as a `Float` and the time of the last update, in 100 µs ticks,
/// packed into one 64-bit atomic. Ticks wrap after about five days; a bucket idle that long
/// refills from the wrapped difference (possibly less than full) and is exact again after that.
final class AtomicTokenBucket: Sendable {
    private let state: Atomic<UInt64>
    private let started = DispatchTime.now().uptimeNanoseconds

    init(tokens: Double) {
        state = Atomic(Self.pack(tokens: Float(tokens), tick: 0))
    }

    /// Takes one token under `throttle`; false when the bucket is empty.
    func take(_ throttle: Throttle, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        let tick = UInt32(truncatingIfNeeded: (now &- started) / 100_000)
        var current = state.load(ordering: .relaxed)
        while true {
            let (tokens, last) = Self.unpack(current)
            let elapsed = Double(tick &- last) / 10_000
            let available = min(Double(throttle.burstLimit), Double(tokens) + elapsed * throttle.rateLimit)
            guard available >= 1 else { return false }
            let next = Self.pack(tokens: Float(available - 1), tick: tick)
            let (exchanged, original) = state.compareExchange(expected: current, desired: next, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
    }

    private static func pack(tokens: Float, tick: UInt32) -> UInt64 {
        UInt64(tokens.bitPattern) << 32 | UInt64(tick)
    }

    private static func unpack(_ value: UInt64) -> (Float, UInt32) {
        (Float(bitPattern: UInt32(value >> 32)), UInt32(truncatingIfNeeded: value))
    }
}

import Atomics

/// A snapshot stamped with the store revision it was built at.
public protocol Revisioned: AtomicReference, Sendable {
    var revision: Int64 { get }
}

/// An immutable snapshot the deployer replaces and the data plane reads: published with one
/// atomic swap, never an older revision over a newer one; read with one atomic load that never
/// waits for a writer.
public final class Published<Snapshot: Revisioned>: Sendable where Snapshot._AtomicBase == Snapshot {
    private let value: ManagedAtomic<Snapshot>

    public init(_ initial: Snapshot) {
        value = ManagedAtomic(initial)
    }

    public var current: Snapshot { value.load(ordering: .acquiring) }

    public func publish(_ snapshot: Snapshot) {
        var expected = value.load(ordering: .acquiring)
        while expected.revision <= snapshot.revision {
            let (exchanged, found) = value.compareExchange(expected: expected, desired: snapshot, ordering: .acquiringAndReleasing)
            if exchanged { return }
            expected = found
        }
    }
}

import Atomics
import Dispatch
import GatehouseModel

/// The named sets of `host:port` upstreams VPC links resolve to (the configuration's
/// `upstreams`; a set's name is the load balancer's name in a link's target ARN). Requests go
/// round-robin; an upstream that refuses a connection is skipped for `downtime`, unless every
/// member is down (passive health checks, as nginx's `max_fails`/`fail_timeout`).
public final class UpstreamSets: Sendable {
    final class Members: Sendable {
        let addresses: [String]
        let next = ManagedAtomic<Int>(0)
        /// Per member: the uptime nanosecond until which it is skipped.
        let downUntil: [ManagedAtomic<UInt64>]

        init(_ addresses: [String]) {
            self.addresses = addresses
            downUntil = addresses.map { _ in ManagedAtomic<UInt64>(0) }
        }
    }

    private let sets: [String: Members]
    let downtime: Duration

    public init(_ sets: [String: [String]] = [:], downtime: Duration = .seconds(10)) {
        self.sets = sets.filter { !$0.value.isEmpty }.mapValues(Members.init)
        self.downtime = downtime
    }

    /// Whether a set of this name is configured.
    public func contains(_ name: String) -> Bool { sets[name] != nil }

    /// The set's members in the order to try them for one request: round-robin from the next,
    /// members marked down last. Nil when no such set is configured.
    func candidates(in name: String) -> [String]? {
        guard let members = sets[name] else { return nil }
        let count = members.addresses.count
        let start = members.next.loadThenWrappingIncrement(ordering: .relaxed) % count
        let now = DispatchTime.now().uptimeNanoseconds
        var up: [String] = [], down: [String] = []
        for offset in 0..<count {
            let index = (start + offset) % count
            if members.downUntil[index].load(ordering: .relaxed) > now { down.append(members.addresses[index]) } else { up.append(members.addresses[index]) }
        }
        return up + down
    }

    /// Skips `address` of set `name` for the downtime.
    func markDown(_ address: String, in name: String) {
        guard let members = sets[name], let index = members.addresses.firstIndex(of: address) else { return }
        let (seconds, attoseconds) = downtime.components
        let nanoseconds = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        members.downUntil[index].store(DispatchTime.now().uptimeNanoseconds + nanoseconds, ordering: .relaxed)
    }

    /// `NAME=host:port|host:port;NAME2=host:port` (`GATEHOUSE_UPSTREAMS`).
    public static func parse(_ text: String) -> [String: [String]] {
        var sets: [String: [String]] = [:]
        for entry in text.split(separator: ";") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { continue }
            sets[parts[0]] = parts[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return sets
    }
}

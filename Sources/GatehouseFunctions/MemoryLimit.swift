import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Holds each worker to its function's `MemorySize`, the way this machine allows:
///
/// - a memory cgroup of the worker's own, below the server's (cgroup v2 `memory.max`, or v1
///   `memory.limit_in_bytes` with swap capped too): past the limit the kernel kills the worker,
///   as Lambda's sandbox does, and the cgroup records the kill and the peak;
/// - otherwise the data-segment rlimit (`RLIMIT_DATA`, set by `ulimit -d` before the worker
///   execs): allocations past it fail inside the handler (Python raises `MemoryError`), and the
///   peak comes from `/proc/{pid}/status`.
public struct MemoryLimit: Sendable {
    public enum Mechanism: Sendable, Equatable {
        case cgroupV2(directory: String)
        case cgroupV1(directory: String)
        case rlimit
    }

    public let mechanism: Mechanism

    public init(mechanism: Mechanism) {
        self.mechanism = mechanism
    }

    /// What works here: a cgroup directory the server may create workers' cgroups in, else rlimit.
    public static func detect() -> MemoryLimit {
        let fileManager = FileManager.default
        let membership = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            let candidate: (root: String, mechanism: (String) -> Mechanism, limitFile: String)?
            if fields[0] == "0", fields[1].isEmpty, fileManager.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") {
                candidate = ("/sys/fs/cgroup" + fields[2], { .cgroupV2(directory: $0) }, "memory.max")
            } else if fields[1].split(separator: ",").contains("memory") {
                candidate = ("/sys/fs/cgroup/memory" + fields[2], { .cgroupV1(directory: $0) }, "memory.limit_in_bytes")
            } else {
                candidate = nil
            }
            guard let candidate else { continue }
            // Gatehouse's own cgroup for its workers; usable if a child made in it gets a limit file.
            let directory = (candidate.root as NSString).appendingPathComponent("gatehouse-\(getpid())")
            let probe = (directory as NSString).appendingPathComponent("probe")
            defer { rmdir(probe) }
            guard (try? fileManager.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil,
                fileManager.isWritableFile(atPath: (probe as NSString).appendingPathComponent(candidate.limitFile))
            else { continue }
            return MemoryLimit(mechanism: candidate.mechanism(directory))
        }
        return MemoryLimit(mechanism: .rlimit)
    }

    /// A sentence for the server's start-up log.
    public var summary: String {
        switch mechanism {
        case .cgroupV2(let directory): "memory limits: cgroup v2 under \(directory)"
        case .cgroupV1(let directory): "memory limits: cgroup v1 under \(directory)"
        case .rlimit: "memory limits: RLIMIT_DATA (no writable memory cgroup here)"
        }
    }

    /// Confines the running process `pid` to `megabytes`; the returned cage reports on it.
    func confine(pid: Int32, megabytes: Int, name: String) -> MemoryCage {
        let bytes = String(megabytes * 1024 * 1024)
        switch mechanism {
        case .cgroupV2(let root), .cgroupV1(let root):
            let directory = (root as NSString).appendingPathComponent(name)
            let isV2 = if case .cgroupV2 = mechanism { true } else { false }
            let files = isV2 ? ["memory.max", "memory.swap.max"] : ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Self.write(bytes, to: directory, files[0])
                // Swap may be capped or absent; the memory limit holds either way.
                try? Self.write(isV2 ? "0" : bytes, to: directory, files[1])
                try Self.write(String(pid), to: directory, "cgroup.procs")
                return MemoryCage(pid: pid, cgroup: directory, isV2: isV2)
            } catch {
                rmdir(directory)
                return MemoryCage(pid: pid, cgroup: nil, isV2: false)
            }
        case .rlimit:
            // Set before exec, by the worker's launch (`WorkerProcess.Launch.dataLimitMB`).
            return MemoryCage(pid: pid, cgroup: nil, isV2: false)
        }
    }

    /// Removes the server's cgroup directory (its workers' are gone by then).
    public func removeDirectory() {
        switch mechanism {
        case .cgroupV2(let directory), .cgroupV1(let directory): rmdir(directory)
        case .rlimit: break
        }
    }

    private static func write(_ text: String, to directory: String, _ file: String) throws {
        try text.write(toFile: (directory as NSString).appendingPathComponent(file), atomically: false, encoding: .utf8)
    }
}

/// One worker's memory: its peak so far and whether the kernel killed it for going over.
struct MemoryCage: Sendable {
    let pid: Int32
    /// The worker's own cgroup directory, when it has one.
    let cgroup: String?
    let isV2: Bool

    /// The most memory the worker has used, in MB (at least 1 once it ran).
    func peakMegabytes() -> Int {
        if let cgroup, let bytes = Self.number(in: cgroup, isV2 ? "memory.peak" : "memory.max_usage_in_bytes") {
            return max(1, bytes / (1024 * 1024))
        }
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return max(1, kilobytes / 1024)
    }

    /// Whether the kernel's out-of-memory killer ended a process of this cage.
    func wasKilledForMemory() -> Bool {
        guard let cgroup else { return false }
        let file = isV2 ? "memory.events" : "memory.oom_control"
        guard let text = try? String(contentsOfFile: (cgroup as NSString).appendingPathComponent(file), encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == "oom_kill" && (Int(parts[1]) ?? 0) > 0
        }
    }

    /// Removes the cgroup once its process is gone.
    func remove() {
        guard let cgroup else { return }
        rmdir(cgroup)
    }

    private static func number(in directory: String, _ file: String) -> Int? {
        (try? String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

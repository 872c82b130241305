import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Holds each worker to its function's `MemorySize` and to Lambda's 1,024 processes and threads,
/// the way this machine allows:
///
/// - a memory cgroup of the worker's own, below the server's (cgroup v2 `memory.max`, or v1
///   `memory.limit_in_bytes` with swap capped too): past the limit the kernel kills the worker,
///   as Lambda's sandbox does, and the cgroup records the kill and the peak;
/// - otherwise the data-segment rlimit (`RLIMIT_DATA`): allocations past it fail inside the
///   handler (Python raises `MemoryError`);
/// - processes: `pids.max` in the same cgroup (v2) or in the v1 `pids` hierarchy; without a
///   pids controller, no process limit.
///
/// Either way the worker is started by `/bin/sh`, which enters the cage and then execs it.
public struct WorkerLimits: Sendable {
    public enum Mechanism: Sendable, Equatable {
        case cgroupV2(directory: String)
        case cgroupV1(directory: String)
        case rlimit
    }

    public let mechanism: Mechanism
    /// The server's directory in a v1 `pids` hierarchy, when memory is not limited by cgroup v2.
    let processDirectory: String?

    /// Lambda's limit on a function's processes and threads.
    static let maxProcesses = 1024

    public init(mechanism: Mechanism, processDirectory: String? = nil) {
        self.mechanism = mechanism
        self.processDirectory = processDirectory
    }

    /// What works here: a cgroup directory the server may create workers' cgroups in, else rlimit.
    public static func detect() -> WorkerLimits {
        let memory = detectMemory()
        if case .cgroupV2 = memory { return WorkerLimits(mechanism: memory) }
        return WorkerLimits(mechanism: memory, processDirectory: detectV1(controller: "pids", limitFile: "pids.max"))
    }

    private static func detectMemory() -> Mechanism {
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
            guard let candidate, let directory = serverDirectory(in: candidate.root, limitFile: candidate.limitFile) else { continue }
            return candidate.mechanism(directory)
        }
        return .rlimit
    }

    /// The server's directory in the v1 hierarchy of `controller`, if it may make workers' cgroups there.
    private static func detectV1(controller: String, limitFile: String) -> String? {
        let membership = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, fields[1].split(separator: ",").contains(Substring(controller)) else { continue }
            return serverDirectory(in: "/sys/fs/cgroup/\(controller)" + fields[2], limitFile: limitFile)
        }
        return nil
    }

    /// Gatehouse's own cgroup for its workers under `root`; usable if a child made in it gets a limit file.
    private static func serverDirectory(in root: String, limitFile: String) -> String? {
        removeAbandoned(in: root)
        let directory = (root as NSString).appendingPathComponent("gatehouse-\(getpid())")
        let probe = (directory as NSString).appendingPathComponent("probe")
        defer { rmdir(probe) }
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil,
            FileManager.default.isWritableFile(atPath: (probe as NSString).appendingPathComponent(limitFile))
        else { return nil }
        return directory
    }

    /// A sentence for the server's start-up log.
    public var summary: String {
        let memory = switch mechanism {
        case .cgroupV2(let directory): "memory limits: cgroup v2 under \(directory)"
        case .cgroupV1(let directory): "memory limits: cgroup v1 under \(directory)"
        case .rlimit: "memory limits: RLIMIT_DATA (no writable memory cgroup here)"
        }
        let processes = switch (mechanism, processDirectory) {
        case (.cgroupV2, _): "process limits: pids.max in the same cgroup, where the pids controller is on"
        case (_, let directory?): "process limits: cgroup v1 under \(directory)"
        default: "process limits: none (no pids cgroup here)"
        }
        return "\(memory); \(processes)"
    }

    /// A cage of `megabytes` for a worker about to start: its own cgroups, made now, or the
    /// rlimit. The worker enters it before it execs (`WorkerCage.prelude`), so all it allocates counts.
    func cage(name: String, megabytes: Int) -> WorkerCage {
        var cage = memoryCage(name: name, megabytes: megabytes)
        if case .cgroupV2 = mechanism, let cgroup = cage.cgroup {
            try? Self.write(String(Self.maxProcesses), to: cgroup, "pids.max")
        } else if let root = processDirectory {
            let directory = (root as NSString).appendingPathComponent(name)
            if (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
                (try? Self.write(String(Self.maxProcesses), to: directory, "pids.max")) != nil
            {
                cage.processCgroup = directory
                cage.prelude = [cage.prelude, "echo $$ > '\(directory)/cgroup.procs'"].compactMap { $0 }.joined(separator: " && ")
            } else {
                rmdir(directory)
            }
        }
        return cage
    }

    private func memoryCage(name: String, megabytes: Int) -> WorkerCage {
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
                return WorkerCage(cgroup: directory, isV2: isV2, prelude: "echo $$ > '\(directory)/cgroup.procs'")
            } catch {
                rmdir(directory)
                return WorkerCage(cgroup: nil, isV2: false, prelude: nil)
            }
        case .rlimit:
            return WorkerCage(cgroup: nil, isV2: false, prelude: "ulimit -d \(megabytes * 1024)")
        }
    }

    /// Removes the worker cgroups of Gatehouse processes that are gone (killed without a chance
    /// to clean up); a cgroup with no process in it can be removed.
    private static func removeAbandoned(in root: String) {
        let fileManager = FileManager.default
        for name in (try? fileManager.contentsOfDirectory(atPath: root)) ?? [] where name.hasPrefix("gatehouse-") {
            guard let pid = Int32(name.dropFirst("gatehouse-".count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let directory = (root as NSString).appendingPathComponent(name)
            for worker in (try? fileManager.contentsOfDirectory(atPath: directory)) ?? [] {
                rmdir((directory as NSString).appendingPathComponent(worker))
            }
            rmdir(directory)
        }
    }

    /// Removes the server's cgroup directories (its workers' are gone by then).
    public func removeDirectory() {
        switch mechanism {
        case .cgroupV2(let directory), .cgroupV1(let directory): rmdir(directory)
        case .rlimit: break
        }
        if let processDirectory { rmdir(processDirectory) }
    }

    private static func write(_ text: String, to directory: String, _ file: String) throws {
        try text.write(toFile: (directory as NSString).appendingPathComponent(file), atomically: false, encoding: .utf8)
    }
}

/// One worker's limits: its memory peak so far and whether the kernel killed it for going over.
struct WorkerCage: Sendable {
    /// The worker's own (memory) cgroup directory, when it has one.
    let cgroup: String?
    let isV2: Bool
    /// The shell command that puts the starting worker in the cage, before it execs.
    var prelude: String?
    /// The worker's own v1 `pids` cgroup, when processes are limited there.
    var processCgroup: String?

    /// The most memory the worker (`pid`, while it runs) has used, in MB: its cgroup's peak or
    /// its resident high-water mark, whichever is more.
    func peakMegabytes(pid: Int32?) -> Int {
        var bytes = cgroup.flatMap { Self.number(in: $0, isV2 ? "memory.peak" : "memory.max_usage_in_bytes") } ?? 0
        if let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        {
            bytes = max(bytes, kilobytes * 1024)
        }
        return bytes == 0 ? 0 : max(1, bytes / (1024 * 1024))
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

    /// Removes the cgroups once its processes are gone.
    func remove() {
        if let cgroup { rmdir(cgroup) }
        if let processCgroup { rmdir(processCgroup) }
    }

    private static func number(in directory: String, _ file: String) -> Int? {
        (try? String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

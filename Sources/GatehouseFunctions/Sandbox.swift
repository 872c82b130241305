import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Isolates each worker with bubblewrap (`bwrap`): mount, PID, IPC and cgroup namespaces of its own,
/// a root laid out as Lambda's (the function's code read-only at `/var/task`, its layers at
/// `/opt`, the runtime at `/var/runtime`, a private `/tmp` of the function's `EphemeralStorage`,
/// the host's `/usr` and what a runtime needs of `/etc` read-only) and uid 993, as AWS's handlers see.
///
/// Bubblewrap, rather than namespaces set up by Gatehouse itself: it is the small, audited
/// sandbox Flatpak runs on, it starts in a few milliseconds, and setting up namespaces by hand
/// needs code run between `fork` and `exec`, which Swift cannot do safely.
///
/// A server running as root has bwrap build the namespaces as root and drops the worker to uid
/// 993 with `setpriv` (no capabilities, no new privileges), so it is uid 993 outside too. Any
/// other user gets a user namespace in which the worker is uid 993.
public struct Sandbox: Sendable {
    /// `GATEHOUSE_SANDBOX`: sandbox when the machine can and say so when it cannot (`auto`),
    /// refuse to start without a sandbox (`required`), or run workers unsandboxed (`off`).
    public enum Setting: String, Sendable, Codable {
        case auto, required, off
    }

    enum Mode: Sendable, Equatable {
        case bubblewrap(executable: String, dropPrivileges: String?)
        case unsandboxed(reason: String)
    }

    /// The uid and gid AWS's handlers run as (`sbx_user1051`).
    static let uid = 993
    static let gid = 990

    let mode: Mode
    /// The sandbox's own files: its `/etc`, workers' bwrap options.
    private let directory: String

    init(mode: Mode, directory: String) {
        self.mode = mode
        self.directory = directory
    }

    /// Workers run as the server does.
    public static let off = Sandbox(mode: .unsandboxed(reason: "GATEHOUSE_SANDBOX=off"), directory: "")

    /// What `setting` gets on this machine; `directory` holds the sandbox's files. Throws, with
    /// the reason, when the setting is `required` and no sandbox works here.
    public static func detect(_ setting: Setting, directory: String) throws -> Sandbox {
        guard setting != .off else { return .off }
        let sandbox: Sandbox
        switch probe(directory: directory) {
        case .success(let mode): sandbox = Sandbox(mode: mode, directory: directory)
        case .failure(let reason): sandbox = Sandbox(mode: .unsandboxed(reason: reason.description), directory: directory)
        }
        if setting == .required, case .unsandboxed(let reason) = sandbox.mode {
            throw SandboxUnavailable(description: "GATEHOUSE_SANDBOX=required, but workers cannot be sandboxed here: \(reason)")
        }
        return sandbox
    }

    /// Whether workers run sandboxed.
    public var isOn: Bool {
        if case .bubblewrap = mode { true } else { false }
    }

    /// A sentence for the server's start-up log.
    public var summary: String {
        switch mode {
        case .bubblewrap(let executable, let drop):
            "function sandbox: \(executable), uid \(Self.uid)\(drop == nil ? " in a user namespace" : " (dropped from root with setpriv)")"
        case .unsandboxed(let reason):
            "function sandbox: NONE — workers run as the server's user and can read its files (\(reason)); set GATEHOUSE_SANDBOX=required to refuse this"
        }
    }

    /// The argument vector that starts worker `name`'s `command`: `/bin/sh` runs `prelude` (which
    /// enters the worker's cage), then execs the command, sandboxed with `layout`'s files and a
    /// `/tmp` of `temporaryMB`. bwrap reads its options from a file on fd 3 (removed by
    /// `started(_:)`), so the sandbox's init shows a worker only `bwrap --args 3`, not the host's paths.
    func launch(_ command: [String], name: String, layout: WorkerLayout, temporaryMB: Int, prelude: String?) throws -> [String] {
        let start = prelude.map { "\($0) && " } ?? ""
        guard isOn else { return ["/bin/sh", "-c", "\(start)exec \"$0\" \"$@\""] + command }
        let arguments = self.command(command, layout: layout, temporaryMB: temporaryMB)
        // bwrap's options go in the file; its command (`-- …`) stays on the command line.
        let separator = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let file = "\(directory)/\(name).args"
        let options = arguments[1..<separator].map { $0 + "\0" }.joined()
        guard FileManager.default.createFile(atPath: file, contents: Data(options.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SandboxUnavailable(description: "cannot write \(file)")
        }
        let run = "\(start)exec 3< \"$1\" && shift && exec \"$0\" --args 3 \"$@\""
        return ["/bin/sh", "-c", run, arguments[0], file] + arguments[separator...]
    }

    /// Removes worker `name`'s options file, which bwrap has read once the worker runs (or exited).
    func started(_ name: String) {
        guard isOn else { return }
        unlink("\(directory)/\(name).args")
    }

    /// The argument vector that runs `command` in the sandbox with `layout`'s files, a `/tmp` of
    /// `temporaryMB`; `command` itself when unsandboxed.
    func command(_ command: [String], layout: WorkerLayout, temporaryMB: Int) -> [String] {
        guard case .bubblewrap(let executable, let drop) = mode else { return command }
        var arguments = [executable] + isolation(dropsPrivileges: drop != nil) + systemFiles()
        // Directories bwrap makes for a bind are 0700 when it runs as root; the worker must pass through them.
        var made: Set<String> = []
        for bind in layout.binds {
            for ancestor in Self.ancestors(of: bind.inside) where !made.contains(ancestor) && !layout.isBound(ancestor) {
                made.insert(ancestor)
                arguments += ["--perms", "0755", "--dir", ancestor]
            }
            arguments += ["--ro-bind", bind.host, bind.inside]
        }
        arguments += ["--perms", "1777", "--size", String(temporaryMB * 1024 * 1024), "--tmpfs", "/tmp"]
        arguments += ["--chdir", layout.taskRoot]
        if let setpriv = drop {
            arguments += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--", setpriv]
            arguments += ["--reuid", String(Self.uid), "--regid", String(Self.gid), "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        }
        return arguments + ["--"] + command
    }

    /// `/a`, `/a/b` for `/a/b/c`.
    private static func ancestors(of path: String) -> [String] {
        let parts = path.split(separator: "/").dropLast()
        return parts.indices.map { "/" + parts[...$0].joined(separator: "/") }
    }

    /// Namespaces, identity, `/proc` of the worker's own PID namespace and a minimal `/dev`.
    private func isolation(dropsPrivileges: Bool) -> [String] {
        // No UTS namespace: it costs half a millisecond a start, and an unprivileged worker cannot set the host name anyway.
        var arguments = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-cgroup-try"]
        if !dropsPrivileges {
            arguments += ["--unshare-user", "--uid", String(Self.uid), "--gid", String(Self.gid), "--disable-userns"]
        }
        return arguments + ["--proc", "/proc", "--dev", "/dev"]
    }

    /// The host's programs and libraries read-only, and the sandbox's `/etc` (`SandboxEtc`).
    private func systemFiles() -> [String] {
        var arguments: [String] = []
        for path in ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else if FileManager.default.fileExists(atPath: path) {
                arguments += ["--ro-bind", path, path]
            }
        }
        return arguments + ["--ro-bind", "\(directory)/etc", "/etc"]
    }

    /// Prepares the sandbox's `/etc` and runs `/bin/true` in a sandbox, as a worker would be.
    private static func probe(directory: String) -> Result<Mode, SandboxUnavailable> {
        guard let bwrap = executableOnPath("bwrap") else {
            return .failure(SandboxUnavailable(description: "bubblewrap is not installed (apt-get install bubblewrap)"))
        }
        var drop: String?
        if getuid() == 0 {
            guard let setpriv = executableOnPath("setpriv") else {
                return .failure(SandboxUnavailable(description: "setpriv (util-linux) is not installed"))
            }
            drop = setpriv
        }
        do {
            try SandboxEtc.prepare("\(directory)/etc")
        } catch {
            return .failure(SandboxUnavailable(description: "cannot write \(directory): \(error)"))
        }
        let mode = Mode.bubblewrap(executable: bwrap, dropPrivileges: drop)
        let trial = Sandbox(mode: mode, directory: directory)
            .command(["/bin/true"], layout: WorkerLayout(sandboxed: true, taskRoot: directory), temporaryMB: 1)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: trial[0])
        process.arguments = Array(trial.dropFirst())
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(SandboxUnavailable(description: "\(bwrap) does not run: \(error)"))
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(SandboxUnavailable(description: "\(bwrap) cannot create namespaces here: \(message.trimmingCharacters(in: .whitespacesAndNewlines))"))
        }
        return .success(mode)
    }

    /// The program `name` on the server's PATH, by its real path (the sandbox binds `/usr`, not
    /// the directories of symbolic links to it).
    static func executableOnPath(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            .map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
    }
}

/// Why workers cannot be sandboxed here.
public struct SandboxUnavailable: Error, CustomStringConvertible {
    public let description: String
}

import Foundation
import Testing

@testable import GatehouseFunctions

/// How a worker's files are laid out and the bwrap command that binds them.
@Suite struct SandboxTests {
    /// Directories of files, made under a fresh temporary directory.
    static func tree(_ files: [String: [String]]) throws -> (root: URL, paths: [String: String]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)")
        var paths: [String: String] = [:]
        for (name, entries) in files {
            let directory = root.appendingPathComponent(name)
            for entry in entries {
                let file = directory.appendingPathComponent(entry)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(entry.utf8).write(to: file)
            }
            paths[name] = directory.path
        }
        return (root, paths)
    }

    @Test func oneLayerIsBoundOnOptWhole() {
        #expect(WorkerLayout.merged(["/layers/a"], at: "/opt").map(\.inside) == ["/opt"])
    }

    @Test func layersMergeDirectoriesAndTheLastLayersFileWins() throws {
        let (root, paths) = try Self.tree([
            "one": ["python/requests/api.py", "python/shared.py", "bin/tool", "config.json"],
            "two": ["python/yaml/load.py", "python/shared.py", "config.json"],
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let binds = WorkerLayout.merged([paths["one"]!, paths["two"]!], at: "/opt")
        let byTarget = Dictionary(uniqueKeysWithValues: binds.map { ($0.inside, $0.host) })
        #expect(byTarget == [
            "/opt/bin": "\(paths["one"]!)/bin",
            "/opt/config.json": "\(paths["two"]!)/config.json",
            "/opt/python/requests": "\(paths["one"]!)/python/requests",
            "/opt/python/shared.py": "\(paths["two"]!)/python/shared.py",
            "/opt/python/yaml": "\(paths["two"]!)/python/yaml",
        ])
    }

    @Test func aSandboxedLayoutShowsLambdasPathsAndBindsTheHosts() {
        var layout = WorkerLayout(sandboxed: true, taskRoot: "/data/functions/unpacked/abc")
        layout.stack(["/data/layers/one"])
        #expect(layout.taskRoot == "/var/task")
        #expect(layout.layerRoots == ["/opt"])
        #expect(layout.expose("/data/tls/ca.pem", as: "ca.pem") == "/var/runtime/ca.pem")
        #expect(layout.expose("/root/.pyenv/versions/3.11.7") == "/root/.pyenv/versions/3.11.7")
        #expect(layout.binds.map(\.inside) == ["/var/task", "/opt", "/var/runtime/ca.pem", "/root/.pyenv/versions/3.11.7"])
        #expect(layout.isBound("/opt/python") && !layout.isBound("/root"))
    }

    @Test func anUnsandboxedLayoutKeepsTheHostsPaths() {
        var layout = WorkerLayout(sandboxed: false, taskRoot: "/data/functions/unpacked/abc")
        layout.stack(["/data/layers/one", "/data/layers/two"])
        #expect(layout.taskRoot == "/data/functions/unpacked/abc")
        #expect(layout.layerRoots == ["/data/layers/two", "/data/layers/one"])
        #expect(layout.expose("/data/tls/ca.pem", as: "ca.pem") == "/data/tls/ca.pem")
        #expect(layout.binds.isEmpty)
    }

    @Test func aRootServerDropsTheWorkerToUid993WithSetpriv() {
        let sandbox = Sandbox(mode: .bubblewrap(executable: "/usr/bin/bwrap", dropPrivileges: "/usr/bin/setpriv"), directory: "/data/sandbox")
        var layout = WorkerLayout(sandboxed: true, taskRoot: "/data/code")
        _ = layout.expose("/root/.pyenv/versions/3.11.7")
        let arguments = sandbox.command(["/root/.pyenv/versions/3.11.7/bin/python3", "-m", "awslambdaric", "app.handler"], layout: layout, temporaryMB: 512)
        let joined = arguments.joined(separator: " ")
        #expect(arguments.first == "/usr/bin/bwrap")
        #expect(!arguments.contains("--unshare-user"))
        #expect(joined.contains("--unshare-pid"))
        #expect(joined.contains("--ro-bind /data/code /var/task"))
        #expect(joined.contains("--perms 1777 --size 536870912 --tmpfs /tmp"))
        // /root is 0700 on the host: the sandbox makes it passable before binding below it.
        #expect(joined.contains("--perms 0755 --dir /root --perms 0755 --dir /root/.pyenv --perms 0755 --dir /root/.pyenv/versions --ro-bind"))
        #expect(joined.hasSuffix(
            "-- /usr/bin/setpriv --reuid 993 --regid 990 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- /root/.pyenv/versions/3.11.7/bin/python3 -m awslambdaric app.handler"))
    }

    @Test func anOrdinaryUserGetsAUserNamespace() {
        let sandbox = Sandbox(mode: .bubblewrap(executable: "/usr/bin/bwrap", dropPrivileges: nil), directory: "/data/sandbox")
        let arguments = sandbox.command(["/var/task/bootstrap"], layout: WorkerLayout(sandboxed: true, taskRoot: "/data/code"), temporaryMB: 512)
        #expect(arguments.joined(separator: " ").contains("--unshare-user --uid 993 --gid 990 --disable-userns"))
        #expect(!arguments.contains("/usr/bin/setpriv"))
        #expect(Array(arguments.suffix(2)) == ["--", "/var/task/bootstrap"])
    }

    @Test func theLaunchHidesBwrapsOptionsInAFileRemovedOnceTheWorkerRuns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sandbox = Sandbox(mode: .bubblewrap(executable: "/usr/bin/bwrap", dropPrivileges: nil), directory: directory)
        let launch = try sandbox.launch(
            ["/var/task/bootstrap"], name: "w1", layout: WorkerLayout(sandboxed: true, taskRoot: "/data/code"), temporaryMB: 512,
            prelude: "echo $$ > /cgroup/procs")
        #expect(launch.prefix(2) == ["/bin/sh", "-c"])
        #expect(launch[2].hasPrefix("echo $$ > /cgroup/procs && exec 3< "))
        #expect(Array(launch.dropFirst(3)) == ["/usr/bin/bwrap", "\(directory)/w1.args", "--", "/var/task/bootstrap"])
        let options = try String(contentsOfFile: "\(directory)/w1.args", encoding: .utf8).split(separator: "\0").map(String.init)
        #expect(options.contains("/var/task") && !options.contains("--"))
        sandbox.started("w1")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/w1.args"))
    }

    @Test func unsandboxedWorkersStartThroughThePreludeOnly() throws {
        let launch = try Sandbox.off.launch(
            ["/code/bootstrap"], name: "w1", layout: WorkerLayout(sandboxed: false, taskRoot: "/code"), temporaryMB: 512, prelude: "ulimit -d 1")
        #expect(launch == ["/bin/sh", "-c", "ulimit -d 1 && exec \"$0\" \"$@\"", "/code/bootstrap"])
    }
}

import Foundation

/// Where a worker finds its files. Unsandboxed, the host's own paths; in the sandbox, Lambda's:
/// the code at `/var/task`, the layers stacked on `/opt`, runtime files under `/var/runtime`,
/// each bound read-only from the host (`binds`).
struct WorkerLayout {
    let sandboxed: Bool
    /// The function's code as the worker sees it (`LAMBDA_TASK_ROOT`).
    private(set) var taskRoot: String
    /// The directories whose `python`, `nodejs`, `bin` and `lib` the worker's paths include, the last layer first.
    private(set) var layerRoots: [String] = []
    private(set) var binds: [(host: String, inside: String)] = []

    /// Lambda's runtime directory (`LAMBDA_RUNTIME_DIR`).
    static let runtimeDirectory = "/var/runtime"

    init(sandboxed: Bool, taskRoot: String) {
        self.sandboxed = sandboxed
        if sandboxed {
            self.taskRoot = "/var/task"
            binds = [(taskRoot, "/var/task")]
        } else {
            self.taskRoot = taskRoot
        }
    }

    /// Stacks `layers` (in the order AWS applies them) where the worker finds them: on `/opt`.
    mutating func stack(_ layers: [String]) {
        guard sandboxed else {
            layerRoots = layers.reversed()
            return
        }
        guard !layers.isEmpty else { return }
        layerRoots = ["/opt"]
        binds += Self.merged(layers, at: "/opt")
    }

    /// A runtime file or directory of the host, where the worker finds it: at the same path, or
    /// under `/var/runtime` as `name`.
    mutating func expose(_ host: String, as name: String? = nil) -> String {
        guard sandboxed else { return host }
        let inside = name.map { "\(Self.runtimeDirectory)/\($0)" } ?? host
        if !binds.contains(where: { $0.inside == inside }) { binds.append((host, inside)) }
        return inside
    }

    /// Whether `path` is a bind's target or inside one.
    func isBound(_ path: String) -> Bool {
        binds.contains { path == $0.inside || path.hasPrefix($0.inside + "/") }
    }

    /// Binds that merge directories onto `target` as Lambda extracts layers into `/opt`: a later
    /// layer's file wins, directories of the same name merge.
    static func merged(_ directories: [String], at target: String) -> [(host: String, inside: String)] {
        guard directories.count > 1 else { return directories.map { ($0, target) } }
        let fileManager = FileManager.default
        var sources: [String: [String]] = [:]
        for directory in directories {
            for name in (try? fileManager.contentsOfDirectory(atPath: directory)) ?? [] {
                sources[name, default: []].append("\(directory)/\(name)")
            }
        }
        return sources.keys.sorted().flatMap { name -> [(host: String, inside: String)] in
            let paths = sources[name]!
            var isDirectory: ObjCBool = false
            let allDirectories = paths.allSatisfy { fileManager.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
            return allDirectories ? merged(paths, at: "\(target)/\(name)") : [(paths.last!, "\(target)/\(name)")]
        }
    }
}

import Foundation
import Testing
import Velocity

@Suite struct ZZProbeTemporary {
    @Test func probe() throws {
        guard let path = ProcessInfo.processInfo.environment["VELOCITY_PROBE"] else { return }
        guard case .list(let entries) = try OrderedJSON.parse(String(contentsOfFile: path, encoding: .utf8)) else { return }
        var lines: [String] = []
        for entry in entries {
            guard case .map(let m) = entry, case .string(let name)? = m["name"], case .string(let t)? = m["template"], case .map(let c)? = m["context"] else { continue }
            let ctx = Dictionary(uniqueKeysWithValues: c.entries.map { ($0.key, $0.value) })
            var out: [String: Any] = ["name": name]
            do { out["output"] = try VelocityTemplate(t).render(context: ctx) } catch { out["error"] = "\(error)" }
            let data = try JSONSerialization.data(withJSONObject: out)
            lines.append(String(decoding: data, as: UTF8.self))
        }
        try lines.joined(separator: "\n").write(toFile: path + ".out", atomically: true, encoding: .utf8)
    }
}

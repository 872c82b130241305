import Crypto
import Foundation

/// Deploys a template, then again whenever a file beside it changes (the template, a function's
/// code): a function's new code serves new invocations within a second of the save.
public struct TemplateWatcher: Sendable {
    public let deployer: StackDeployer
    public let interval: Duration

    public init(deployer: StackDeployer, interval: Duration = .milliseconds(400)) {
        self.deployer = deployer
        self.interval = interval
    }

    /// Deploys now and, with `watch`, after each change until cancelled; `report` hears each outcome.
    public func run(watch: Bool, report: @escaping @Sendable (Result<StackDeployer.Report, any Error>) -> Void) async {
        var seen = signature()
        report(await attempt())
        guard watch else { return }
        while (try? await Task.sleep(for: interval)) != nil {
            let current = signature()
            guard current != seen else { continue }
            seen = current
            report(await attempt())
        }
    }

    private func attempt() async -> Result<StackDeployer.Report, any Error> {
        do { return .success(try await deployer.deploy()) } catch { return .failure(error) }
    }

    /// What the files under the template's directory look like now: paths, sizes and times
    /// (hidden entries, such as the stack record, left out).
    func signature() -> String {
        let directory = deployer.templateFile.deletingLastPathComponent()
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey, .isRegularFileKey]
        var hasher = SHA256()
        if let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles]) {
            for case let url as URL in files {
                guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true, !url.path.contains("__pycache__") else { continue }
                hasher.update(data: Data("\(url.path)|\(values.fileSize ?? 0)|\(values.contentModificationDate?.timeIntervalSince1970 ?? 0)".utf8))
            }
        }
        return Data(hasher.finalize()).base64EncodedString()
    }
}

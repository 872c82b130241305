import Crypto
import Foundation
import GatehouseModel
import ZIPFoundation

/// Deployment packages: zips kept by content hash in the data directory, checked on upload and
/// unpacked once, on first use, into the task root workers run in.
public struct CodeStore: Sendable {
    /// What AWS allows: 250 MB unzipped.
    public static let maxUnzippedBytes: UInt64 = 262_144_000

    public struct StoredCode: Sendable {
        /// Base64 SHA-256 of the zip (`CodeSha256`).
        public var sha256: String
        public var size: Int
    }

    public let root: URL
    /// Signs download URLs (`GetFunction`'s `Code.Location`); made anew at each start, as the
    /// URLs last minutes.
    private let urlKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }

    public init(directory: String) {
        root = URL(fileURLWithPath: directory).appendingPathComponent("functions")
    }

    /// `base` + `path`, signed to be valid for `lifetime` seconds (AWS's presigned URLs: 10 minutes).
    public func downloadURL(base: String, path: String, lifetime: TimeInterval = 600, now: Date = Date()) -> String {
        let expires = Int64(now.timeIntervalSince1970 + lifetime)
        return "\(base)\(path)?X-Gatehouse-Expires=\(expires)&X-Gatehouse-Signature=\(signature(path, expires))"
    }

    /// Whether a download's query carries a valid, unexpired signature for `path`.
    public func allowsDownload(path: String, query: [(name: String, value: String)], now: Date = Date()) -> Bool {
        guard let expires = query.first(where: { $0.name == "X-Gatehouse-Expires" }).flatMap({ Int64($0.value) }),
            let given = query.first(where: { $0.name == "X-Gatehouse-Signature" })?.value,
            Double(expires) >= now.timeIntervalSince1970
        else { return false }
        return given == signature(path, expires)
    }

    private func signature(_ path: String, _ expires: Int64) -> String {
        Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Data("\(path)\n\(expires)".utf8), using: SymmetricKey(data: urlKey)))
    }

    /// Checks and keeps a zip. Refuses what AWS refuses, and entries that would land outside the
    /// task root (`../`, absolute paths, links pointing out).
    public func store(zip: Data) throws(AWSError) -> StoredCode {
        let archive: Archive
        do {
            archive = try Archive(data: zip, accessMode: .read)
        } catch {
            throw Self.notAZip
        }
        var unzipped: UInt64 = 0
        for entry in archive {
            unzipped += entry.uncompressedSize
            try Self.checkPlacement(entry, in: archive)
        }
        guard unzipped <= Self.maxUnzippedBytes else {
            throw AWSError("InvalidParameterValueException", status: 400,
                "Unzipped size must be smaller than \(Self.maxUnzippedBytes) bytes")
        }
        let digest = Data(SHA256.hash(data: zip))
        let code = StoredCode(sha256: digest.base64EncodedString(), size: zip.count)
        do {
            try FileManager.default.createDirectory(at: zipsDirectory, withIntermediateDirectories: true)
            let target = zipURL(code.sha256)
            if !FileManager.default.fileExists(atPath: target.path) { try zip.write(to: target, options: .atomic) }
        } catch {
            throw AWSError("ServiceException", status: 500, "Could not store the deployment package: \(error)")
        }
        return code
    }

    /// The zip stored under a `fileName(sha256)`, for `GetFunction`'s code location.
    public func zip(fileName: String) -> Data? {
        guard !fileName.isEmpty, fileName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        return try? Data(contentsOf: zipsDirectory.appendingPathComponent(fileName + ".zip"))
    }

    /// The unpacked package for `sha256`, unpacking it the first time.
    public func taskRoot(_ sha256: String) throws(AWSError) -> URL {
        let target = unpackedDirectory.appendingPathComponent(Self.fileName(sha256))
        if FileManager.default.fileExists(atPath: target.path) { return target }
        do {
            let staging = unpackedDirectory.appendingPathComponent(Self.fileName(sha256) + ".\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            let archive = try Archive(url: zipURL(sha256), accessMode: .read)
            for entry in archive {
                _ = try archive.extract(entry, to: staging.appendingPathComponent(entry.path), skipCRC32: false)
            }
            try Self.makeReadable(staging)
            do {
                try FileManager.default.moveItem(at: staging, to: target)
            } catch where FileManager.default.fileExists(atPath: target.path) {
                try? FileManager.default.removeItem(at: staging)  // another worker unpacked it first
            }
            return target
        } catch {
            throw AWSError("ServiceException", status: 500, "Could not unpack the deployment package: \(error)")
        }
    }

    /// Gives every unpacked file the permissions Lambda needs (644, and 755 for directories,
    /// executables and `bootstrap`), whatever the zip recorded: the sandbox's uid 993 is not their owner.
    private static func makeReadable(_ directory: URL) throws {
        let fileManager = FileManager.default
        try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        guard let entries = fileManager.enumerator(atPath: directory.path) else { return }
        for case let relative as String in entries {
            let path = directory.appendingPathComponent(relative).path
            let attributes = try fileManager.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType != .typeSymbolicLink else { continue }
            let mode = (attributes[.posixPermissions] as? Int) ?? 0
            let executable = attributes[.type] as? FileAttributeType == .typeDirectory || mode & 0o111 != 0 || relative == "bootstrap"
            try fileManager.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: path)
        }
    }

    private var zipsDirectory: URL { root.appendingPathComponent("code") }
    private var unpackedDirectory: URL { root.appendingPathComponent("unpacked") }

    private func zipURL(_ sha256: String) -> URL {
        zipsDirectory.appendingPathComponent(Self.fileName(sha256) + ".zip")
    }

    /// Base64 is not file-name (or URL) safe; its URL-safe form is.
    public static func fileName(_ sha256: String) -> String {
        sha256.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "=", with: "")
    }

    public static let notAZip = AWSError("InvalidParameterValueException", status: 400,
        "Could not unzip uploaded file. Please check your file, then try to upload again.")

    private static func checkPlacement(_ entry: Entry, in archive: Archive) throws(AWSError) {
        guard Self.staysInside(entry.path) else {
            throw AWSError("InvalidParameterValueException", status: 400,
                "The deployment package contains an entry outside its root: \(entry.path)")
        }
        if entry.type == .symlink {
            var target = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: true) { target.append($0) }
            } catch {
                throw notAZip
            }
            let destination = String(decoding: target, as: UTF8.self)
            let base = (entry.path as NSString).deletingLastPathComponent
            guard !destination.hasPrefix("/"), Self.staysInside(base.isEmpty ? destination : base + "/" + destination) else {
                throw AWSError("InvalidParameterValueException", status: 400,
                    "The deployment package contains a link outside its root: \(entry.path) -> \(destination)")
            }
        }
    }

    /// Whether a relative path, resolved against the root, stays below it.
    static func staysInside(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.hasPrefix("\\") else { return false }
        var depth = 0
        for component in path.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { return false }
        }
        return true
    }
}

import Foundation

/// The `/etc` a sandboxed worker sees: a copy, made at start, of the few entries a runtime needs
/// (name resolution, certificate authorities, the dynamic linker's cache, time zones), holding
/// only what any local user may read, with the sandbox's own users. One bind instead of one per
/// file (each costs 0.2 ms a start), and nothing of `/etc` a worker's uid could otherwise open.
enum SandboxEtc {
    static let entries = [
        "resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf", "services", "protocols", "ssl", "ca-certificates",
        "ca-certificates.conf", "pki", "crypto-policies", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone",
        "alternatives", "mime.types", "os-release",
    ]

    /// Builds `target` afresh from the host's `/etc`.
    static func prepare(_ target: String) throws {
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: target)
        try fileManager.createDirectory(atPath: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for name in entries {
            try copyReadable("/etc/\(name)", to: "\(target)/\(name)")
        }
        try "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:\(Sandbox.uid):\(Sandbox.gid)::/home/sbx_user1051:/sbin/nologin\n"
            .write(toFile: "\(target)/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nsbx_user1051:x:\(Sandbox.gid):\n".write(toFile: "\(target)/group", atomically: true, encoding: .utf8)
    }

    /// Copies what any user may read of `source`: world-readable files, world-searchable
    /// directories, symbolic links into `/usr` or `/etc` as links (the sandbox has both), others
    /// by what they point to. Anything else is left out.
    private static func copyReadable(_ source: String, to target: String) throws {
        let fileManager = FileManager.default
        guard let attributes = try? fileManager.attributesOfItem(atPath: source) else { return }
        if attributes[.type] as? FileAttributeType == .typeSymbolicLink {
            let destination = try fileManager.destinationOfSymbolicLink(atPath: source)
            let resolved = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
            if resolved.hasPrefix("/usr/") || resolved.hasPrefix("/etc/") {
                try fileManager.createSymbolicLink(atPath: target, withDestinationPath: destination)
            } else {
                try copyReadable(resolved, to: target)
            }
            return
        }
        let mode = (attributes[.posixPermissions] as? Int) ?? 0
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory where mode & 0o005 == 0o005:
            try fileManager.createDirectory(atPath: target, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            for name in try fileManager.contentsOfDirectory(atPath: source) {
                try copyReadable("\(source)/\(name)", to: "\(target)/\(name)")
            }
        case .typeRegular where mode & 0o004 != 0:
            try fileManager.copyItem(atPath: source, toPath: target)
            try fileManager.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target)
        default:
            break
        }
    }
}

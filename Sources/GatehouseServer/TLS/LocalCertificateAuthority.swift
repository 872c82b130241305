import Crypto
import Foundation
import SwiftASN1
import X509

/// The listener's TLS identity: a certificate authority of this Gatehouse's own, made once and
/// kept in `{data}/tls/`, and a server certificate it signs for `localhost`,
/// `*.execute-api.localhost` and the loopback addresses. Function workers trust it through
/// `AWS_CA_BUNDLE` (the system's authorities plus this one), so handlers reach `https://` URLs of
/// this Gatehouse unmodified.
struct LocalCertificateAuthority {
    /// PEM files.
    let caCertificate: URL
    let serverCertificate: URL
    let serverKey: URL
    /// The system's trusted authorities followed by this one: what workers verify TLS with.
    let bundle: URL

    /// The names the server certificate covers.
    static let names: [GeneralName] = [
        .dnsName("localhost"), .dnsName("*.execute-api.localhost"),
        .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
        .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
    ]

    /// Where the system keeps its trusted authorities (Debian's, Red Hat's).
    static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]

    /// Loads the authority and server certificate from `directory`, making whatever is missing or
    /// expires within a month.
    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caCertificate = directory.appendingPathComponent("ca.pem")
        serverCertificate = directory.appendingPathComponent("server.pem")
        serverKey = directory.appendingPathComponent("server-key.pem")
        bundle = directory.appendingPathComponent("bundle.pem")
        let caKeyFile = directory.appendingPathComponent("ca-key.pem")
        let renewBy = Date().addingTimeInterval(30 * 86_400)

        var ca = try? Certificate(pemEncoded: String(contentsOf: caCertificate, encoding: .utf8))
        var caKey = try? P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: caKeyFile, encoding: .utf8))
        if ca == nil || caKey == nil || ca!.notValidAfter < renewBy {
            let key = P256.Signing.PrivateKey()
            let made = try Self.authority(key: key)
            try Self.write(made.serializeAsPEM().pemString, to: caCertificate)
            try Self.write(key.pemRepresentation, to: caKeyFile, private: true)
            (ca, caKey) = (made, key)
            try? FileManager.default.removeItem(at: serverCertificate)
        }
        let server = try? Certificate(pemEncoded: String(contentsOf: serverCertificate, encoding: .utf8))
        if server == nil || server!.notValidAfter < renewBy || server!.issuer != ca!.subject
            || !FileManager.default.fileExists(atPath: serverKey.path)
        {
            let key = P256.Signing.PrivateKey()
            try Self.write(try Self.server(key: key, ca: ca!, caKey: caKey!).serializeAsPEM().pemString, to: serverCertificate)
            try Self.write(key.pemRepresentation, to: serverKey, private: true)
        }
        let system = Self.systemBundles.lazy.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.first ?? ""
        try Self.write(system + "\n" + String(contentsOf: caCertificate, encoding: .utf8), to: bundle)
    }

    private static let authorityName = try! DistinguishedName {
        OrganizationName("Gatehouse")
        CommonName("Gatehouse local certificate authority")
    }

    private static func authority(key: P256.Signing.PrivateKey) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: authorityName, subject: authorityName,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
    }

    private static func server(key: P256.Signing.PrivateKey, ca: Certificate, caKey: P256.Signing.PrivateKey) throws -> Certificate {
        let now = Date()
        let authorityKey = try ca.extensions.subjectKeyIdentifier?.keyIdentifier
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(397 * 86_400),
            issuer: ca.subject, subject: try DistinguishedName { CommonName("localhost") },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: .init(key.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: authorityKey)
            },
            issuerPrivateKey: .init(caKey))
    }

    private static func write(_ text: String, to url: URL, private: Bool = false) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        if `private` { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
    }
}

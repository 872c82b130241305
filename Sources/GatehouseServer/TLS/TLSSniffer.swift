import NIOCore
import NIOSSL

/// Lets one port serve both `http://` and `https://`: it looks at a connection's first byte
/// and, for a TLS handshake (a record of type 22), puts TLS in front of the HTTP handlers.
/// Either way it then leaves the pipeline.
final class TLSSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private static let handshakeRecord: UInt8 = 0x16

    private let context: NIOSSLContext

    init(context: NIOSSLContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if bytes.readableBytesView.first == Self.handshakeRecord {
            do {
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: self.context), position: .after(self))
            } catch {
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

extension NIOSSLContext {
    /// The server side of the local authority's certificate.
    convenience init(serving authority: LocalCertificateAuthority) throws {
        try self.init(
            certificateChain: [authority.serverCertificate.path, authority.caCertificate.path], privateKey: authority.serverKey.path)
    }

    /// A server context from PEM files: the certificate chain (each file may hold several) and its key.
    convenience init(certificateChain: [String], privateKey: String) throws {
        let chain = try certificateChain.flatMap { try NIOSSLCertificate.fromPEMFile($0) }
        let key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
        try self.init(configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
    }
}

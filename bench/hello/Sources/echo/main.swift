import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging

// Usage: echo PORT  — a WebSocket server on 127.0.0.1:PORT that sends every text message back,
// on any path, until SIGINT/SIGTERM. The bare reference for Gatehouse's WebSocket routes.
let arguments = CommandLine.arguments
guard arguments.count == 2, let port = Int(arguments[1]) else {
    print("usage: echo PORT")
    exit(2)
}

var logger = Logger(label: "echo")
logger.logLevel = .warning

let app = Application(
    router: Router(),
    server: .http1WebSocketUpgrade(configuration: .init(maxFrameSize: 32 * 1024, autoPing: .disabled)) { _, _, _ in
        .upgrade([:]) { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 128 * 1024) {
                if case .text(let text) = message { try await outbound.write(.text(text)) }
            }
        }
    },
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
    logger: logger)
try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])

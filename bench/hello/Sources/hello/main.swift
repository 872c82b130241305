import Foundation
import Hummingbird
import Logging

// Usage: hello PORT  — serves GET / -> 200 "hello" on 127.0.0.1:PORT until SIGINT/SIGTERM.
let arguments = CommandLine.arguments
guard arguments.count == 2, let port = Int(arguments[1]) else {
    print("usage: hello PORT")
    exit(2)
}

var logger = Logger(label: "hello")
logger.logLevel = .warning

let router = Router()
router.get("/") { _, _ in "hello" }

let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
    logger: logger)
try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])

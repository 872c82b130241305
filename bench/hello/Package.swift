// swift-tools-version:6.0
import PackageDescription

// References and load tools for bench/: the smallest Hummingbird 2 server answering GET / with
// 200 "hello" (`hello`), the smallest hummingbird-websocket server echoing every text message
// (`echo`), and a WebSocket load client (`wsbench`), all built with the versions Gatehouse uses.
let package = Package(
    name: "hello",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        .executableTarget(
            name: "hello",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
        .executableTarget(
            name: "echo",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ]
        ),
        .executableTarget(
            name: "wsbench",
            dependencies: [.product(name: "HummingbirdWSClient", package: "hummingbird-websocket")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.0
import PackageDescription

// The "bare Hummingbird hello" reference for bench/run.sh: the smallest Hummingbird 2 server,
// built with the same Hummingbird version Gatehouse uses, answering GET / with 200 "hello".
let package = Package(
    name: "hello",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "hello",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

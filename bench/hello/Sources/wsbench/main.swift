import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization

// A WebSocket load client for bench/websocket.py.
//
//   wsbench echo URL CONNECTIONS SECONDS MESSAGE
//       CONNECTIONS clients each send MESSAGE and wait for the answer, over and over, for
//       SECONDS; prints one JSON line: messages, seconds, rate, p50/p90/p99/max in µs.
//   wsbench hold URL CONNECTIONS SECONDS MESSAGE IDSFILE
//       opens CONNECTIONS clients; each sends MESSAGE once and takes the answer as its
//       connection id. Once all have one it writes the ids to IDSFILE, a line each, and prints
//       "ready N"; then waits up to SECONDS for each to receive one more message. Prints one JSON
//       line: opened, received, and the epoch milliseconds of the first and last message received.
let arguments = CommandLine.arguments
guard arguments.count >= 5, let connections = Int(arguments[3]), let seconds = Double(arguments[4]) else {
    print("usage: wsbench echo URL CONNECTIONS SECONDS MESSAGE | wsbench hold URL CONNECTIONS SECONDS MESSAGE IDSFILE")
    exit(2)
}
let url = arguments[2]
var logger = Logger(label: "wsbench")
logger.logLevel = .error

@Sendable func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

final class Samples: Sendable {
    private let state = Mutex<(latencies: [UInt64], failures: Int)>(([], 0))

    func add(_ latencies: [UInt64]) { state.withLock { $0.latencies += latencies } }
    func fail() { state.withLock { $0.failures += 1 } }
    var all: (latencies: [UInt64], failures: Int) { state.withLock { $0 } }
}

/// What the held connections share.
final class Crowd: Sendable {
    let opened = Atomic<Int>(0)
    let ids = Mutex<[String]>([])
    let received = Mutex<(count: Int, first: Int64, last: Int64)>((0, 0, 0))
}

switch arguments[1] {
case "echo":
    guard arguments.count == 6 else { exit(2) }
    let message = arguments[5]
    let samples = Samples()
    let start = ContinuousClock.now
    let end = start + .seconds(seconds)
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<connections {
            group.addTask {
                do {
                    try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 32 * 1024), logger: logger) {
                        inbound, outbound, _ in
                        var latencies: [UInt64] = []
                        var iterator = inbound.messages(maxSize: 1 << 17).makeAsyncIterator()
                        while ContinuousClock.now < end {
                            let sent = DispatchTime.now().uptimeNanoseconds
                            try await outbound.write(.text(message))
                            guard try await iterator.next() != nil else { break }
                            latencies.append(DispatchTime.now().uptimeNanoseconds - sent)
                        }
                        samples.add(latencies)
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                } catch {
                    samples.fail()
                }
            }
        }
    }
    let elapsed = Double((ContinuousClock.now - start).components.seconds) + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
    let (latencies, failures) = samples.all
    let sorted = latencies.sorted()
    func percentile(_ p: Double) -> Double {
        sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
    }
    print(#"{"messages": \#(sorted.count), "seconds": \#(elapsed), "rate": \#(Double(sorted.count) / elapsed), "#
        + #""p50_us": \#(percentile(0.5)), "p90_us": \#(percentile(0.9)), "p99_us": \#(percentile(0.99)), "#
        + #""max_us": \#(percentile(1)), "failures": \#(failures)}"#)
case "hold":
    guard arguments.count == 7 else { exit(2) }
    let (message, idsFile) = (arguments[5], arguments[6])
    let crowd = Crowd()
    @Sendable func report() -> Never {
        let state = crowd.received.withLock { $0 }
        print(#"{"opened": \#(crowd.opened.load(ordering: .relaxed)), "received": \#(state.count), "first_ms": \#(state.first), "last_ms": \#(state.last)}"#)
        exit(0)
    }
    // Whatever has arrived by the deadline is the answer.
    Task.detached {
        try? await Task.sleep(for: .seconds(seconds))
        report()
    }
    await withTaskGroup(of: Void.self) { group in
        for index in 0..<connections {
            group.addTask {
                try? await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                    crowd.opened.add(1, ordering: .relaxed)
                    var iterator = inbound.messages(maxSize: 1 << 17).makeAsyncIterator()
                    try await outbound.write(.text(message))
                    guard case .text(let id)? = try await iterator.next() else { return }
                    let everyone = crowd.ids.withLock { ids in
                        ids.append(id)
                        return ids.count == connections ? ids : nil
                    }
                    if let everyone {
                        try everyone.joined(separator: "\n").write(toFile: idsFile, atomically: true, encoding: .utf8)
                        FileHandle.standardOutput.write(Data("ready \(connections)\n".utf8))
                    }
                    guard try await iterator.next() != nil else { return }
                    let at = nowMillis()
                    let all = crowd.received.withLock { state in
                        state.count += 1
                        state.first = state.first == 0 ? at : min(state.first, at)
                        state.last = max(state.last, at)
                        return state.count == connections
                    }
                    if all { report() }
                }
            }
            // Open connections in steps, as a crowd arrives, not all in one instant.
            if index % 500 == 499 { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}

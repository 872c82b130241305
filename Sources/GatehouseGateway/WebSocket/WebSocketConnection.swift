import Foundation
import GatehouseModel
import Synchronization

/// The socket under a WebSocket connection, as the listener provides it.
public protocol WebSocketSocket: Sendable {
    /// Sends one text message.
    func send(_ text: String) async throws
    /// Starts the closing handshake with `code`; the connection ends once the client answers,
    /// or soon after if it does not.
    func close(code: UInt16, reason: String) async
}

/// One open WebSocket connection: who opened it and when, what its `$connect` authorizer said,
/// and the socket to reach the client. It lives in the `ConnectionRegistry` from the upgrade
/// until it closes.
public final class WebSocketConnection: Sendable {
    public let id: String
    public let apiID: String
    public let stageName: String
    public let connectedAt: Date
    let sourceIP: String
    let userAgent: String?
    /// The host the client connected to (`domainName` in events).
    let domainName: String
    /// `requestContext.authorizer` of every event: what the `$connect` authorizer returned.
    let authorizer: JSON?
    let socket: any WebSocketSocket
    /// Milliseconds since 1970 of the last message either way.
    private let lastActive: Atomic<Int64>
    /// Why the connection is closing, once something decided it should: the code and reason
    /// the gateway chose (idle, too old, deleted) before the client's own close arrives.
    private let closing = Mutex<(code: UInt16, reason: String)?>(nil)

    init(admitted: AdmittedConnection, socket: any WebSocketSocket) {
        id = admitted.id
        apiID = admitted.apiID
        stageName = admitted.stageName
        connectedAt = admitted.connectedAt
        sourceIP = admitted.sourceIP
        userAgent = admitted.userAgent
        domainName = admitted.domainName
        authorizer = admitted.authorizer
        self.socket = socket
        lastActive = Atomic(Int64(admitted.connectedAt.timeIntervalSince1970 * 1000))
    }

    public var lastActiveAt: Date { Date(timeIntervalSince1970: Double(lastActive.load(ordering: .relaxed)) / 1000) }

    func touch(_ now: Date = Date()) {
        lastActive.store(Int64(now.timeIntervalSince1970 * 1000), ordering: .relaxed)
    }

    /// Records why the gateway closes the connection; false when it is closing already.
    func markClosing(code: UInt16, reason: String) -> Bool {
        closing.withLock { state in
            guard state == nil else { return false }
            state = (code, reason)
            return true
        }
    }

    /// The gateway's reason for closing, if it chose to.
    var closingReason: (code: UInt16, reason: String)? { closing.withLock { $0 } }
}

/// A connection whose `$connect` succeeded, waiting for the upgrade to finish: what the
/// connection will carry, and the headers that go into the handshake's answer.
public struct AdmittedConnection: Sendable {
    public let id: String
    let apiID: String
    let stageName: String
    let connectedAt: Date
    let sourceIP: String
    let userAgent: String?
    let domainName: String
    let authorizer: JSON?
    /// Headers `$connect`'s integration returned, such as `Sec-WebSocket-Protocol`.
    public let headers: [(name: String, value: String)]
}

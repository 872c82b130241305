import Foundation
import Synchronization

/// Where WebSocket connections are found by id. A connection lives on the node whose listener
/// holds its socket; this registry holds this node's. Several nodes would share the id → node
/// part through the store and hand a post for another node's connection to that node; the
/// socket itself never moves.
public final class ConnectionRegistry: Sendable {
    private let connections = Mutex<[String: WebSocketConnection]>([:])

    public init() {}

    func add(_ connection: WebSocketConnection) {
        connections.withLock { $0[connection.id] = connection }
    }

    /// Removes the connection; nil when it was gone already.
    func remove(_ id: String) -> WebSocketConnection? {
        connections.withLock { $0.removeValue(forKey: id) }
    }

    /// The open connection with this id, if it belongs to the stage (and the API, when given).
    func connection(_ id: String, api: String?, stage: String) -> WebSocketConnection? {
        guard let connection = connections.withLock({ $0[id] }), api == nil || connection.apiID == api, connection.stageName == stage else { return nil }
        return connection
    }

    /// How many connections are open.
    public var count: Int { connections.withLock { $0.count } }

    /// Every open connection, for the sweep that closes idle and old ones.
    var all: [WebSocketConnection] { connections.withLock { Array($0.values) } }
}

import Foundation

/// What the `@connections` management API does to a WebSocket API's live connections: the data
/// plane holds them, the control plane calls through this. Every method answers AWS's
/// `GoneException` (410) for a connection that is closed, never existed, or belongs to another
/// API or stage. A nil `api` leaves the API to the connection (an endpoint on this Gatehouse's
/// own address names only the stage).
public protocol ConnectionManager: Sendable {
    /// Sends `data` to the client as one text message.
    func post(_ data: Data, to connectionID: String, api: String?, stage: String) async throws(AWSError)
    /// When the connection opened and was last used, and who opened it.
    func describe(_ connectionID: String, api: String?, stage: String) throws(AWSError) -> ConnectionDescription
    /// Closes the connection; its `$disconnect` route runs after.
    func disconnect(_ connectionID: String, api: String?, stage: String) async throws(AWSError)
}

/// `GetConnection`'s answer.
public struct ConnectionDescription: Sendable, Equatable {
    public var connectedAt: Date
    public var lastActiveAt: Date
    public var sourceIP: String
    public var userAgent: String?

    public init(connectedAt: Date, lastActiveAt: Date, sourceIP: String, userAgent: String?) {
        self.connectedAt = connectedAt
        self.lastActiveAt = lastActiveAt
        self.sourceIP = sourceIP
        self.userAgent = userAgent
    }
}

extension AWSError {
    /// A connection that is not (or no longer) open.
    public static func gone(_ connectionID: String) -> AWSError {
        AWSError("GoneException", status: 410, "The connection \(connectionID) is not open.")
    }
}

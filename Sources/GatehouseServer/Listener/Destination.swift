import GatehouseFunctions
import GatehouseGateway

/// Which part of Gatehouse a request is for, told from its host and path alone.
enum Destination {
    /// An invoke URL of a deployed API.
    case gateway(InvokeTarget)
    /// A function URL (`{url-id}.lambda-url.{region}.localhost`).
    case functionURL(String)
    /// A WebSocket API's `@connections` management endpoint.
    case connections(ConnectionsEndpoint)
    /// A worker's Runtime API (`/w/{secret}/2018-06-01/runtime/…`).
    case runtimeAPI
    /// Gatehouse's own endpoints (`/_gatehouse/…`).
    case gatehouse
    /// The management APIs.
    case controlPlane

    /// `deployed` knows the custom domain names.
    init(host: String?, rawPath: String, deployed: DeployedStages) {
        if let endpoint = ConnectionsEndpoint(host: host, rawPath: rawPath) {
            self = .connections(endpoint)
        } else if let urlID = Gateway.functionURLID(inHost: host) {
            self = .functionURL(urlID)
        } else if let target = deployed.target(host: host, rawPath: rawPath) {
            self = .gateway(target)
        } else if RuntimeAPI.handles(rawPath) {
            self = .runtimeAPI
        } else if rawPath.hasPrefix("/_gatehouse/") {
            self = .gatehouse
        } else {
            self = .controlPlane
        }
    }
}

/// An `@connections` URL: `/{api-id}/{stage}/@connections/{id}`, or `/{stage}/@connections/{id}`
/// on the API's own host (`{api-id}.execute-api.…`) or on this Gatehouse's address (what
/// handlers build from an event's `domainName`; the connection names its API). SDKs send the `@`
/// as `%40`.
struct ConnectionsEndpoint: Equatable {
    var apiID: String?
    var stage: String
    /// The path the management API's model routes: `/@connections/{id}`.
    var routedPath: String

    init?(host: String?, rawPath: String) {
        let parts = rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard let marker = parts.firstIndex(where: Self.isMarker) else { return nil }
        let prefix = Array(parts[parts.startIndex..<marker])
        let hostAPI = host.flatMap(InvokeTarget.apiID(inHost:))
        switch prefix.count {
        case 1: (apiID, stage) = (hostAPI, String(prefix[0]))
        case 2: (apiID, stage) = (String(prefix[0]), String(prefix[1]))
        default: return nil
        }
        guard apiID?.isEmpty != true, !stage.isEmpty else { return nil }
        routedPath = "/@connections/" + parts[parts.index(after: marker)...].joined(separator: "/")
    }

    private static func isMarker(_ part: Substring) -> Bool {
        part == "@connections" || (part.count == 14 && part.lowercased() == "%40connections")
    }
}

import GatehouseFunctions
import GatehouseGateway

/// Which part of Gatehouse a request is for, told from its host and path alone.
enum Destination {
    /// An invoke URL of a deployed API.
    case gateway(InvokeTarget)
    /// A worker's Runtime API (`/w/{secret}/2018-06-01/runtime/…`).
    case runtimeAPI
    /// Gatehouse's own endpoints (`/_gatehouse/…`).
    case gatehouse
    /// The management APIs.
    case controlPlane

    init(host: String?, rawPath: String) {
        if let target = InvokeTarget(host: host, rawPath: rawPath) {
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

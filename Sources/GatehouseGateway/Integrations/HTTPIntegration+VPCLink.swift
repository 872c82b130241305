import AsyncHTTPClient
import Foundation
import GatehouseModel
import NIOCore
import NIOPosix

/// Private integrations (`connectionType: VPC_LINK`): the link names a load balancer, the load
/// balancer's name a configured upstream set, and the request goes to one of its members with
/// the integration uri's path and host.
extension HTTPIntegration {
    /// The upstream set a REST integration's VPC link resolves to; nil for other integrations.
    func upstreamSet(_ invocation: Invocation, _ integration: DeployedIntegration) throws(GatewayError) -> String? {
        guard integration.connectionType == "VPC_LINK" else { return nil }
        let linkID = invocation.substitutingStageVariables(integration.connectionID ?? "")
        guard let set = invocation.vpcLinks[linkID], upstreams.contains(set) else { throw .integrationFailure }
        return set
    }

    /// `url` with its scheme's authority replaced by `member` (`host:port`).
    static func replacingAuthority(of url: String, with member: String) -> String {
        guard var components = URLComponents(string: url), let colon = member.lastIndex(of: ":"), let port = Int(member[member.index(after: colon)...])
        else { return url }
        components.host = String(member[..<colon])
        components.port = port
        return components.string ?? url
    }

    /// Whether `error` means nothing accepted the connection (so no request reached a backend).
    static func isRefused(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError: return true
        case let error as IOError: return error.errnoCode == ECONNREFUSED
        case let error as HTTPClientError: return error == .connectTimeout
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        default: return false
        }
    }
}

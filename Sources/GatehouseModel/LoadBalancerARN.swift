/// Elastic Load Balancing ARNs, as VPC links name their targets.
public enum LoadBalancerARN {
    /// `NAME` from `…:loadbalancer/net/NAME/id` (a REST VPC link's target) or
    /// `…:listener/net/NAME/id/listener-id` (an HTTP API private integration's URI).
    public static func name(in arn: String) -> String? {
        guard arn.hasPrefix("arn:"), let resource = arn.split(separator: ":", maxSplits: 5).last else { return nil }
        let parts = resource.split(separator: "/")
        guard parts.count >= 3, parts[0] == "loadbalancer" || parts[0] == "listener" else { return nil }
        return String(parts[2])
    }
}

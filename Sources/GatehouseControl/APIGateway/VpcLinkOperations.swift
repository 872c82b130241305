import Foundation
import GatehouseModel
import GatehouseStore

/// REST VPC links (`/vpclinks`): each targets one network load balancer, whose name is an
/// upstream set of Gatehouse's configuration. `CreateVpcLink` answers `PENDING` as AWS does; the
/// link is `AVAILABLE` from then on when the set is configured, else `FAILED` saying why.
extension APIGateway {
    /// Whether an upstream set of this name is configured on this node.
    public typealias UpstreamSetExists = @Sendable (String) -> Bool

    static func vpcLinkHandlers(upstreamSetExists: @escaping UpstreamSetExists) -> [String: OperationHandler] {
        [
            "CreateVpcLink": { context in
                try await context.store.write { tx in
                    let targets = context.input["targetArns"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    guard targets.count == 1 else {
                        throw AWSError.badRequest("VPC link must have exactly one target ARN; \(targets.count) were given")
                    }
                    var link: JSON = [
                        "id": .string(newID()), "name": .string(context.string("name")), "targetArns": .array(targets.map(JSON.string)),
                        "tags": context.input["tags"] ?? .emptyObject,
                    ]
                    copyMembers(["description"], from: context.input, into: &link)
                    var stored = link
                    (stored["status"], stored["statusMessage"]) = settled(targets[0], upstreamSetExists)
                    try await tx.put(vpcLinkKey(context, link["id"]?.stringValue ?? ""), stored)
                    link["status"] = "PENDING"
                    link["statusMessage"] = "VPC link is provisioning ENIs"
                    return link
                }
            },
            "GetVpcLink": { context in try await vpcLink(context, in: context.store) },
            "GetVpcLinks": { context in
                try page(try await context.store.documents(kind: Kind.restVpcLink, parent: context.caller.region), context)
            },
            "UpdateVpcLink": { context in
                try await context.store.write { tx in
                    let patched = try patch(try await vpcLink(context, in: tx), context, shape: "VpcLink", patchable: ["name", "description"])
                    try await tx.put(vpcLinkKey(context, context.string("vpcLinkId")), patched)
                    return patched
                }
            },
            "DeleteVpcLink": { context in
                try await context.store.write { tx in
                    _ = try await vpcLink(context, in: tx)
                    try await tx.delete(vpcLinkKey(context, context.string("vpcLinkId")))
                    return .emptyObject
                }
            },
        ]
    }

    /// The status a link settles in: AVAILABLE when its load balancer names a configured upstream set.
    private static func settled(_ target: String, _ upstreamSetExists: UpstreamSetExists) -> (JSON, JSON) {
        guard let name = LoadBalancerARN.name(in: target) else {
            return ("FAILED", .string("NLB ARN is malformed: \(target)"))
        }
        guard upstreamSetExists(name) else {
            return ("FAILED", .string("No upstream set named \(name) is configured (GATEHOUSE_UPSTREAMS or the configuration's upstreams)"))
        }
        return ("AVAILABLE", "Your vpc link is ready for use")
    }

    private static func vpcLink(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        guard let link = try await reader.document(vpcLinkKey(context, context.string("vpcLinkId"))) else {
            throw AWSError.notFound("Invalid VPC link identifier specified")
        }
        return link
    }

    private static func vpcLinkKey(_ context: OperationContext, _ id: String) -> DocumentKey {
        DocumentKey(kind: Kind.restVpcLink, parent: context.caller.region, id: id)
    }
}

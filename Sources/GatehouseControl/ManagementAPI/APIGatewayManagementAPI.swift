import Foundation
import GatehouseModel

/// The `apigatewaymanagementapi` service (SigV4 service `execute-api`): a WebSocket API's
/// `@connections`, at `/{api-id}/{stage}/@connections/{id}` or, in the host form, at
/// `/{stage}/@connections/{id}` on `{api-id}.execute-api.…`. The endpoint names the API and
/// stage (`OperationContext.endpointScope`); the data plane holds the connections.
public enum APIGatewayManagementAPI {
    /// AWS's cap on a message posted to a connection; the listener refuses a bigger body with
    /// `PayloadTooLargeException` before it reaches an operation.
    public static let maxDataBytes = 128 * 1024

    public static func definition(connections: any ConnectionManager) throws -> ServiceDefinition {
        ServiceDefinition(
            model: try .bundled("apigatewaymanagementapi"), validationError: "BadRequestException",
            handlers: [
                "PostToConnection": { context in
                    let data = Data(base64Encoded: context.string("Data")) ?? Data()
                    let (api, stage) = scope(context)
                    try await connections.post(data, to: context.string("ConnectionId"), api: api, stage: stage)
                    return .emptyObject
                },
                "GetConnection": { context in
                    let (api, stage) = scope(context)
                    let connection = try connections.describe(context.string("ConnectionId"), api: api, stage: stage)
                    var identity: JSON = ["SourceIp": .string(connection.sourceIP)]
                    if let agent = connection.userAgent { identity["UserAgent"] = .string(agent) }
                    return [
                        "ConnectedAt": .number(connection.connectedAt.timeIntervalSince1970.rounded(.down)),
                        "LastActiveAt": .number(connection.lastActiveAt.timeIntervalSince1970.rounded(.down)),
                        "Identity": identity,
                    ]
                },
                "DeleteConnection": { context in
                    let (api, stage) = scope(context)
                    try await connections.disconnect(context.string("ConnectionId"), api: api, stage: stage)
                    return .emptyObject
                },
            ])
    }

    /// The stage the endpoint names, and its API unless the endpoint leaves that to the connection.
    private static func scope(_ context: OperationContext) -> (api: String?, stage: String) {
        (context.endpointScope["ApiId"], context.endpointScope["Stage"] ?? "")
    }
}

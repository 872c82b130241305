import Foundation
import GatehouseModel
import GatehouseStore

/// Function URLs: `http://{url-id}.lambda-url.{region}.localhost:{port}/` invokes the function
/// (`$LATEST` or an alias) with payload 2.0, with `AuthType` `NONE` (the function's policy must
/// allow `lambda:InvokeFunctionUrl`) or `AWS_IAM`, and the URL's CORS rules.
extension Lambda {
    static let functionURLHandlers: [String: OperationHandler] = [
        "CreateFunctionUrlConfig": { context in
            let (name, _) = try await function(context, in: context.store)
            let qualifier = context.input["Qualifier"]?.stringValue
            let arn = functionARN(context, name, qualifier: qualifier).description
            return try await context.store.write { tx in
                let key = urlKey(context, name, qualifier)
                guard try await tx.document(key) == nil else {
                    throw AWSError("ResourceConflictException", status: 409,
                        "Failed to create function url config for [functionArn = \(arn)]. Error message:  FunctionUrlConfig exists for this Lambda function")
                }
                let id = String((0..<32).map { _ in Array("abcdefghijklmnopqrstuvwxyz0123456789").randomElement()! })
                let created = Date().timeIntervalSince1970
                var config: JSON = [
                    "FunctionArn": .string(arn), "FunctionUrl": .string(url(id, context)), "AuthType": context.input["AuthType"] ?? "NONE",
                    "CreationTime": .string(timestamp(created)), "LastModifiedTime": .string(timestamp(created)),
                    "InvokeMode": context.input["InvokeMode"] ?? "BUFFERED", "UrlId": .string(id), "Qualifier": .string(qualifier ?? "$LATEST"),
                ]
                if let cors = context.input["Cors"] { config["Cors"] = cors }
                try await tx.put(key, config)
                return shown(config)
            }
        },
        "GetFunctionUrlConfig": { context in
            let (name, _) = try await function(context, in: context.store)
            return shown(try await urlConfig(context, name, in: context.store))
        },
        "UpdateFunctionUrlConfig": { context in
            let (name, _) = try await function(context, in: context.store)
            return try await context.store.write { tx in
                var config = try await urlConfig(context, name, in: tx)
                for member in ["AuthType", "Cors", "InvokeMode"] { if let value = context.input[member] { config[member] = value } }
                config["LastModifiedTime"] = .string(timestamp(Date().timeIntervalSince1970))
                try await tx.put(urlKey(context, name, context.input["Qualifier"]?.stringValue), config)
                return shown(config)
            }
        },
        "DeleteFunctionUrlConfig": { context in
            let (name, _) = try await function(context, in: context.store)
            return try await context.store.write { tx in
                _ = try await urlConfig(context, name, in: tx)
                try await tx.delete(urlKey(context, name, context.input["Qualifier"]?.stringValue))
                return .emptyObject
            }
        },
        "ListFunctionUrlConfigs": { context in
            let (name, _) = try await function(context, in: context.store)
            let configs = try await context.store.documents(kind: Kind.functionURL, parent: versionsParent(context, name))
            return ["FunctionUrlConfigs": .array(configs.map(shown))]
        },
    ]

    private static func urlKey(_ context: OperationContext, _ name: String, _ qualifier: String?) -> DocumentKey {
        DocumentKey(kind: Kind.functionURL, parent: versionsParent(context, name), id: qualifier ?? "$LATEST")
    }

    private static func urlConfig(_ context: OperationContext, _ name: String, in reader: any DocumentReader) async throws -> JSON {
        guard let config = try await reader.document(urlKey(context, name, context.input["Qualifier"]?.stringValue)) else {
            throw AWSError("ResourceNotFoundException", status: 404, "The resource you requested does not exist.")
        }
        return config
    }

    /// `http://{id}.lambda-url.{region}.localhost:{port}/` on this node's port.
    private static func url(_ id: String, _ context: OperationContext) -> String {
        let port = URLComponents(string: context.endpoint)?.port.map { ":\($0)" } ?? ""
        return "http://\(id).lambda-url.\(context.caller.region).localhost\(port)/"
    }

    /// A stored configuration without Gatehouse's own members.
    private static func shown(_ config: JSON) -> JSON {
        var config = config
        config["UrlId"] = nil
        config["Qualifier"] = nil
        return config
    }

    /// `2021-10-27T21:34:11.235Z`, as Lambda writes these times.
    private static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).utc("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
    }
}

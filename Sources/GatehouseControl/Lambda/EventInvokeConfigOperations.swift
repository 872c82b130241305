import Foundation
import GatehouseModel
import GatehouseStore

/// `Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s)`: how `Event` invocations of a
/// function, version or alias are retried and where their results go. One document per
/// qualifier under `{region}:{name}`; `docs/aws/lambda-async.md` records AWS's answers.
extension Lambda {
    static let eventInvokeConfigHandlers: [String: OperationHandler] = [
        "PutFunctionEventInvokeConfig": { context in try await putEventInvokeConfig(context, merging: false) },
        "UpdateFunctionEventInvokeConfig": { context in try await putEventInvokeConfig(context, merging: true) },
        "GetFunctionEventInvokeConfig": { context in
            let (name, qualifier) = try eventInvokeTarget(context)
            guard let config = try await context.store.document(eventInvokeConfigKey(context, name, qualifier)) else {
                throw noEventInvokeConfig(context, name, qualifier)
            }
            return output(config)
        },
        "DeleteFunctionEventInvokeConfig": { context in
            let (name, qualifier) = try eventInvokeTarget(context)
            return try await context.store.write { tx in
                let key = eventInvokeConfigKey(context, name, qualifier)
                guard try await tx.document(key) != nil else { throw noEventInvokeConfig(context, name, qualifier) }
                try await tx.delete(key)
                return .emptyObject
            }
        },
        "ListFunctionEventInvokeConfigs": { context in
            let name = requested(context).name
            guard try await context.store.document(functionKey(context, name)) != nil else { throw functionMissing }
            let configs = try await context.store.documents(kind: Kind.eventInvokeConfig, parent: versionsParent(context, name))
            return try page(configs.map(output), context, member: "FunctionEventInvokeConfigs")
        },
    ]

    /// Put replaces the whole configuration; Update changes only the settings it names and needs
    /// one to exist.
    private static func putEventInvokeConfig(_ context: OperationContext, merging: Bool) async throws -> JSON {
        let input = context.input
        let settings = ["MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"]
        guard settings.contains(where: { input[$0] != nil }) else {
            throw invalidParameter("You must specify at least one of error handling or destination setting.")
        }
        let (name, qualifier) = try eventInvokeTarget(context)
        return try await context.store.write { tx in
            guard let function = try await tx.document(functionKey(context, name)) else { throw functionMissing }
            if qualifier != "$LATEST" {
                let kind = FunctionQualifier(qualifier) == .version(qualifier) ? Kind.functionVersion : Kind.functionAlias
                guard try await tx.document(DocumentKey(kind: kind, parent: versionsParent(context, name), id: qualifier)) != nil else {
                    throw functionMissing
                }
            }
            let key = eventInvokeConfigKey(context, name, qualifier)
            var config: JSON = ["DestinationConfig": ["OnSuccess": .emptyObject, "OnFailure": .emptyObject]]
            if merging {
                guard let existing = try await tx.document(key) else { throw noEventInvokeConfig(context, name, qualifier) }
                config = existing
            }
            for setting in settings where input[setting] != nil { config[setting] = input[setting] }
            config["DestinationConfig"] = try await destinations(
                config["DestinationConfig"] ?? .emptyObject, of: function, name: name, context: context, in: tx)
            config["Qualifier"] = .string(qualifier)
            config["FunctionArn"] = .string(functionARN(context, name, qualifier: qualifier).description)
            config["LastModified"] = .number((Date().timeIntervalSince1970 * 1000).rounded() / 1000)
            try await tx.put(key, config)
            return output(config)
        }
    }

    /// Both sides present (`{}` when unset), each naming a function other than this one.
    private static func destinations(
        _ config: JSON, of function: JSON, name: String, context: OperationContext, in reader: any DocumentReader
    ) async throws -> JSON {
        var result: JSON = [:]
        for side in ["OnSuccess", "OnFailure"] {
            let target = config[side] ?? .emptyObject
            result[side] = target
            guard let arn = target["Destination"]?.stringValue, !arn.isEmpty else { continue }
            guard arn.hasPrefix("arn:aws:lambda:") else {
                throw invalidParameter(
                    "Gatehouse delivers Event invocation records to Lambda functions only; \(arn) is not a function. Set a function ARN as the destination.")
            }
            let destination = LambdaARN(parsing: arn, region: context.caller.region, account: context.caller.accountId)
            if destination.name == name { throw invalidParameter("You can't specify the function as a destination for itself.") }
            guard try await reader.document(functionKey(context, destination.name)) != nil else {
                throw invalidParameter("The destination ARN \(arn) is invalid.")
            }
        }
        return result
    }

    /// The function name and qualifier (`$LATEST` when none) the input names; the name's own
    /// qualifier must agree with `Qualifier`.
    private static func eventInvokeTarget(_ context: OperationContext) throws(AWSError) -> (name: String, qualifier: String) {
        let requested = requested(context)
        let qualifier = context.input["Qualifier"]?.stringValue
        if let qualifier, let derived = requested.qualifier, derived != qualifier {
            throw invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
        }
        return (requested.name, qualifier ?? requested.qualifier ?? "$LATEST")
    }

    private static func eventInvokeConfigKey(_ context: OperationContext, _ name: String, _ qualifier: String) -> DocumentKey {
        DocumentKey(kind: Kind.eventInvokeConfig, parent: versionsParent(context, name), id: qualifier)
    }

    /// The stored configuration as the API shows it.
    private static func output(_ config: JSON) -> JSON {
        var shown = config
        shown["Qualifier"] = nil
        return shown
    }

    private static let functionMissing = AWSError("ResourceNotFoundException", status: 404, "The function doesn't exist.")

    private static func noEventInvokeConfig(_ context: OperationContext, _ name: String, _ qualifier: String) -> AWSError {
        AWSError("ResourceNotFoundException", status: 404,
            "The function \(functionARN(context, name, qualifier: qualifier)) doesn't have an EventInvokeConfig")
    }
}

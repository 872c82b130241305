import Foundation
import GatehouseFunctions
import GatehouseModel
import GatehouseStore

extension Lambda {
    static func invokeHandlers(_ environment: Environment) -> [String: OperationHandler] {
        [
            "Invoke": { context in try await invoke(context, environment) },
            "InvokeAsync": { context in
                _ = try await invoke(context, environment, type: "Event", payload: context.input["InvokeArgs"])
                return ["Status": 202]
            },
        ]
    }

    /// `Invoke`: RequestResponse runs the function and answers its result (a failure is
    /// `X-Amz-Function-Error: Unhandled` with the error document, status 200, as on AWS);
    /// Event queues it and answers 202; DryRun checks and answers 204.
    static func invoke(_ context: OperationContext, _ environment: Environment, type: String? = nil, payload: JSON? = nil) async throws -> JSON {
        let requested = requested(context)
        let name = requested.name, qualified = requested.qualifier
        guard let document = try await context.store.document(functionKey(context, name)) else {
            // Invoke names the version it looked for.
            throw notFound(context, name, qualifier: context.input["Qualifier"]?.stringValue ?? qualified ?? "$LATEST")
        }
        let qualifier = context.input["Qualifier"]?.stringValue ?? qualified
        let configuration = try await configuration(context, name: name, document: document, qualifier: qualifier, in: context.store)
        var body = (payload ?? context.input["Payload"])?.stringValue.flatMap { Data(base64Encoded: $0) } ?? Data()
        guard body.count <= maxPayloadBytes else {
            throw AWSError("RequestEntityTooLargeException", status: 413,
                "Request must be smaller than \(maxPayloadBytes) bytes for the InvokeFunction operation")
        }
        // No payload is the empty event; anything else must be JSON.
        if body.isEmpty { body = Data("{}".utf8) }
        if (try? JSON(parsing: body)) == nil {
            throw AWSError("InvalidRequestContentException", status: 400,
                "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value")
        }
        let spec = FunctionSpec(configuration: configuration, function: document, region: context.caller.region)
        let version = spec.version
        let invoked = functionARN(context, name, qualifier: qualifier)
        switch type ?? context.input["InvocationType"]?.stringValue ?? "RequestResponse" {
        case "DryRun":
            return ["StatusCode": 204]
        case "Event":
            guard body.count <= maxEventPayloadBytes else {
                throw AWSError("RequestEntityTooLargeException", status: 413,
                    "Request must be smaller than \(maxEventPayloadBytes) bytes for the InvokeFunction operation")
            }
            // Queued durably before the 202, as AWS's own queue holds it.
            try await environment.async.enqueue(invoked, payload: Array(body), requestID: context.requestId)
            return ["StatusCode": 202]
        default:
            let wantsLog = context.input["LogType"] == "Tail"
            // The invocation's id is the request's id, as on AWS (the handler's context.aws_request_id).
            let result = try await environment.invoker.invoke(
                spec, payload: Array(body), invokedArn: invoked.description, wantsLog: wantsLog, requestID: context.requestId)
            var output: JSON = [
                "StatusCode": 200, "ExecutedVersion": .string(version), "Payload": .string(Data(result.payload).base64EncodedString()),
            ]
            if let error = result.functionError { output["FunctionError"] = .string(error) }
            if wantsLog {
                output["LogResult"] = .string(Data(result.log.utf8.suffix(4096)).base64EncodedString())
            }
            return output
        }
    }
}

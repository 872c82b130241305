import Foundation
import GatehouseModel
import GatehouseStore

/// The `apigateway` service (REST APIs, v1): its operations and what they share.
///
/// Resources are stored as documents shaped like the AWS output shapes. A REST API lives under
/// its region; everything that belongs to an API (resources with their methods and
/// integrations, deployments, stages, models, validators, authorizers, gateway responses) lives
/// under the API's id, so deleting the API deletes all of it in one statement.
public enum APIGateway {
    /// `usage` is where the gateway counts requests per usage plan and API key;
    /// `upstreamSetExists` tells which VPC link targets are configured.
    public static func definition(usage: any UsageLedger, upstreamSetExists: @escaping UpstreamSetExists = { _ in false }) throws -> ServiceDefinition {
        let handlers = [
            restAPIHandlers, resourceHandlers, methodHandlers, integrationHandlers, deploymentHandlers,
            stageHandlers, modelHandlers, requestValidatorHandlers, authorizerHandlers, gatewayResponseHandlers,
            tagHandlers, accountHandlers, apiKeyHandlers, usagePlanHandlers, usageHandlers(usage), domainNameHandlers,
            vpcLinkHandlers(upstreamSetExists: upstreamSetExists), openAPIHandlers, documentationHandlers,
        ].reduce(into: [String: OperationHandler]()) { all, group in all.merge(group) { first, _ in first } }
        let model = try ServiceModel.bundled("apigateway")
        return ServiceDefinition(
            model: model, validationError: "ValidationException", namesInputInMessages: true,
            handlers: handlers.reduce(into: [:]) { all, entry in
                let onResource = model.operations[entry.key]?.uri.contains("/resources/{resource_id}") == true
                all[entry.key] = onResource ? resourceFirst(entry.value) : entry.value
            })
    }

    /// AWS looks up an operation's API and resource before it checks the rest of the request
    /// (but after the input's own constraints, such as a status code's pattern): an unknown one
    /// is `Invalid Resource identifier specified`, whatever else is wrong.
    private static func resourceFirst(_ handler: @escaping OperationHandler) -> OperationHandler {
        { context in
            if let code = context.input["statusCode"]?.stringValue { try validateStatusCode(code) }
            _ = try await resource(context.string("resourceId"), context, in: context.store)
            return try await handler(context)
        }
    }

    typealias Kind = DocumentKind

    /// A new id as API Gateway makes them: lowercase letters and digits.
    static func newID(length: Int = 6) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }

    /// Now, in whole seconds since the epoch, as API Gateway's timestamps are.
    static func now() -> JSON { .number(Date().timeIntervalSince1970.rounded(.down)) }

    /// The REST API named by the input's `restApiId`, or AWS's NotFoundException.
    static func restAPI(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        let id = context.string("restApiId")
        guard let api = try await reader.document(restAPIKey(context, id)) else {
            throw AWSError.notFound("Invalid API identifier specified \(context.caller.accountId):\(id)")
        }
        return api
    }

    static func restAPIKey(_ context: OperationContext, _ id: String) -> DocumentKey {
        DocumentKey(kind: Kind.restAPI, parent: context.caller.region, id: id)
    }

    /// A document owned by the input's REST API, or NotFoundException with `message`.
    static func child(
        _ kind: String, id: String, _ context: OperationContext, in reader: any DocumentReader, notFound message: String
    ) async throws -> JSON {
        _ = try await restAPI(context, in: reader)
        guard let document = try await reader.document(DocumentKey(kind: kind, parent: context.string("restApiId"), id: id)) else {
            throw AWSError.notFound(message)
        }
        return document
    }

    static func childKey(_ kind: String, _ context: OperationContext, _ id: String) -> DocumentKey {
        DocumentKey(kind: kind, parent: context.string("restApiId"), id: id)
    }

    /// One page of `items`, as the `position`/`limit` members of list operations ask.
    static func page(_ items: [JSON], _ context: OperationContext, itemsMember: String = "items") throws(AWSError) -> JSON {
        let limit = context.input["limit"]?.intValue ?? 25
        guard (1...500).contains(limit) else {
            throw .badRequest("1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 500")
        }
        guard let page = Paging.page(items, limit: limit, token: context.input["position"]?.stringValue) else {
            throw .badRequest("Invalid position parameter")
        }
        var result: JSON = [itemsMember: .array(page.items)]
        if let next = page.next { result["position"] = .string(next) }
        return result
    }

    /// Applies the input's patch operations to `document` against the model shape `shapeName`.
    /// `listingPaths` switches to the wording that lists the supported paths (Resource, Model,
    /// RequestValidator); `replaceOnly` members refuse `add` and `remove`; `invalidPath`, when
    /// given, is the resource's own answer to a path it does not support.
    static func patch(
        _ document: JSON, _ context: OperationContext, shape shapeName: String, patchable: Set<String>? = nil,
        replaceOnly: Set<String> = [], listingPaths: Bool = false, invalidPath: (@Sendable (PatchOperation) -> AWSError)? = nil
    ) throws(AWSError) -> JSON {
        let operations = try PatchOperation.list(from: context.input)
        var patcher = Patcher(model: context.model, shapeName: shapeName, patchable: patchable)
        patcher.replaceOnly = replaceOnly
        if listingPaths, let patchable {
            patcher.invalidPath = Patcher.listingPaths(patchable.sorted().map { "/" + $0 })
            patcher.replaceOnlyError = Patcher.unsupportedOperation
        }
        if let invalidPath { patcher.invalidPath = invalidPath }
        return try patcher.apply(operations, to: document)
    }

    /// Copies the listed members from the input, leaving out empty strings and empty lists as AWS does.
    static func copyNonEmptyMembers(_ names: [String], from input: JSON, into document: inout JSON) {
        for name in names {
            switch input[name] {
            case nil, .null?, .string("")?, .array([])?: continue
            case let value?: document[name] = value
            }
        }
    }

    /// Copies the listed members from the input into `document` when present.
    static func copyMembers(_ names: [String], from input: JSON, into document: inout JSON) {
        for name in names {
            if let value = input[name], value != .null { document[name] = value }
        }
    }
}

extension OperationContext {
    /// A string member of the input, or "" when absent (URI members are always present).
    public func string(_ member: String) -> String { input[member]?.stringValue ?? "" }
}

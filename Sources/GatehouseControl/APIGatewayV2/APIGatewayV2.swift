import Foundation
import GatehouseModel
import GatehouseStore

/// The `apigatewayv2` service: HTTP APIs (and, stored alike, WebSocket APIs).
///
/// An API is a document under its region; its routes, integrations, stages, deployments,
/// authorizers and models are documents under the API's id, so deleting the API deletes all of
/// it in one statement. Documents keep the model's member names (`RouteKey`); the encoder puts
/// them on the wire in lower camel case. `docs/aws/apigatewayv2-behaviour.md` records AWS's answers.
public enum APIGatewayV2 {
    public static func definition() throws -> ServiceDefinition {
        let handlers = [apiHandlers, stageHandlers, deploymentHandlers, tagHandlers, openAPIHandlers]
            .reduce(into: collectionHandlers) { all, group in all.merge(group) { first, _ in first } }
        var definition = ServiceDefinition(
            model: try .bundled("apigatewayv2"), validationError: "BadRequestException", handlers: handlers)
        definition.statusOverrides = ["DeleteVpcLink": 202]
        return definition
    }

    typealias Kind = DocumentKind

    /// A new id as API Gateway v2 makes them: lowercase letters and digits (APIs 10, routes and
    /// integrations 7, deployments and authorizers 6).
    static func newID(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }

    /// Now, in seconds since the epoch; the encoder writes v2's dates as ISO 8601.
    static func now() -> JSON { .number(Date().timeIntervalSince1970.rounded(.down)) }

    static func apiKey(_ context: OperationContext, _ id: String) -> DocumentKey {
        DocumentKey(kind: Kind.httpAPI, parent: context.caller.region, id: id)
    }

    /// The API the input's `ApiId` names, or AWS's NotFoundException.
    static func api(_ context: OperationContext, in reader: any DocumentReader) async throws -> JSON {
        let id = context.string("ApiId")
        guard let api = try await reader.document(apiKey(context, id)) else {
            throw AWSError.notFound("Invalid API identifier specified \(context.caller.accountId):\(id)")
        }
        return api
    }

    /// One page of `items` as `MaxResults` and `NextToken` (both strings on the wire) ask.
    static func page(_ items: [JSON], _ context: OperationContext) throws(AWSError) -> JSON {
        let limit = context.input["MaxResults"]?.stringValue.map { Int($0) } ?? 100
        guard let limit, limit > 0 else { throw .badRequest("Invalid MaxResults parameter") }
        guard let page = Paging.page(items, limit: limit, token: context.input["NextToken"]?.stringValue) else {
            throw .badRequest("Invalid NextToken parameter")
        }
        var result: JSON = ["Items": .array(page.items)]
        if let next = page.next { result["NextToken"] = .string(next) }
        return result
    }

    /// Copies the listed members of the input that are present into `document`.
    static func copy(_ names: [String], from input: JSON, into document: inout JSON) {
        for name in names {
            if let value = input[name], value != .null { document[name] = value }
        }
    }
}

import Foundation
import GatehouseModel
import GatehouseStore
import Logging

/// What an operation's implementation receives: its validated input, who called, and the store.
public struct OperationContext: Sendable {
    public var operation: String
    public var input: JSON
    public var caller: Caller
    public var requestId: String
    public var store: any Store
    public var model: ServiceModel
    /// This node's base URL (`http://127.0.0.1:4566`), for URLs the operations hand out.
    public var endpoint: String
    /// What the endpoint URL itself names, below the model's URIs: the API and stage of an
    /// `@connections` call (`ApiId`, `Stage`).
    public var endpointScope: [String: String] = [:]
}

extension OperationContext {
    /// Checks the input against the operation's input shape, as the decoder checks what a client
    /// sends (for inputs an operation makes itself: an import's steps).
    func validateInput() throws(AWSError) {
        guard let shape = model.operations[operation]?.input else { return }
        try InputDecoder(model: model, validationError: "BadRequestException").validate(input, shapeName: shape, path: "")
    }
}

/// An operation's behaviour: input in, output out (both shaped by the service model).
public typealias OperationHandler = @Sendable (OperationContext) async throws -> JSON

/// One management API: its botocore model and the operations Gatehouse implements for it.
public struct ServiceDefinition: Sendable {
    public var model: ServiceModel
    /// The exception this service answers malformed input with.
    public var validationError: String
    /// Whether validation messages name members as `createRestApiInput.name` (Coral services
    /// such as API Gateway) rather than just `name`.
    public var namesInputInMessages: Bool
    /// The `Type` member some services put in error bodies (`User` for Lambda).
    public var errorBodyType: String?
    /// Status codes AWS really answers where the model says otherwise.
    public var statusOverrides: [String: Int] = [:]
    /// Enum shapes whose bad values the operations answer themselves (AWS words them differently).
    public var enumsCheckedByOperations: Set<String> = []
    /// Whether validation messages name members in lower camel case (Lambda's do).
    public var lowercasesMemberNamesInMessages = false
    public var handlers: [String: OperationHandler]
    let router: OperationRouter

    public init(
        model: ServiceModel, validationError: String, namesInputInMessages: Bool = false, errorBodyType: String? = nil,
        handlers: [String: OperationHandler]
    ) {
        self.model = model
        self.validationError = validationError
        self.namesInputInMessages = namesInputInMessages
        self.errorBodyType = errorBodyType
        self.handlers = handlers
        self.router = OperationRouter(model: model)
    }

    func inputDecoder(for operation: String) -> InputDecoder {
        var decoder = InputDecoder(model: model, validationError: validationError)
        decoder.enumsCheckedByOperations = enumsCheckedByOperations
        decoder.lowercasesMemberNames = lowercasesMemberNamesInMessages
        if namesInputInMessages { decoder.pathPrefix = operation.prefix(1).lowercased() + operation.dropFirst() + "Input" }
        return decoder
    }
}

/// The management APIs behind one listener. Verifies the signature, picks the service from the
/// credential scope and the operation from the model, decodes and validates the input, runs the
/// operation and encodes its output — or answers the AWS-shaped error.
public struct ControlPlane: Sendable {
    public var services: [ServiceDefinition]
    public var verifier: SignatureVerifier
    public var store: any Store
    public var logger: Logger
    /// This node's base URL, for URLs the operations hand out.
    public var endpoint: String
    /// Passes a verified request for a service Gatehouse does not serve to where that service
    /// is configured; nil when it is configured nowhere.
    public var forward: (@Sendable (IncomingRequest, Caller) async -> OutgoingResponse?)?
    /// Refuse role sessions whose role IAM does not know.
    public var strictIAM = false
    /// Where each call is recorded for CloudTrail; nil: not recorded.
    public var audit: AuditLog?

    public init(services: [ServiceDefinition], verifier: SignatureVerifier, store: any Store, endpoint: String, logger: Logger) {
        self.services = services
        self.verifier = verifier
        self.store = store
        self.endpoint = endpoint
        self.logger = logger
    }

    /// Whether a service of this signing name is served here.
    public func serves(_ signingName: String) -> Bool {
        services.contains { $0.model.signingName == signingName }
    }

    /// Answers `request`. An endpoint with a path of its own (`/{api-id}/{stage}` for
    /// `@connections`) gives the path the model's URIs route (`routedPath`) and what its prefix
    /// named (`scope`); the signature still covers the path as sent.
    public func handle(_ request: IncomingRequest, routedPath: String? = nil, scope: [String: String] = [:]) async -> OutgoingResponse {
        let requestId = RequestID.next()
        var protocolName = "rest-json"
        var errorBodyType: String?
        var queryCompatible: ServiceModel?
        var audited: (caller: Caller, model: ServiceModel, operation: String, input: JSON)?
        var output: JSON?
        var failure: AWSError?
        var response: OutgoingResponse
        do {
            let caller = try verifier.verify(request)
            let candidates = services.filter { $0.model.signingName == caller.service }
            guard !candidates.isEmpty else {
                if let forwarded = await forward?(request, caller) { return forwarded }
                var answer = UnservedService.error(caller.service, request: request, requestID: requestId)
                answer.headers.append(("x-amzn-RequestId", requestId))
                return answer
            }
            protocolName = Self.wireProtocol(of: request, among: candidates)
            errorBodyType = candidates.count == 1 ? candidates[0].errorBodyType : nil
            queryCompatible = candidates.count == 1 && candidates[0].model.metadata.awsQueryCompatible == true ? candidates[0].model : nil
            var routed = request
            if let routedPath { routed.rawPath = routedPath }
            let (service, operationName, input) = try resolve(routed, among: candidates, protocolName: protocolName)
            errorBodyType = service.errorBodyType
            guard let handler = service.handlers[operationName] else { throw AWSError.notImplemented(operationName) }
            let operation = service.model.operations[operationName]!
            audited = (caller, service.model, operationName, input)
            let context = OperationContext(
                operation: operationName, input: input, caller: caller, requestId: requestId, store: store,
                model: service.model, endpoint: endpoint, endpointScope: scope)
            if let temporary = verifier.temporary?.entry(for: caller.accessKeyId),
                let denial = try await IdentityPolicies.denial(
                    temporary, service: service, operation: operationName, context: context, request: routed, strict: strictIAM)
            {
                throw denial
            }
            let answer = try await handler(context)
            output = answer
            let status = service.statusOverrides[operationName] ?? operation.status
            switch protocolName {
            case "query": response = QueryProtocol.response(answer, operation: operationName, model: service.model, requestID: requestId)
            case RPCv2CBOR.name: response = RPCv2CBOR.response(answer, shapeName: operation.output, model: service.model, status: status)
            default:
                response = OutputEncoder(model: service.model).encode(answer, shapeName: operation.output, status: status, json: protocolName == "json")
            }
        } catch let error as AWSError {
            failure = error
            response = Self.errorResponse(error, protocolName: protocolName, bodyType: errorBodyType, requestID: requestId, queryCompatible: queryCompatible)
        } catch {
            logger.error("operation failed", metadata: ["requestId": "\(requestId)", "error": "\(error)"])
            failure = .internalFailure()
            response = Self.errorResponse(
                .internalFailure(), protocolName: protocolName, bodyType: errorBodyType, requestID: requestId, queryCompatible: queryCompatible)
        }
        if let audit, let audited {
            audit.record(
                request, caller: audited.caller, session: verifier.temporary?.entry(for: audited.caller.accessKeyId)?.arn, model: audited.model,
                operation: audited.operation, input: audited.input, output: output, error: failure, requestID: requestId)
        }
        response.headers.append(("x-amzn-RequestId", requestId))
        return response
    }

    /// The protocol a request to these services is in: CBOR when it says so, `json` with an
    /// `X-Amz-Target`, `query` for services that speak it, else the services' own.
    static func wireProtocol(of request: IncomingRequest, among candidates: [ServiceDefinition]) -> String {
        let speaks = { (name: String) in candidates.contains { $0.model.metadata.speaks(name) } }
        if RPCv2CBOR.isRequest(request), speaks(RPCv2CBOR.name) { return RPCv2CBOR.name }
        if request.header("X-Amz-Target") != nil, speaks("json") { return "json" }
        if speaks("query") { return "query" }
        return candidates[0].model.metadata.protocol
    }

    private func resolve(
        _ request: IncomingRequest, among candidates: [ServiceDefinition], protocolName: String
    ) throws(AWSError) -> (ServiceDefinition, String, JSON) {
        let speakers = candidates.filter { $0.model.metadata.speaks(protocolName) }
        switch protocolName {
        case "query":
            let service = speakers[0]
            let parameters = QueryProtocol.parameters(request)
            let action = parameters["Action"] ?? ""
            guard let operation = service.model.operations[action] else {
                throw AWSError("InvalidAction", status: 400, "The action \(action) is not valid for this web service.")
            }
            return (service, action, try service.inputDecoder(for: action).decodeQuery(shapeName: operation.input, parameters: parameters))
        case "json", RPCv2CBOR.name:
            let isCBOR = protocolName == RPCv2CBOR.name
            let target = request.header("X-Amz-Target") ?? ""
            for service in speakers {
                let prefix = service.model.metadata.targetPrefix ?? ""
                let name = isCBOR ? RPCv2CBOR.operation(of: request, targetPrefix: prefix) : target.dropPrefix(prefix + ".")
                guard let name else { continue }
                guard let operation = service.model.operations[name] else { break }
                let body = isCBOR ? try RPCv2CBOR.jsonBody(request.body) : request.body
                return (service, name, try service.inputDecoder(for: name).decodeJSONBody(shapeName: operation.input, body: body))
            }
            throw AWSError("UnknownOperationException", status: 400, "The operation \(isCBOR ? request.rawPath : target) is not known.")
        default:
            let query = request.queryItems
            for service in speakers {
                guard let match = service.router.match(method: request.method, rawPath: request.rawPath, query: query) else { continue }
                let operation = service.model.operations[match.operation]!
                let input = try service.inputDecoder(for: match.operation).decode(shapeName: operation.input, request: request, labels: match.labels)
                return (service, match.operation, input)
            }
            throw AWSError("UnknownOperationException", status: 404, "No operation matches \(request.method) \(request.rawPath).")
        }
    }

    /// The AWS wire form of an error for the given protocol.
    /// A `queryCompatible` model's errors also name their `query` code: `x-amzn-query-error: Code;Sender`.
    public static func errorResponse(
        _ error: AWSError, protocolName: String = "rest-json", bodyType: String? = nil, requestID: String = "",
        queryCompatible model: ServiceModel? = nil
    ) -> OutgoingResponse {
        if protocolName == "query" { return QueryProtocol.error(error, requestID: requestID) }
        let queryError = model.map { model in
            [("x-amzn-query-error", "\(model[shape: error.code]?.code ?? error.code);\(error.status >= 500 ? "Receiver" : "Sender")")]
        } ?? []
        if protocolName == RPCv2CBOR.name { return RPCv2CBOR.error(error, headers: queryError) }
        if protocolName == "json" {
            return OutgoingResponse(
                status: error.status,
                headers: [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", error.code)] + queryError,
                body: JSON.object(["__type": .string(error.code), "message": .string(error.message)]).serialized())
        }
        var body: JSON = ["message": .string(error.message)]
        if let bodyType { body["Type"] = .string(bodyType) }
        for (name, value) in error.fields { body[name] = .string(value) }
        return OutgoingResponse(
            status: error.status,
            headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code)],
            body: body.serialized())
    }
}

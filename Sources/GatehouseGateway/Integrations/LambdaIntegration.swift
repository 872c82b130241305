import Foundation
import GatehouseFunctions
import GatehouseModel
import Synchronization

/// Calling a function from an integration, in both of AWS's forms: `AWS_PROXY` (the request
/// becomes the proxy event, payload format 1.0; the result becomes the response) and `AWS`
/// (the request template's output is the event; the result goes through Integration Response,
/// a function error selected by its `errorMessage`). A missing function or permission is a
/// 500, a function error or malformed proxy result a 502, as on AWS.
struct LambdaIntegration: Sendable {
    /// What calling functions takes: the current functions, a way to run them now, and the
    /// queue for `Event` invocations.
    struct Functions: Sendable {
        var catalog: FunctionCatalog
        var invoker: Invoker
        var async: AsyncInvocations
    }

    let functions: Functions
    let accountID: String
    /// Skip the resource-policy check (a server option for quick local work).
    let relaxedPermissions: Bool

    func proxy(_ invocation: Invocation, _ integration: DeployedIntegration, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse {
        let event = ProxyEvent.make(invocation)
        let result = try await call(invocation, integration, payload: event.serialized(), log: &log)
        if result.functionError != nil {
            log?.line("Lambda execution failed with status 200 due to customer function error: \(String(decoding: result.payload, as: UTF8.self))")
            throw .lambdaFailure
        }
        guard let response = ProxyResult.response(
            from: Data(result.payload), binaryMediaTypes: invocation.stage.api.binaryMediaTypes, accept: invocation.request.header("Accept"))
        else {
            log?.line("Execution failed due to configuration error: Malformed Lambda proxy response")
            throw .lambdaFailure
        }
        return response
    }

    /// Whether an `AWS` integration's uri invokes a function
    /// (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`).
    static func invokesFunction(_ uri: String?) -> Bool {
        guard let uri else { return false }
        return uri.contains(":lambda:path/") && uri.hasSuffix("/invocations")
    }

    /// `AWS`: an `Event` invocation type (`integration.request.header.X-Amz-Invocation-Type`)
    /// queues the call and maps an empty 200.
    func invoke(_ invocation: Invocation, _ integration: DeployedIntegration, log: inout ExecutionLog?) async throws(GatewayError) -> OutgoingResponse {
        let mapped = try IntegrationRequest.body(for: invocation, integration: integration, log: &log)
        let event = mapped.body
        let invocationType = integration.requestParameters["integration.request.header.X-Amz-Invocation-Type"].flatMap(invocation.value(of:))
        let backend: BackendResponse
        var selector = ""
        if invocationType == "Event" {
            let (_, arn) = try function(
                uri: invocation.substitutingStageVariables(integration.uri ?? ""), region: invocation.stage.region,
                sourceARN: invocation.resourceARN, role: integration.credentials, log: &log)
            log?.line("Endpoint request body after transformations: \(String(decoding: event, as: UTF8.self))")
            do {
                try await functions.async.enqueue(arn, payload: Array(event), requestID: invocation.requestID)
            } catch {
                log?.line("Execution failed: \(error.message)")
                throw .integrationFailure
            }
            backend = BackendResponse(status: 202, headers: [], body: Data())
        } else {
            let result = try await call(invocation, integration, payload: event, log: &log)
            backend = BackendResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(result.payload))
            if result.functionError != nil {
                // AWS matches selection patterns against the error's message.
                selector = (try? JSON(parsing: backend.body))?["errorMessage"]?.stringValue ?? ""
            }
        }
        return try IntegrationResponse.map(
            backend, selector: selector, invocation: invocation, integration: integration, requestOverride: mapped.responseOverride, log: &log)
    }

    /// The function and ARN a Lambda uri names, if it exists and may be invoked from `sourceARN`:
    /// its resource policy must allow API Gateway, unless the integration has a role to assume
    /// (`credentials`), which AWS uses instead.
    private func function(uri: String, region: String, sourceARN: String, role: String?, log: inout ExecutionLog?) throws(GatewayError) -> (FunctionSpec, LambdaARN) {
        guard let target = LambdaARN(integrationURI: uri, region: region, account: accountID) ?? Self.functionARN(uri, region: region, account: accountID) else {
            log?.line("Execution failed due to configuration error: Invalid Lambda function URI \(uri)")
            throw .configurationError
        }
        guard let function = functions.catalog.current[target], let spec = function.spec(qualifier: target.qualifier) else {
            log?.line("Execution failed due to configuration error: Lambda function \(target) does not exist")
            throw .configurationError
        }
        guard relaxedPermissions || role != nil || Self.permits(function.statements(for: target.qualifier), sourceARN: sourceARN, functionARN: target.description) else {
            log?.line("Execution failed due to configuration error: Invalid permissions on Lambda function")
            log?.line("Gatehouse: no statement in the function's policy lets apigateway.amazonaws.com invoke it from \(sourceARN). Add one with `aws lambda add-permission --function-name \(target.name) --statement-id apigateway --action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn \(sourceARN)`, or start Gatehouse with GATEHOUSE_LAMBDA_PERMISSIONS=relaxed.")
            throw .configurationError
        }
        return (spec, target)
    }

    /// Invokes the integration's function synchronously within the integration's timeout.
    private func call(_ invocation: Invocation, _ integration: DeployedIntegration, payload: Data, log: inout ExecutionLog?) async throws(GatewayError) -> InvocationResult {
        try await call(
            uri: invocation.substitutingStageVariables(integration.uri ?? ""), region: invocation.stage.region,
            sourceARN: invocation.resourceARN, timeoutMillis: integration.timeoutInMillis, payload: payload,
            role: integration.credentials, trace: invocation.trace, log: &log)
    }

    /// Invokes the function `uri` names (an integration URI or, as HTTP APIs allow, a function
    /// ARN) synchronously within `timeoutMillis`: a timeout is `integrationTimeout`, a function
    /// that cannot run `lambdaFailure`. With a `role` (the integration's `credentials`) the
    /// function's resource policy is not consulted. `trace` is the request's X-Ray trace.
    func call(
        uri: String, region: String, sourceARN: String, timeoutMillis: Int, payload: Data, role: String? = nil, trace: TraceHeader? = nil,
        log: inout ExecutionLog?
    ) async throws(GatewayError) -> InvocationResult {
        let (spec, arn) = try function(uri: uri, region: region, sourceARN: sourceARN, role: role, log: &log)
        log?.line("Endpoint request body after transformations: \(String(decoding: payload, as: UTF8.self))")
        let result: InvocationResult
        do {
            result = try await withTimeout(milliseconds: timeoutMillis) {
                try await functions.invoker.invoke(spec, payload: Array(payload), invokedArn: arn.description, trace: trace)
            }
        } catch let error as GatewayError {
            log?.line("Execution failed due to a timeout error")
            throw error
        } catch {
            log?.line("Execution failed due to configuration error: \((error as? AWSError)?.message ?? "\(error)")")
            throw .lambdaFailure
        }
        log?.line("Endpoint response body before transformations: \(String(decoding: result.payload, as: UTF8.self))")
        return result
    }

    /// A function ARN given as an HTTP API integration's URI (`arn:aws:lambda:…:function:name`).
    private static func functionARN(_ uri: String, region: String, account: String) -> LambdaARN? {
        uri.hasPrefix("arn:aws:lambda:") ? LambdaARN(parsing: uri, region: region, account: account) : nil
    }

    /// Whether a statement lets API Gateway invoke the function from `sourceARN`.
    static func permits(_ statements: [JSON], sourceARN: String, functionARN: String) -> Bool {
        statements.contains { statement in
            guard statement["Effect"] == "Allow" else { return false }
            let principal = statement["Principal"]?["Service"]?.stringValue ?? statement["Principal"]?.stringValue ?? ""
            guard principal == "apigateway.amazonaws.com" || principal == "*" else { return false }
            let action = statement["Action"]?.stringValue ?? ""
            guard action == "lambda:InvokeFunction" || action == "lambda:*" || action == "*" else { return false }
            guard let pattern = statement["Condition"]?["ArnLike"]?["AWS:SourceArn"]?.stringValue else { return true }
            return ARNPattern(pattern).matches(sourceARN)
        }
    }

    /// `body`'s result, or `integrationTimeout` once `milliseconds` pass — without waiting for a
    /// function that keeps running (it finishes, or times out, on its own).
    private func withTimeout<T: Sendable>(milliseconds: Int, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let answer = Once()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                if answer.claim() { continuation.resume(with: result) }
            }
            Task {
                try? await Task.sleep(for: .milliseconds(milliseconds))
                if answer.claim() { continuation.resume(throwing: GatewayError.integrationTimeout) }
            }
        }
    }
}

/// True for the first caller only: whichever of two racing tasks answers first.
private final class Once: Sendable {
    private let taken = Atomic<Bool>(false)

    func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
}

/// An IAM ARN pattern with `*` (any run of characters) and `?` (one character).
struct ARNPattern {
    private let expression: NSRegularExpression?

    init(_ pattern: String) {
        let escaped = NSRegularExpression.escapedPattern(for: pattern)
            .replacingOccurrences(of: "\\*", with: ".*").replacingOccurrences(of: "\\?", with: ".")
        expression = try? NSRegularExpression(pattern: "^\(escaped)$")
    }

    func matches(_ text: String) -> Bool {
        expression?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

extension GatewayError {
    /// A function error or a malformed proxy result: AWS answers 502.
    public static let lambdaFailure = GatewayError(
        responseType: "DEFAULT_5XX", status: 502, message: "Internal server error", errorType: "InternalServerErrorException")
}

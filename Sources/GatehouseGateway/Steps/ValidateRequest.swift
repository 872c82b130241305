import Foundation
import GatehouseModel

/// Method Request's validation: the method's request validator checks required parameters,
/// then the body against the model for its content type, as AWS does before any integration runs.
struct ValidateRequestStep: GatewayStep {
    var runsInTests: Bool { true }

    func attempt(_ invocation: inout Invocation, log: inout ExecutionLog?) throws(GatewayError) -> StepOutcome {
        try validate(invocation, log: &log)
        return .proceed
    }

    private func validate(_ invocation: Invocation, log: inout ExecutionLog?) throws(GatewayError) {
        let method = invocation.match.method
        guard let id = method.requestValidatorID, let validator = invocation.stage.api.validators[id] else { return }
        if validator.validatesParameters {
            // AWS lists the names ordered by their full keys: headers, then path, then query string.
            let missing = method.requestParameters.filter { $0.value && !isPresent($0.key, in: invocation) }.keys.sorted()
                .map { $0.split(separator: ".", maxSplits: 3).last.map(String.init) ?? $0 }
            if !missing.isEmpty {
                let message = "Missing required request parameters: [\(missing.joined(separator: ", "))]"
                log?.line("Request validation failed for parameters: \(message)")
                throw GatewayError.badRequestParameters(message)
            }
        }
        if validator.validatesBody {
            let contentType = IntegrationRequest.mediaType(invocation.request.header("Content-Type")) ?? "application/json"
            guard let name = method.requestModels[contentType] ?? method.requestModels["$default"], name != "Empty",
                let schema = invocation.stage.api.models[name]
            else { return }
            let problems: [String]
            do {
                let body = invocation.request.body.isEmpty ? Data("{}".utf8) : invocation.request.body
                problems = schema.validate(try JSON(parsing: body))
            } catch {
                problems = ["Invalid JSON: \(error)"]
            }
            if !problems.isEmpty {
                let details = "[" + problems.joined(separator: ", ") + "]"
                log?.line("Request body does not match model schema for content type \(contentType): \(details)")
                throw GatewayError.badRequestBody(details)
            }
        }
    }

    /// Whether a `method.request.{path,querystring,header}.NAME` parameter came with the request,
    /// not blank (AWS: "included and not blank").
    private func isPresent(_ parameter: String, in invocation: Invocation) -> Bool {
        guard let value = invocation.value(of: parameter) else { return false }
        return !value.trimmingCharacters(in: .whitespaces).isEmpty
    }
}

extension GatewayError {
    static func badRequestParameters(_ message: String) -> GatewayError {
        var error = GatewayError(responseType: "BAD_REQUEST_PARAMETERS", status: 400, message: message, errorType: "BadRequestException")
        error.validationErrorString = message
        return error
    }

    static func badRequestBody(_ details: String) -> GatewayError {
        var error = GatewayError(responseType: "BAD_REQUEST_BODY", status: 400, message: "Invalid request body", errorType: "BadRequestException")
        error.validationErrorString = details
        return error
    }
}

import Foundation
import GatehouseModel
import Velocity

/// A mapping template, parsed once per deployment and rendered per request.
///
/// A template with no `$` or `#` renders as itself without touching the engine (MOCK's
/// `{"statusCode": 200}`); otherwise only the variables its source mentions are built.
public struct MappingTemplate: Sendable {
    /// The root variables a template may read.
    struct Roots: OptionSet, Sendable {
        let rawValue: UInt8
        static let input = Roots(rawValue: 1)
        static let util = Roots(rawValue: 2)
        static let context = Roots(rawValue: 4)
        static let stageVariables = Roots(rawValue: 8)
    }

    public let source: String
    let mentions: Roots
    private let parsed: Result<VelocityTemplate, VelocityError>?

    public init(_ source: String) {
        self.source = source
        guard source.contains("$") || source.contains("#") else {
            parsed = nil
            mentions = []
            return
        }
        do {
            // API Gateway renders unset references (a missing `$input.path(…)` member) as nothing.
            parsed = .success(try VelocityTemplate(source, quietReferences: true))
        } catch let error as VelocityError {
            parsed = .failure(error)
        } catch {
            parsed = .failure(.parse(message: "\(error)", line: 1, column: 1))
        }
        var mentions: Roots = []
        if source.contains("input") { mentions.insert(.input) }
        if source.contains("util") { mentions.insert(.util) }
        if source.contains("context") { mentions.insert(.context) }
        if source.contains("stageVariables") { mentions.insert(.stageVariables) }
        self.mentions = mentions
    }

    /// The text as it renders without any variables, when it has no Velocity markup at all.
    var literal: String? { parsed == nil ? source : nil }

    /// The rendered text; `variables` keeps what the template `#set`.
    func render(_ variables: inout [String: VelocityValue]) throws -> String {
        switch parsed {
        case nil: return source
        case .success(let template)?: return try template.render(variables: &variables)
        case .failure(let error)?: throw error
        }
    }
}

extension MappingTemplate {
    /// The response template for a client's Accept header: the first accepted type with a
    /// template, else `application/json`'s, else the first by name.
    static func select(from templates: [String: MappingTemplate], accept: String?) -> (contentType: String, template: MappingTemplate)? {
        guard !templates.isEmpty else { return nil }
        for part in (accept ?? "").split(separator: ",") {
            if let type = IntegrationRequest.mediaType(String(part)), let template = templates[type] { return (type, template) }
        }
        if let template = templates["application/json"] { return ("application/json", template) }
        let first = templates.keys.min()!
        return (first, templates[first]!)
    }

    /// Renders a template of a request or integration response for `invocation`, turning
    /// failures into AWS's answers: a payload that is not JSON is a 400, anything else a
    /// configuration error (`Unable to transform request` in the execution log).
    static func transform(
        _ template: MappingTemplate, invocation: any TemplateSource, payload: Data, stage: String, log: inout ExecutionLog?
    ) throws(GatewayError) -> (body: String, responseOverride: ResponseOverride?) {
        let variables = TemplateVariables(for: template, invocation: invocation, payload: payload, responseOverride: true)
        var values = variables.values
        do {
            return (try template.render(&values), variables.responseOverride)
        } catch TemplateFailure.invalidJSON(let reason) {
            log?.line("Execution failed due to configuration error: Unable to transform \(stage): \(reason)")
            throw GatewayError.unparsableBody(reason)
        } catch {
            log?.line("Execution failed due to configuration error: Unable to transform \(stage): \(error)")
            throw GatewayError.configurationError
        }
    }
}

extension GatewayError {
    /// A template read a body that is not JSON as JSON.
    static func unparsableBody(_ reason: String) -> GatewayError {
        GatewayError(
            responseType: "BAD_REQUEST_BODY", status: 400, message: "Could not parse request body into json: \(reason)",
            errorType: "BadRequestException")
    }
}

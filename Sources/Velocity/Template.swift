/// A parsed Velocity template, ready to render any number of times from any thread.
///
/// Parsing happens once, in `init`; rendering walks the tree with a fresh context each call and
/// costs roughly one pass over the nodes plus the method calls the template makes.
///
/// ```swift
/// let template = try VelocityTemplate(#"{"name": "$name"}"#)
/// let body = try template.render(context: ["name": "Ada"])  // {"name": "Ada"}
/// ```
public struct VelocityTemplate: Sendable {
    let nodes: [Node]
    let macros: [String: Macro]
    let quietReferences: Bool

    /// Parses `source`; throws ``VelocityError/parse(message:line:column:)`` when it is invalid.
    ///
    /// With `quietReferences`, an unset reference renders as nothing (as `$!x` does) instead of
    /// as written — the convention of hosts such as API Gateway.
    public init(_ source: String, quietReferences: Bool = false) throws {
        var parser = Parser(source)
        nodes = try parser.parseTemplate()
        macros = parser.macros
        self.quietReferences = quietReferences
    }

    /// Renders the template with `context` as its variables.
    ///
    /// Throws ``VelocityError/evaluation(message:line:column:)`` for failures Velocity also
    /// throws on (an index out of range, an invalid regular expression, runaway macro recursion)
    /// and rethrows what host ``VelocityObject``s throw.
    public func render(context: [String: VelocityValue] = [:]) throws -> String {
        var variables = context
        return try render(variables: &variables)
    }

    /// Renders the template with `variables`, leaving in them what its `#set`s wrote — how an
    /// embedder reads values a template sets for it (API Gateway's `$context.responseOverride`).
    public func render(variables: inout [String: VelocityValue]) throws -> String {
        let renderer = Renderer(globals: variables, macros: macros, quietReferences: quietReferences)
        let output = try renderer.render(nodes)
        variables = renderer.globals
        return output
    }
}

/// Renders nodes and evaluates expressions for one `render(context:)` call.
///
/// Variables live in the caller's context (the global frame) plus one frame per running
/// `#foreach` or macro. `#set` writes to the innermost frame that already holds the name, else
/// to the global frame, so loop variables and macro arguments vanish when their block ends.
///
/// `#set` with a null right-hand side leaves the variable unchanged — Velocity 1.7's default
/// (`directive.set.null.allowed = false`).
final class Renderer {
    enum Flow { case normal, breakLoop, stop }

    private var output = ""
    private(set) var globals: [String: VelocityValue]
    private var frames: [[String: VelocityValue]] = []
    private let macros: [String: Macro]
    /// Whether unset references render as nothing, as if every one were quiet.
    private let quietReferences: Bool
    private var macroDepth = 0
    /// Velocity's `velocimacro.max.depth`.
    static let maximumMacroDepth = 20
    /// A guard against `[1..999999999]` exhausting memory.
    static let maximumRangeSize = 1_000_000

    init(globals: [String: VelocityValue], macros: [String: Macro], quietReferences: Bool = false) {
        self.globals = globals
        self.macros = macros
        self.quietReferences = quietReferences
    }

    func render(_ nodes: [Node]) throws -> String {
        _ = try renderNodes(nodes)
        return output
    }

    // MARK: Variables

    func lookup(_ name: String) throws -> VelocityValue? {
        guard let value = binding(of: name) else { return nil }
        if case .object(let argument as MacroArgument) = value { return try evaluateInCallerScope(argument) }
        return value
    }

    /// What `name` is bound to, a ``MacroArgument`` left unevaluated.
    private func binding(of name: String) -> VelocityValue? {
        for frame in frames.reversed() {
            if let value = frame[name] { return value }
        }
        return globals[name]
    }

    func assign(_ name: String, _ value: VelocityValue) {
        for index in frames.indices.reversed() where frames[index][name] != nil {
            frames[index][name] = value
            return
        }
        globals[name] = value
    }

    // MARK: Nodes

    private func renderNodes(_ nodes: [Node]) throws -> Flow {
        for node in nodes {
            let flow = try render(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    /// Renders `nodes` into a string of their own, for `"interpolated $strings"` and `#define`.
    func capture(_ nodes: [Node]) throws -> String {
        let saved = output
        output = ""
        _ = try renderNodes(nodes)
        let captured = output
        output = saved
        return captured
    }

    private func render(_ node: Node) throws -> Flow {
        switch node {
        case .text(let text):
            output += text
        case .reference(let reference, let backslashes):
            try renderReference(reference, backslashes: backslashes)
        case .set(let target, let expression, _):
            let value = try evaluate(expression)
            if !value.isNull { try set(target, to: value) }
        case .conditional(let branches, let otherwise):
            for branch in branches where try isTrue(branch.condition) {
                return try renderNodes(branch.body)
            }
            return try renderNodes(otherwise)
        case .loop(let variable, let iterable, let body, let location):
            return try renderLoop(variable: variable, over: try evaluate(iterable), body: body, at: location)
        case .breakLoop:
            return .breakLoop
        case .stop:
            return .stop
        case .macroCall(let name, let arguments, let source, let location):
            return try callMacro(name, arguments: arguments, source: source, at: location)
        case .define(let name, let body):
            assign(name, .object(DefinedBlock(body: body)))
        }
        return .normal
    }

    /// Unset references render as written unless quiet — a macro parameter as the caller wrote
    /// its argument. Backslashes escape a defined reference in pairs (`\$x` → `$x`,
    /// `\\$x` → `\` + value); before an undefined one they all stay.
    private func renderReference(_ reference: Reference, backslashes: Int) throws {
        let value = try resolve(reference)
        if value.isNull {
            output += String(repeating: "\\", count: backslashes)
            if !(reference.quiet || quietReferences) || backslashes > 0 { output += literal(of: reference) }
            return
        }
        output += String(repeating: "\\", count: backslashes / 2)
        output += backslashes % 2 == 1 ? reference.source : try text(of: value)
    }

    /// How an unset reference renders: as written, or — for a bare macro parameter bound to a
    /// reference — as the caller wrote that argument.
    private func literal(of reference: Reference) -> String {
        guard reference.segments.isEmpty,
            case .object(let argument as MacroArgument)? = binding(of: reference.root),
            case .reference(let passed) = argument.expression
        else { return reference.source }
        return passed.source
    }

    func text(of value: VelocityValue) throws -> String {
        if case .object(let object) = value, let block = object as? DefinedBlock {
            return try capture(block.body)
        }
        return value.renderedText
    }

    private func renderLoop(variable: String, over collection: VelocityValue, body: [Node], at location: SourceLocation)
        throws -> Flow
    {
        let items: [VelocityValue]
        switch collection {
        case .list(let values): items = values
        case .map(let map): items = map.values
        case .object(let object): items = object.elements ?? []
        default: items = []
        }
        frames.append([:])
        defer { frames.removeLast() }
        for (index, item) in items.enumerated() {
            let last = frames.count - 1
            frames[last][variable] = item
            frames[last]["velocityCount"] = .int(Int64(index + 1))
            frames[last]["velocityHasNext"] = .bool(index < items.count - 1)
            frames[last]["foreach"] = .object(LoopState(index: index, total: items.count))
            switch try renderNodes(body) {
            case .normal: continue
            case .breakLoop: return .normal
            case .stop: return .stop
            }
        }
        return .normal
    }

    /// Arguments are passed by name, as in Velocity 1.7: each read of a parameter evaluates the
    /// argument again, in the caller's scope. Extra arguments are ignored; a parameter without
    /// one reads the variable of that name, as Velocity 1.7 does. A call to no macro renders as
    /// written.
    private func callMacro(_ name: String, arguments: [Expression], source: String, at location: SourceLocation)
        throws -> Flow
    {
        guard let macro = macros[name] else {
            output += source
            return .normal
        }
        guard macroDepth < Renderer.maximumMacroDepth else {
            throw VelocityError.evaluation("macro #\(name) nests deeper than \(Renderer.maximumMacroDepth)", at: location)
        }
        var frame: [String: VelocityValue] = [:]
        for (parameter, argument) in zip(macro.parameters, arguments) {
            frame[parameter] = .object(MacroArgument(expression: argument, scopeDepth: frames.count))
        }
        frames.append(frame)
        macroDepth += 1
        defer {
            frames.removeLast()
            macroDepth -= 1
        }
        return try renderNodes(macro.body)
    }

    /// Evaluates a macro argument with only the frames its caller could see.
    private func evaluateInCallerScope(_ argument: MacroArgument) throws -> VelocityValue {
        let hidden = frames[argument.scopeDepth...]
        frames.removeSubrange(argument.scopeDepth...)
        defer { frames += hidden }
        return try evaluate(argument.expression)
    }

    // MARK: Expressions

    func evaluate(_ expression: Expression) throws -> VelocityValue {
        switch expression {
        case .literal(let value):
            return value
        case .interpolated(let nodes):
            return .string(try capture(nodes))
        case .reference(let reference):
            return try resolve(reference)
        case .list(let elements):
            return .list(try elements.map(evaluate))
        case .range(let from, let to, let location):
            return try range(try evaluate(from), try evaluate(to), at: location)
        case .map(let entries):
            var map = VelocityMap()
            for entry in entries {
                map[try evaluate(entry.key).renderedText] = try evaluate(entry.value)
            }
            return .map(map)
        case .not, .binary(.and, _, _, _), .binary(.or, _, _, _):
            return .bool(try isTrue(expression))
        case .binary(.add, let left, let right, _):
            var augend = try evaluate(left)
            var addend = try evaluate(right)
            // Velocity 1.7 joins a null reference to a string as it is written: 'x' + $missing is x$missing.
            if case .string = addend, augend.isNull, case .reference(let reference) = left {
                augend = .string(literal(of: reference))
            }
            if case .string = augend, addend.isNull, case .reference(let reference) = right {
                addend = .string(literal(of: reference))
            }
            return Operators.apply(.add, augend, addend)
        case .binary(let op, let left, let right, _):
            return Operators.apply(op, try evaluate(left), try evaluate(right))
        }
    }

    /// Whether `expression` holds as a condition. Velocity 1.7 asks the kind of expression, not
    /// only its value: a reference is true unless null or false, a comparison or logical operation
    /// by its result, `true` and `false` as written — and any other literal or arithmetic is
    /// false whatever its value, so `#if('x')`, `#if(1)` and `#if([1])` all fail.
    func isTrue(_ expression: Expression) throws -> Bool {
        switch expression {
        case .literal(.bool(let value)):
            return value
        case .reference:
            return try evaluate(expression).isTruthy
        case .not(let operand):
            return try !isTrue(operand)
        case .binary(.and, let left, let right, _):
            return try isTrue(left) && isTrue(right)
        case .binary(.or, let left, let right, _):
            return try isTrue(left) || isTrue(right)
        case .binary(.equal, _, _, _), .binary(.notEqual, _, _, _), .binary(.less, _, _, _),
            .binary(.greater, _, _, _), .binary(.lessOrEqual, _, _, _), .binary(.greaterOrEqual, _, _, _):
            return try evaluate(expression) == .bool(true)
        default:
            return false
        }
    }

    private func range(_ from: VelocityValue, _ to: VelocityValue, at location: SourceLocation) throws -> VelocityValue {
        guard case .int(let first) = from, case .int(let last) = to else { return .null }
        guard first.distance(to: last).magnitude < Renderer.maximumRangeSize else {
            throw VelocityError.evaluation("range [\(first)..\(last)] is too large", at: location)
        }
        let values = first <= last ? Array(first...last) : Array((last...first).reversed())
        return .list(values.map { .int($0) })
    }
}

/// The body of a `#define`, rendered afresh wherever its reference appears.
struct DefinedBlock: VelocityObject {
    var body: [Node]
}

/// A macro parameter's binding: the caller's argument expression, unevaluated, and how many
/// frames were in scope at the call.
struct MacroArgument: VelocityObject {
    var expression: Expression
    var scopeDepth: Int
}

/// `$foreach` inside a loop: `index`, `count`, `hasNext`, `first`, `last` — answered from two
/// numbers rather than a map built for every iteration.
struct LoopState: VelocityObject {
    let index: Int
    let total: Int

    func property(_ name: String) throws -> VelocityValue? {
        switch name {
        case "index": .int(Int64(index))
        case "count": .int(Int64(index + 1))
        case "hasNext": .bool(index < total - 1)
        case "first": .bool(index == 0)
        case "last": .bool(index == total - 1)
        default: nil
        }
    }

    func call(_ method: String, arguments: [VelocityValue]) throws -> VelocityValue? {
        guard arguments.isEmpty else { return nil }
        switch method {
        case "getIndex": return try property("index")
        case "getCount": return try property("count")
        case "hasNext", "isFirst", "isLast":
            return try property(method == "hasNext" ? method : String(method.dropFirst(2)).lowercased())
        default: return nil
        }
    }

    var renderedText: String { "{index=\(index), count=\(index + 1), hasNext=\(index < total - 1)}" }
}

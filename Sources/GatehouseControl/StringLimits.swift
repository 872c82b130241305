import GatehouseModel

/// How long a string may be: the model's own `min` and `max` where it has them (Lambda's and
/// Logs' do), else Gatehouse's caps, since API Gateway's model carries none. AWS's documented
/// limits where there are some — tag keys 128 characters and values 256, stage variable names 64
/// and values 512, API key names 1,024 (applied to every `name`) — and Gatehouse's own elsewhere:
/// descriptions 4,096, map keys 1,024, any other string 400 KB (AWS's quota on a model's
/// schema). `docs/aws/limits.md` records the sources.
enum StringLimits {
    static let maxStringLength = 409_600

    /// The most characters a value of the member `name` (or an element of it) may hold.
    static func maximum(member name: String, shape: ServiceModel.Shape?) -> Int {
        if let max = shape?.max { return Int(max) }
        // API Gateway v1 names members `name`, v2 `Name`.
        switch name.prefix(1).lowercased() + name.dropFirst() {
        case "name": return 1024
        case "description": return 4096
        case "tags": return 256
        case "variables", "stageVariables": return 512
        default: return maxStringLength
        }
    }

    /// The most characters a key of the map member `name` may hold.
    static func maximumKey(ofMap name: String, shape: ServiceModel.Shape?) -> Int {
        if let max = shape?.max { return Int(max) }
        switch name.prefix(1).lowercased() + name.dropFirst() {
        case "tags": return 128
        case "variables", "stageVariables": return 64
        default: return 1024
        }
    }

    /// A broken limit: AWS's validation wording, and whether the model states the limit (the
    /// service's validation error answers it) or Gatehouse does (`BadRequestException`, as the
    /// API Gateway services answer bad input).
    struct Violation {
        var constraint: String
        var isModelConstraint: Bool
    }

    /// The limit a value of the member `name` breaks, or nil. API Gateway v2's model states its
    /// limits in shape names (`StringWithLengthBetween1And128`) rather than `min`/`max`.
    static func violation(_ text: String, member name: String, shape: ServiceModel.Shape?, shapeName: String = "") -> Violation? {
        if let (minimum, maximum) = lengthBounds(inShapeName: shapeName) {
            return violation(text, maximum: maximum, minimum: Double(minimum), fromModel: true)
        }
        return violation(text, maximum: maximum(member: name, shape: shape), minimum: shape?.min, fromModel: shape?.max != nil)
    }

    /// `(1, 128)` from `StringWithLengthBetween1And128`.
    static func lengthBounds(inShapeName name: String) -> (Int, Int)? {
        let prefix = "StringWithLengthBetween"
        guard name.hasPrefix(prefix), case let rest = name.dropFirst(prefix.count), let and = rest.range(of: "And"),
            let minimum = Int(rest[..<and.lowerBound]), let maximum = Int(rest[and.upperBound...])
        else { return nil }
        return (minimum, maximum)
    }

    /// The same for a key of the map member `name`.
    static func violation(_ text: String, mapKeyOf name: String, shape: ServiceModel.Shape?) -> Violation? {
        violation(text, maximum: maximumKey(ofMap: name, shape: shape), minimum: shape?.min, fromModel: shape?.max != nil)
    }

    private static func violation(_ text: String, maximum: Int, minimum: Double?, fromModel: Bool) -> Violation? {
        // A string has no more characters than UTF-8 bytes: most values need no counting.
        if text.utf8.count > maximum, text.count > maximum {
            return Violation(constraint: "Member must have length less than or equal to \(maximum)", isModelConstraint: fromModel)
        }
        if let minimum, text.count < Int(minimum) {
            return Violation(constraint: "Member must have length greater than or equal to \(Int(minimum))", isModelConstraint: true)
        }
        return nil
    }
}

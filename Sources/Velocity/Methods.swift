/// The Java methods templates call on built-in values, and bean-style property access.
///
/// A method the receiver does not have, or arguments of the wrong kinds, answer nil: the
/// reference then renders as written, as Velocity does when it cannot find a method. What Java
/// would throw for (an index out of range) throws ``VelocityError/evaluation(message:line:column:)``.
enum Methods {
    /// `$value.name`: a host object's property; on a map only the key, as Velocity 1.7 asks a
    /// `Map` for `get(name)` before any getter (so `$m.empty` is not `isEmpty()`); else a bean
    /// getter (`$s.empty` → `isEmpty()`; `$x.class` is not supported).
    static func property(_ name: String, of receiver: VelocityValue, at location: SourceLocation) throws -> VelocityValue {
        if case .object(let object) = receiver { return try object.property(name) ?? .null }
        if case .map(let map) = receiver { return map[name] ?? .null }
        let capitalized = name.prefix(1).uppercased() + name.dropFirst()
        if let value = try call("get" + capitalized, on: receiver, [], at: location) { return value }
        return try call("is" + capitalized, on: receiver, [], at: location) ?? .null
    }

    /// `$value[index]`: a list element or a map value.
    static func index(_ receiver: VelocityValue, by index: VelocityValue, at location: SourceLocation) throws
        -> VelocityValue
    {
        switch (receiver, index) {
        case (.list, .int): return try call("get", on: receiver, [index], at: location) ?? .null
        case (.map(let map), _): return map[index.renderedText] ?? .null
        case (.object(let object), _): return try object.call("get", arguments: [index]) ?? .null
        default: return .null
        }
    }

    /// A method that does not change its receiver; nil when there is no such method.
    static func call(_ name: String, on receiver: VelocityValue, _ arguments: [VelocityValue], at location: SourceLocation)
        throws -> VelocityValue?
    {
        switch (name, arguments.count) {
        case ("toString", 0): return .string(receiver.renderedText)
        case ("equals", 1): return .bool(receiver == arguments[0])
        default: break
        }
        switch receiver {
        case .string(let string): return try StringMethods.call(name, on: string, arguments, at: location)
        case .list(let list): return try listMethod(name, on: list, arguments, at: location)
        case .map(let map): return mapMethod(name, on: map, arguments)
        case .int, .double: return numberMethod(name, on: receiver, arguments)
        case .object(let object): return try object.call(name, arguments: arguments)
        case .null, .bool: return nil
        }
    }

    /// A method that changes a list or map: its result and the updated receiver; nil for any
    /// other method or receiver.
    static func mutate(_ receiver: VelocityValue, _ name: String, _ arguments: [VelocityValue], at location: SourceLocation)
        throws -> (result: VelocityValue, updated: VelocityValue)?
    {
        switch (receiver, name, arguments.count) {
        case (.list(var list), "add", 1):
            list.append(arguments[0])
            return (.bool(true), .list(list))
        case (.list(var list), "add", 2):
            guard case .int(let index) = arguments[0] else { return nil }
            guard index >= 0, index <= list.count else { throw outOfRange(index, count: list.count, at: location) }
            list.insert(arguments[1], at: Int(index))
            return (.null, .list(list))
        case (.list(var list), "addAll", 1):
            guard case .list(let more) = arguments[0] else { return nil }
            list += more
            return (.bool(!more.isEmpty), .list(list))
        case (.list(var list), "set", 2):
            guard case .int(let index) = arguments[0] else { return nil }
            guard list.indices.contains(Int(index)) else { throw outOfRange(index, count: list.count, at: location) }
            let previous = list[Int(index)]
            list[Int(index)] = arguments[1]
            return (previous, .list(list))
        case (.list(var list), "remove", 1):
            if case .int(let index) = arguments[0] {
                guard list.indices.contains(Int(index)) else { throw outOfRange(index, count: list.count, at: location) }
                return (list.remove(at: Int(index)), .list(list))
            }
            guard let position = list.firstIndex(of: arguments[0]) else { return (.bool(false), receiver) }
            list.remove(at: position)
            return (.bool(true), .list(list))
        case (.list, "clear", 0):
            return (.null, .list([]))
        case (.map(var map), "put", 2):
            let key = arguments[0].renderedText
            let previous = map[key] ?? .null
            map[key] = arguments[1]
            return (previous, .map(map))
        case (.map(var map), "putAll", 1):
            guard case .map(let more) = arguments[0] else { return nil }
            for (key, value) in more.entries { map[key] = value }
            return (.null, .map(map))
        case (.map(var map), "remove", 1):
            let key = arguments[0].renderedText
            let previous = map[key] ?? .null
            map[key] = nil
            return (previous, .map(map))
        case (.map, "clear", 0):
            return (.null, .map(VelocityMap()))
        default:
            return nil
        }
    }

    private static func listMethod(_ name: String, on list: [VelocityValue], _ arguments: [VelocityValue], at location: SourceLocation)
        throws -> VelocityValue?
    {
        switch (name, arguments.first) {
        case ("size", nil): return .int(Int64(list.count))
        case ("isEmpty", nil): return .bool(list.isEmpty)
        case ("get", .int(let index)?):
            guard list.indices.contains(Int(index)) else { throw outOfRange(index, count: list.count, at: location) }
            return list[Int(index)]
        case ("contains", let element?): return .bool(list.contains(element))
        case ("indexOf", let element?): return .int(Int64(list.firstIndex(of: element) ?? -1))
        case ("lastIndexOf", let element?): return .int(Int64(list.lastIndex(of: element) ?? -1))
        default: return nil
        }
    }

    private static func mapMethod(_ name: String, on map: VelocityMap, _ arguments: [VelocityValue]) -> VelocityValue? {
        switch (name, arguments.first) {
        case ("get", let key?): return map[key.renderedText] ?? .null
        case ("containsKey", let key?): return .bool(map[key.renderedText] != nil)
        case ("containsValue", let value?): return .bool(map.values.contains(value))
        case ("keySet", nil): return .list(map.keys.map { .string($0) })
        case ("values", nil): return .list(map.values)
        case ("entrySet", nil): return .list(map.entries.map { ["key": .string($0.key), "value": $0.value] })
        case ("size", nil): return .int(Int64(map.count))
        case ("isEmpty", nil): return .bool(map.count == 0)
        default: return nil
        }
    }

    private static func numberMethod(_ name: String, on number: VelocityValue, _ arguments: [VelocityValue]) -> VelocityValue? {
        guard arguments.isEmpty else { return nil }
        switch (name, number) {
        case ("intValue", .double(let value)), ("longValue", .double(let value)):
            return value.isFinite ? .int(Int64(value)) : nil
        case ("intValue", .int), ("longValue", .int): return number
        case ("doubleValue", _): return Operators.double(number).map { .double($0) }
        default: return nil
        }
    }

    static func outOfRange(_ index: Int64, count: Int, at location: SourceLocation) -> VelocityError {
        .evaluation("index \(index) is out of range for length \(count)", at: location)
    }
}

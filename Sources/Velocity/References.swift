/// Resolving `$root.property.method(…)[index]` chains, and writing through them.
///
/// Lists and maps are values, so a mutating method (`$list.add(…)`, `$map.put(…)`) or a
/// `#set($map.key = …)` rebuilds the container and stores it back along the path it was read
/// from — map keys, list indices and `get(…)` calls. Mutating a container reached any other
/// way (say, the result of `keySet()`) changes only that temporary copy.
extension Renderer {
    private enum PathKey {
        case key(String)
        case index(Int)
    }

    /// The reference's value, or `.null` when any step along the chain is null or missing.
    func resolve(_ reference: Reference) throws -> VelocityValue {
        guard var current = try lookup(reference.root) else { return .null }
        var path: [PathKey]? = []
        for segment in reference.segments {
            switch segment {
            case .property(let name):
                current = try Methods.property(name, of: current, at: reference.location)
                path?.append(.key(name))
            case .index(let expression):
                let index = try evaluate(expression)
                current = try Methods.index(current, by: index, at: reference.location)
                if let key = pathKey(for: index) { path?.append(key) } else { path = nil }
            case .method(let name, let expressions):
                let arguments = try expressions.map(evaluate)
                if let mutation = try Methods.mutate(current, name, arguments, at: reference.location) {
                    if let path { try store(mutation.updated, into: reference.root, along: path[...]) }
                    current = mutation.result
                    path = nil
                } else {
                    let receiver = current
                    current = try Methods.call(name, on: receiver, arguments, at: reference.location) ?? .null
                    if name == "get", arguments.count == 1, let key = pathKey(for: arguments[0]) {
                        path?.append(key)
                    } else {
                        path = nil
                    }
                }
            }
            if current.isNull { return .null }
        }
        return current
    }

    /// `#set($target = value)`, where the target may reach into maps and lists.
    func set(_ target: Reference, to value: VelocityValue) throws {
        guard !target.segments.isEmpty else {
            assign(target.root, value)
            return
        }
        var path: [PathKey] = []
        for segment in target.segments {
            switch segment {
            case .property(let name): path.append(.key(name))
            case .index(let expression):
                guard let key = pathKey(for: try evaluate(expression)) else { return }
                path.append(key)
            case .method: return
            }
        }
        guard try lookup(target.root) != nil else { return }
        try store(value, into: target.root, along: path[...])
    }

    private func pathKey(for value: VelocityValue) -> PathKey? {
        switch value {
        case .int(let index): .index(Int(index))
        case .string(let key): .key(key)
        default: nil
        }
    }

    private func store(_ value: VelocityValue, into root: String, along path: ArraySlice<PathKey>) throws {
        guard let container = try lookup(root) else { return }
        if let updated = replacing(in: container, along: path, with: value) {
            assign(root, updated)
        }
    }

    /// `container` with the value at `path` replaced; nil when the path does not lead anywhere
    /// writable (a host object that refuses, a missing key on the way, an index out of range).
    private func replacing(in container: VelocityValue, along path: ArraySlice<PathKey>, with value: VelocityValue)
        -> VelocityValue?
    {
        guard let first = path.first else { return value }
        let rest = path.dropFirst()
        switch (container, first) {
        case (.map(var map), .key(let key)):
            if rest.isEmpty {
                map[key] = value
            } else {
                guard let child = map[key], let updated = replacing(in: child, along: rest, with: value) else {
                    return nil
                }
                map[key] = updated
            }
            return .map(map)
        case (.list(var list), .index(let index)):
            guard list.indices.contains(index),
                let updated = replacing(in: list[index], along: rest, with: value)
            else { return nil }
            list[index] = updated
            return .list(list)
        case (.object(let object), .key(let key)):
            // Host objects are references: a write lands in the object itself.
            if rest.isEmpty { return object.setProperty(key, to: value) ? container : nil }
            guard let child = try? object.property(key), case .object = child, replacing(in: child, along: rest, with: value) != nil
            else { return nil }
            return container
        default:
            return nil
        }
    }
}

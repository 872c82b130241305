import Foundation
import GatehouseModel
import NIOHTTP1
import Velocity

/// HTTP APIs' parameter mapping: how an integration changes the request on its way to the
/// backend (`append|overwrite|remove:header.NAME`, `…:querystring.NAME`, `overwrite:path`) and,
/// per status code, the response on its way back (`…:header.NAME`, `overwrite:statuscode`).
/// Values are static text, one reference (`$request.header.NAME`, `$request.querystring.NAME`,
/// `$request.path.NAME`, `$request.path`, `$request.body.PATH`, `$context.NAME`,
/// `$stageVariables.NAME`, `$response.header.NAME`, `$response.body.PATH`), or text combining
/// references as `${request.header.NAME}`.
struct ParameterMapping: Sendable {
    enum Operation: String, Sendable {
        case append, overwrite, remove
    }

    enum Target: Sendable, Equatable {
        case header(String)
        case querystring(String)
        case path
        case statusCode
    }

    struct Entry: Sendable {
        var operation: Operation
        var target: Target
        var value: String
    }

    let entries: [Entry]

    init(_ parameters: [String: String]) {
        entries = parameters.sorted { $0.key < $1.key }.compactMap { key, value in
            let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let operation = Operation(rawValue: parts[0]) else { return nil }
            let target: Target
            if let name = parts[1].dropPrefix("header.") {
                target = .header(name)
            } else if let name = parts[1].dropPrefix("querystring.") {
                target = .querystring(name)
            } else if parts[1] == "path" {
                target = .path
            } else if parts[1] == "statuscode" {
                target = .statusCode
            } else {
                return nil
            }
            return Entry(operation: operation, target: target, value: value)
        }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Whether the mapping changes the query string (else it goes to the backend as sent).
    var mapsQuery: Bool {
        entries.contains { if case .querystring = $0.target { true } else { false } }
    }

    /// The request to the backend: its headers, query and path with the mapping applied.
    func apply(to headers: inout HTTPHeaders, query: inout [(name: String, value: String)], path: inout String?, _ invocation: HTTPInvocation) {
        for entry in entries {
            let value = resolve(entry.value, invocation, response: nil)
            switch (entry.target, entry.operation) {
            case (.header(let name), .append): if let value { headers.add(name: name, value: value) }
            case (.header(let name), .overwrite): if let value { headers.replaceOrAdd(name: name, value: value) }
            case (.header(let name), .remove): headers.remove(name: name)
            case (.querystring(let name), .append): if let value { query.append((name, value)) }
            case (.querystring(let name), .overwrite):
                query.removeAll { $0.name == name }
                if let value { query.append((name, value)) }
            case (.querystring(let name), .remove): query.removeAll { $0.name == name }
            case (.path, .overwrite): if let value { path = value }
            default: continue
            }
        }
    }

    /// The response to the client with the mapping for its status applied.
    func apply(to response: inout OutgoingResponse, _ invocation: HTTPInvocation) {
        let backend = response
        for entry in entries {
            let value = resolve(entry.value, invocation, response: backend)
            switch (entry.target, entry.operation) {
            case (.header(let name), .append): if let value { response.headers.append((name, value)) }
            case (.header(let name), .overwrite): if let value { response.setHeader(name, value) }
            case (.header(let name), .remove): response.headers.removeAll { $0.name.equalsIgnoringASCIICase(name) }
            case (.statusCode, .overwrite): if let status = value.flatMap({ Int($0) }), (100...599).contains(status) { response.status = status }
            default: continue
            }
        }
    }

    /// A mapping value: static text, one reference, or text with `${…}` references in it.
    private func resolve(_ value: String, _ invocation: HTTPInvocation, response: OutgoingResponse?) -> String? {
        if value.hasPrefix("$"), !value.hasPrefix("${") { return reference(String(value.dropFirst()), invocation, response) }
        guard value.contains("${") else { return value }
        var output = "", rest = Substring(value)
        while let start = rest.range(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
            output += rest[..<start.lowerBound]
            output += reference(String(rest[start.upperBound..<end]), invocation, response) ?? ""
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }

    private func reference(_ name: String, _ invocation: HTTPInvocation, _ response: OutgoingResponse?) -> String? {
        let request = invocation.request
        if let header = name.dropPrefix("request.header.") { return request.header(header) }
        if let item = name.dropPrefix("request.querystring.") { return request.queryItems.first { $0.name == item }?.value }
        if let parameter = name.dropPrefix("request.path.") { return invocation.pathParameters[parameter] }
        if name == "request.path" { return invocation.rawPath }
        if let path = name.dropPrefix("request.body.") { return Self.jsonValue(request.body, path: path) }
        if let variable = name.dropPrefix("stageVariables.") { return invocation.stage.variables[variable] }
        if let header = name.dropPrefix("response.header.") { return response?.headers.first { $0.name.equalsIgnoringASCIICase(header) }?.value }
        if let path = name.dropPrefix("response.body.") { return response.flatMap { Self.jsonValue($0.body, path: path) } }
        if let variable = name.dropPrefix("context.") {
            switch variable {
            case "requestId": return invocation.requestID
            case "apiId": return invocation.stage.apiID
            case "stage": return invocation.stage.name
            case "routeKey": return invocation.route.routeKey
            case "httpMethod": return request.method
            case "identity.sourceIp": return request.remoteAddress ?? "127.0.0.1"
            case "accountId": return invocation.accountID
            default: return nil
            }
        }
        return nil
    }

    /// The value at a JSONPath (`items[0].name`) in a JSON body, as text.
    private static func jsonValue(_ body: Data, path: String) -> String? {
        guard let json = try? VelocityValue(parsingJSON: body), let jsonPath = try? JSONPath("$." + path) else { return nil }
        switch jsonPath.evaluate(json) {
        case .null: return nil
        case .string(let text): return text
        case let other: return other.jsonText
        }
    }
}

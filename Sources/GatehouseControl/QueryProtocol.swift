import Foundation
import GatehouseModel

/// botocore's `query` protocol (IAM, STS): the input is form parameters — `Action`, `Version`,
/// then members flattened by name (`Tags.member.1.Key`, `Attributes.entry.1.value`) — and the
/// output and errors are XML.
enum QueryProtocol {
    /// The request's form parameters: a form-encoded body, else the query string.
    static func parameters(_ request: IncomingRequest) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.queryItems { parameters[name] = value }
        if request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let form = IncomingRequest(method: "POST", rawPath: "/", rawQuery: String(decoding: request.body, as: UTF8.self))
            for (name, value) in form.queryItems { parameters[name] = value }
        }
        return parameters
    }

    // MARK: Output

    /// `<{Operation}Response xmlns=…><{Operation}Result>…</…><ResponseMetadata>…</…></…>`.
    static func response(_ output: JSON, operation name: String, model: ServiceModel, requestID: String) -> OutgoingResponse {
        let operation = model.operations[name]
        var body = "<\(name)Response xmlns=\"\(model.metadata.xmlNamespace ?? "")\">"
        if let wrapper = operation?.resultWrapper, let shape = operation?.output {
            body += "<\(wrapper)>" + members(output, shapeName: shape, model: model) + "</\(wrapper)>"
        }
        body += "<ResponseMetadata><RequestId>\(requestID)</RequestId></ResponseMetadata></\(name)Response>"
        return OutgoingResponse(status: 200, headers: [("Content-Type", "text/xml")], body: Data(body.utf8))
    }

    /// The error document query clients parse.
    static func error(_ error: AWSError, requestID: String) -> OutgoingResponse {
        let type = error.status >= 500 ? "Receiver" : "Sender"
        let body = "<ErrorResponse><Error><Type>\(type)</Type><Code>\(escape(error.code))</Code><Message>\(escape(error.message))</Message></Error><RequestId>\(requestID)</RequestId></ErrorResponse>"
        return OutgoingResponse(status: error.status, headers: [("Content-Type", "text/xml")], body: Data(body.utf8))
    }

    private static func members(_ value: JSON, shapeName: String, model: ServiceModel) -> String {
        guard let shape = model[shape: shapeName], let object = value.objectValue else { return "" }
        var xml = ""
        for (name, member) in (shape.members ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let child = object[name], child != .null else { continue }
            let element = member.locationName ?? name
            xml += "<\(element)>" + encode(child, shapeName: member.shape, model: model) + "</\(element)>"
        }
        return xml
    }

    private static func encode(_ value: JSON, shapeName: String, model: ServiceModel) -> String {
        guard let shape = model[shape: shapeName] else { return escape(value.plainText) }
        switch shape.type {
        case "structure":
            return members(value, shapeName: shapeName, model: model)
        case "list":
            return (value.arrayValue ?? []).map { "<member>" + encode($0, shapeName: shape.member ?? "", model: model) + "</member>" }.joined()
        case "map":
            return (value.objectValue ?? [:]).sorted { $0.key < $1.key }.map {
                "<entry><key>\(escape($0.key))</key><value>" + encode($0.value, shapeName: shape.value ?? "", model: model) + "</value></entry>"
            }.joined()
        case "timestamp":
            guard let seconds = value.doubleValue else { return escape(value.plainText) }
            return Date(timeIntervalSince1970: seconds).utc("yyyy-MM-dd'T'HH:mm:ss'Z'")
        default:
            return escape(value.plainText)
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension InputDecoder {
    /// A query-protocol input: form parameters named after the members, structures by
    /// `Parent.Member`, lists by `Name.member.N`, maps by `Name.entry.N.key`/`.value`.
    func decodeQuery(shapeName: String?, parameters: [String: String]) throws(AWSError) -> JSON {
        guard let shapeName else { return .emptyObject }
        let value = try queryValue(shapeName: shapeName, prefix: "", parameters) ?? .emptyObject
        try validate(value, shapeName: shapeName, path: pathPrefix)
        return value
    }

    private func queryValue(shapeName: String, prefix: String, _ parameters: [String: String]) throws(AWSError) -> JSON? {
        guard let shape = model[shape: shapeName] else { return parameters[prefix].map(JSON.string) }
        let dot = prefix.isEmpty ? "" : prefix + "."
        switch shape.type {
        case "structure":
            var object: [String: JSON] = [:]
            for (name, member) in shape.members ?? [:] {
                if let value = try queryValue(shapeName: member.shape, prefix: dot + (member.locationName ?? name), parameters) { object[name] = value }
            }
            return object.isEmpty && !prefix.isEmpty ? nil : .object(object)
        case "list":
            var items: [JSON] = []
            var index = 1
            while let item = try queryValue(shapeName: shape.member ?? "", prefix: "\(dot)member.\(index)", parameters) {
                items.append(item)
                index += 1
            }
            // An empty list is sent as the bare name.
            return items.isEmpty ? (parameters[prefix] != nil ? .array([]) : nil) : .array(items)
        case "map":
            var entries: [String: JSON] = [:]
            var index = 1
            while let key = parameters["\(dot)entry.\(index).key"] {
                entries[key] = try queryValue(shapeName: shape.value ?? "", prefix: "\(dot)entry.\(index).value", parameters)
                index += 1
            }
            return entries.isEmpty ? nil : .object(entries)
        default:
            guard let text = parameters[prefix] else { return nil }
            return try scalar(text, member: ServiceModel.Member(shape: shapeName), name: prefix)
        }
    }
}

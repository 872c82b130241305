import Foundation
import GatehouseModel

/// Turns an operation's output into the response the model describes: header members into
/// headers, a payload member into the raw body, every other member into the JSON body; only
/// members the shape declares go on the wire, and timestamps take the model's format.
struct OutputEncoder {
    let model: ServiceModel

    /// The response for `output`; `json` marks the `json` protocol's body (`application/x-amz-json-1.x`).
    func encode(_ output: JSON, shapeName: String?, status: Int, json: Bool = false) -> OutgoingResponse {
        guard let shapeName, let shape = model[shape: shapeName], case .object(let object) = output else {
            return OutgoingResponse(status: status)
        }
        let members = shape.members ?? [:]
        // A status member (Lambda's Invoke) overrides the model's code; 204 has no body at all.
        let finalStatus = members.first { $0.value.location == "statusCode" }.flatMap { object[$0.key]?.intValue } ?? status
        if finalStatus == 204 { return OutgoingResponse(status: 204) }
        var response = OutgoingResponse(status: finalStatus)
        var body: [String: JSON] = [:]
        for (name, member) in members {
            guard let value = object[name], value != .null else { continue }
            switch member.location {
            case "header":
                response.headers.append((member.locationName ?? name, headerText(value)))
            case "headers":
                for (key, entry) in value.objectValue ?? [:] {
                    response.headers.append(((member.locationName ?? "") + key, headerText(entry)))
                }
            case "statusCode":
                break
            default:
                if name != shape.payload { body[member.locationName ?? name] = encode(value, shapeName: member.shape, member: member) }
            }
        }
        if let payloadName = shape.payload, let member = members[payloadName] {
            let value = object[payloadName] ?? .null
            switch model[shape: member.shape]?.type {
            case "structure":
                response.headers.append(("Content-Type", "application/json"))
                response.body = encode(value, shapeName: member.shape, member: member).serialized()
            case "string":
                response.body = Data((value.stringValue ?? "").utf8)
            default:
                response.body = value.stringValue.flatMap { Data(base64Encoded: $0) } ?? Data()
            }
        } else {
            response.headers.append(("Content-Type", json ? "application/x-amz-json-\(model.metadata.jsonVersion ?? "1.1")" : "application/json"))
            response.body = JSON.object(body).serialized()
        }
        return response
    }

    /// `value` reduced to what `shapeName` declares, recursively.
    func encode(_ value: JSON, shapeName: String, member: ServiceModel.Member? = nil) -> JSON {
        guard let shape = model[shape: shapeName] else { return value }
        switch (shape.type, value) {
        case ("structure", .object(let object)):
            var out: [String: JSON] = [:]
            for (name, child) in shape.members ?? [:] {
                if let childValue = object[name], childValue != .null {
                    out[child.locationName ?? name] = encode(childValue, shapeName: child.shape, member: child)
                }
            }
            return .object(out)
        case ("list", .array(let items)):
            return .array(items.map { encode($0, shapeName: shape.member ?? "") })
        case ("map", .object(let entries)):
            return .object(entries.mapValues { encode($0, shapeName: shape.value ?? "") })
        case ("timestamp", .number(let seconds)):
            let format = member?.timestampFormat ?? shape.timestampFormat
            return format == "iso8601" ? .string(Self.iso8601(seconds)) : .number(seconds)
        default:
            return value
        }
    }

    private func headerText(_ value: JSON) -> String {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return Int64(exactly: number).map(String.init) ?? String(number)
        default: return value.serializedString
        }
    }

    static func iso8601(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).utc("yyyy-MM-dd'T'HH:mm:ss'Z'")
    }
}

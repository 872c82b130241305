import Foundation
import GatehouseModel

/// The `smithy-rpc-v2-cbor` protocol: `POST /service/{ServiceName}/operation/{Operation}` with
/// `smithy-protocol: rpc-v2-cbor`, the input and output as CBOR maps, timestamps as epoch seconds
/// under tag 1, blobs as byte strings, errors as `{"__type", "message"}`.
enum RPCv2CBOR {
    static let name = "smithy-rpc-v2-cbor"

    static func isRequest(_ request: IncomingRequest) -> Bool {
        request.header("smithy-protocol") == "rpc-v2-cbor"
    }

    /// The operation a request's path names for the service `targetPrefix`, if it is this protocol's path.
    static func operation(of request: IncomingRequest, targetPrefix: String?) -> String? {
        let parts = request.rawPath.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "service", parts[2] == targetPrefix ?? "", parts[3] == "operation" else { return nil }
        return String(parts[4])
    }

    /// The request body as the JSON the `json` protocol would have sent.
    static func jsonBody(_ body: Data) throws(AWSError) -> Data {
        guard !body.isEmpty else { return Data("{}".utf8) }
        do {
            return try CBOR.decode(Array(body)).serialized()
        } catch {
            throw AWSError("SerializationException", status: 400, "The request body is not well-formed CBOR.")
        }
    }

    /// `output` encoded by `shapeName` of `model`.
    static func response(_ output: JSON, shapeName: String?, model: ServiceModel, status: Int) -> OutgoingResponse {
        var writer = CBOR.Writer()
        write(OutputEncoder(model: model).encode(output, shapeName: shapeName ?? ""), shapeName: shapeName, model: model, into: &writer)
        return OutgoingResponse(
            status: status, headers: [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor")], body: Data(writer.bytes))
    }

    static func error(_ error: AWSError, headers: [(String, String)]) -> OutgoingResponse {
        var writer = CBOR.Writer()
        writer.write(JSON.object(["__type": .string(error.code), "message": .string(error.message)]))
        return OutgoingResponse(
            status: error.status,
            headers: [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor"), ("x-amzn-ErrorType", error.code)] + headers,
            body: Data(writer.bytes))
    }

    /// Writes `value` as `shapeName` declares it: blobs as byte strings, timestamps tagged.
    private static func write(_ value: JSON, shapeName: String?, model: ServiceModel, into writer: inout CBOR.Writer) {
        guard let shapeName, let shape = model[shape: shapeName] else { return writer.write(value) }
        switch (shape.type, value) {
        case ("structure", .object(let members)):
            let present = members.filter { $0.value != .null }
            writer.map(count: present.count)
            for (name, member) in present.sorted(by: { $0.key < $1.key }) {
                writer.write(text: name)
                write(member, shapeName: shape.members?[name]?.shape, model: model, into: &writer)
            }
        case ("list", .array(let items)):
            writer.array(count: items.count)
            for item in items { write(item, shapeName: shape.member, model: model, into: &writer) }
        case ("map", .object(let entries)):
            writer.map(count: entries.count)
            for (key, entry) in entries.sorted(by: { $0.key < $1.key }) {
                writer.write(text: key)
                write(entry, shapeName: shape.value, model: model, into: &writer)
            }
        case ("blob", .string(let text)):
            writer.write(blob: Data(base64Encoded: text) ?? Data())
        case ("timestamp", .number(let seconds)):
            writer.write(timestamp: seconds)
        default:
            writer.write(value)
        }
    }
}

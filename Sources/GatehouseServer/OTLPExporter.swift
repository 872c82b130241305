import AsyncHTTPClient
import Foundation
import GatehouseModel
import Logging
import NIOCore
import Synchronization

/// Exports spans over OTLP/HTTP with JSON bodies to the collector OpenTelemetry's standard
/// variables name: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k=v`) and
/// `OTEL_SERVICE_NAME` (default `gatehouse`). Spans are buffered (at most 10,000; more are
/// dropped and counted) and sent every second.
final class OTLPExporter: SpanSink {
    private let url: String
    private let headers: [(String, String)]
    private let service: String
    private let client: HTTPClient
    private let logger: Logger
    private let pending = Mutex<(spans: [Span], dropped: Int)>(([], 0))
    static let capacity = 10_000

    /// The exporter the environment asks for; nil when no endpoint is set.
    init?(environment: [String: String], client: HTTPClient, logger: Logger) {
        if let traces = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !traces.isEmpty {
            url = traces
        } else if let base = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !base.isEmpty {
            url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        } else {
            return nil
        }
        if let protocolName = environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? environment["OTEL_EXPORTER_OTLP_PROTOCOL"],
            protocolName != "http/json"
        {
            logger.warning("OTLP protocol \(protocolName) is not supported: Gatehouse exports spans as http/json")
        }
        headers = (environment["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] ?? environment["OTEL_EXPORTER_OTLP_HEADERS"] ?? "")
            .split(separator: ",").compactMap { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0].removingPercentEncoding ?? parts[0], parts[1].removingPercentEncoding ?? parts[1]) : nil
            }
        service = environment["OTEL_SERVICE_NAME"] ?? "gatehouse"
        self.client = client
        self.logger = logger
    }

    var summary: String { "tracing: spans of sampled requests exported to \(url) (OTLP http/json)" }

    func record(_ span: Span) {
        pending.withLock { pending in
            if pending.spans.count < Self.capacity { pending.spans.append(span) } else { pending.dropped += 1 }
        }
    }

    /// Sends what is buffered; a collector that does not answer loses that batch (logged).
    func flush() async {
        let (spans, dropped) = pending.withLock { pending in
            defer { pending = ([], 0) }
            return pending
        }
        if dropped > 0 { logger.warning("\(dropped) spans dropped: the exporter's buffer was full") }
        guard !spans.isEmpty else { return }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body(spans).serialized()))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            if response.status.code >= 300 { logger.warning("OTLP collector answered \(response.status.code) to \(spans.count) spans") }
        } catch {
            logger.warning("OTLP collector at \(url) not reached: \(spans.count) spans lost")
        }
    }

    /// An `ExportTraceServiceRequest` in OTLP's JSON encoding.
    func body(_ spans: [Span]) -> JSON {
        func attributes(_ values: [String: JSON]) -> JSON {
            .array(values.sorted { $0.key < $1.key }.map { key, value in
                let typed: JSON = switch value {
                case .number(let number): Int64(exactly: number).map { ["intValue": .string(String($0))] } ?? ["doubleValue": .number(number)]
                case .bool(let flag): ["boolValue": .bool(flag)]
                default: ["stringValue": .string(value.stringValue ?? value.serializedString)]
                }
                return ["key": .string(key), "value": typed]
            })
        }
        func nanos(_ seconds: Double) -> JSON { .string(String(UInt64((seconds * 1e9).rounded()))) }
        return [
            "resourceSpans": [[
                "resource": ["attributes": attributes(["service.name": .string(service)])],
                "scopeSpans": [[
                    "scope": ["name": "gatehouse"],
                    "spans": .array(spans.map { span in
                        var out: JSON = [
                            "traceId": .string(span.traceID), "spanId": .string(span.spanID), "name": .string(span.name),
                            "kind": .number(Double(span.kind.rawValue)), "startTimeUnixNano": nanos(span.start),
                            "endTimeUnixNano": nanos(span.end), "attributes": attributes(span.attributes),
                            "status": ["code": .number(span.failed ? 2 : 1)],
                        ]
                        if let parent = span.parentID { out["parentSpanId"] = .string(parent) }
                        return out
                    }),
                ]],
            ]],
        ]
    }
}

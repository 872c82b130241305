import Foundation

/// One span of a trace, as OpenTelemetry describes it: the gateway's request, an integration,
/// a function's invocation. Ids are lower-case hex: the trace's 32 digits are the X-Ray root's
/// (`1-5759e988-bd862e3fe1be46a994272793` → `5759e988bd862e3fe1be46a994272793`).
public struct Span: Sendable, Equatable {
    public enum Kind: Int, Sendable {
        case `internal` = 1, server = 2, client = 3
    }

    public var traceID: String
    public var spanID: String
    public var parentID: String?
    public var name: String
    public var kind: Kind
    /// Seconds since the epoch.
    public var start: Double
    public var end: Double
    public var attributes: [String: JSON]
    public var failed: Bool

    public init(
        trace: TraceHeader, spanID: String, parentID: String?, name: String, kind: Kind, start: Double, end: Double,
        attributes: [String: JSON] = [:], failed: Bool = false
    ) {
        traceID = trace.root.split(separator: "-").dropFirst().joined()
        self.spanID = spanID
        self.parentID = parentID
        self.name = name
        self.kind = kind
        self.start = start
        self.end = end
        self.attributes = attributes
        self.failed = failed
    }
}

/// Where finished spans go: an exporter when one is configured. Recording must not wait.
public protocol SpanSink: Sendable {
    func record(_ span: Span)
}

extension TraceHeader {
    /// A new span id (16 hex digits).
    public static func newSpanID() -> String { hex(16) }
}

import GatehouseModel
import GatehouseStore

/// Every management API Gateway serves. Services whose operations are not built yet still
/// route and validate by their model and answer each operation with a clear 501.
public enum Services {
    public static func all(
        lambda: Lambda.Environment, logEvents: any LogEventStore, usage: any UsageLedger, connections: any ConnectionManager,
        upstreamSetExists: @escaping APIGateway.UpstreamSetExists = { _ in false },
        temporaryCredentials: TemporaryCredentials = TemporaryCredentials(), strictIAM: Bool = false, metrics: MetricStore = MetricStore(),
        alarmActions: @escaping Alarms.Act = { _, _ in }, auditTrail: (any AuditTrail)? = nil, audit: AuditLog? = nil
    ) throws -> [ServiceDefinition] {
        [
            try APIGateway.definition(usage: usage, upstreamSetExists: upstreamSetExists),
            try APIGatewayV2.definition(),
            try APIGatewayManagementAPI.definition(connections: connections),
            try Lambda.definition(lambda),
            try Logs.definition(events: logEvents),
            try IAM.definition(),
            try STS.definition(credentials: temporaryCredentials, strictIAM: strictIAM),
            try CloudWatch.definition(metrics: metrics, act: alarmActions),
            try WAF.definition(),
        ] + (try auditTrail.map { [try CloudTrail.definition(trail: $0, log: audit)] } ?? [])
    }
}

import GatehouseControl
import GatehouseModel
import GatehouseStore

/// Writes function and stage log lines to the store the `logs` API reads, creating the log
/// group and stream on first use as Lambda and API Gateway do.
struct StoreLogSink: LogSink {
    let store: SQLStore
    let accountID: String

    func append(region: String, group: String, stream: String, events: [LogEvent]) async {
        let ingestion = Logs.now()
        do {
            try await Logs.ensureStream(group: group, stream: stream, region: region, account: accountID, in: store)
            try await store.appendLogEvents(
                events.map { StoredLogEvent(stream: stream, timestamp: $0.timestamp, ingestionTime: ingestion, message: $0.message) },
                group: group)
        } catch {
            // Logging must never fail an invocation; the lines are lost, the function's answer is not.
        }
    }
}

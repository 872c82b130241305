import Foundation

/// The recorder's cells in Prometheus's text exposition format (0.0.4), for
/// `GET /_gatehouse/metrics`: `AWS/ApiGateway` `Count` becomes `gatehouse_apigateway_count_total`
/// with labels `api_name` and `stage`; cells with a histogram (latencies, durations) become
/// histograms in their unit (`gatehouse_apigateway_latency_milliseconds`).
public enum PrometheusText {
    public static func render(_ recorder: MetricRecorder) -> String {
        var families: [String: (type: String, lines: [String])] = [:]
        for cell in recorder.allCells {
            let base = name(cell.identity)
            let labels = cell.identity.dimensions.sorted { $0.key < $1.key }.map { "\(snake($0.key))=\"\(escaped($0.value))\"" }
            let totals = cell.totals
            if totals.buckets.isEmpty {
                let family = base + "_total"
                families[family, default: ("counter", [])].lines.append("\(family)\(braces(labels)) \(number(totals.sum))")
            } else {
                let family = base + "_" + snake(cell.unit)
                var cumulative = 0
                var lines: [String] = []
                for (index, count) in totals.buckets.enumerated() {
                    cumulative += count
                    let bound = index == totals.buckets.count - 1 ? "+Inf" : number(MetricCell.base * pow(MetricCell.growth, Double(index + 1)))
                    lines.append("\(family)_bucket\(braces(labels + ["le=\"\(bound)\""])) \(cumulative)")
                }
                lines.append("\(family)_sum\(braces(labels)) \(number(totals.sum))")
                lines.append("\(family)_count\(braces(labels)) \(totals.count)")
                families[family, default: ("histogram", [])].lines += lines
            }
        }
        return families.keys.sorted().map { family in
            let (type, lines) = families[family]!
            return (["# TYPE \(family) \(type)"] + lines).joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    /// `gatehouse_apigateway_4xxerror` for `AWS/ApiGateway` `4XXError` (a counter: `…_total`).
    private static func name(_ identity: MetricIdentity) -> String {
        let namespace = identity.namespace.hasPrefix("AWS/") ? String(identity.namespace.dropFirst(4)) : identity.namespace
        return "gatehouse_" + namespace.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() + "_" + snake(identity.name)
    }

    /// `ApiName` → `api_name`; anything but letters and digits becomes `_`.
    static func snake(_ text: String) -> String {
        var out = ""
        var previous: Character?
        for character in text {
            if character.isUppercase, let previous, previous.isLowercase { out += "_" }
            out += character.isLetter || character.isNumber ? character.lowercased() : "_"
            previous = character
        }
        return out
    }

    private static func braces(_ labels: [String]) -> String {
        labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}"
    }

    private static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

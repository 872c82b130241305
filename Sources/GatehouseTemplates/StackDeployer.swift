import Crypto
import Foundation
import GatehouseModel

/// Deploys a template as a stack: resources made in dependency order through the AWS APIs; on
/// a later deploy only what changed is touched (a function's code or configuration updated in
/// place, an API's definition re-imported, anything else replaced), and what the template no
/// longer has is removed. The stack record (what each logical id became) is kept beside the
/// template, in `.gatehouse/stacks/{name}.json`.
public struct StackDeployer: Sendable {
    public let client: AWSClient
    public let templateFile: URL
    public let stackName: String
    public let overrides: [String: String]

    public init(client: AWSClient, templateFile: URL, stackName: String, overrides: [String: String] = [:]) {
        self.client = client
        self.templateFile = templateFile
        self.stackName = stackName
        self.overrides = overrides
    }

    /// What a deploy did (or, dry, would do), per logical id, and the stack's outputs.
    public struct Report: Sendable {
        /// Per logical id: `create`, `update`, `replace` or `delete`, and for the two in between
        /// the properties that changed (`Environment.Variables.GREETING`, `code`).
        public var changes: [(id: String, action: String, details: [String])] = []
        public var skipped: [String] = []
        public var outputs: [(name: String, value: String)] = []
        public var endpoints: [(id: String, url: String)] = []

        public var text: String {
            var lines = changes.map {
                "\($0.action.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.id)" + ($0.details.isEmpty ? "" : " (\($0.details.joined(separator: ", ")))")
            }
            lines += skipped.map { "skipped    \($0)" }
            if !outputs.isEmpty { lines.append("Outputs:") }
            lines += outputs.map { "  \($0.name): \($0.value)" }
            if !endpoints.isEmpty { lines.append("Invoke URLs:") }
            lines += endpoints.map { "  \($0.id): \($0.url)" }
            return lines.joined(separator: "\n")
        }
    }

    var recordFile: URL {
        templateFile.deletingLastPathComponent().appendingPathComponent(".gatehouse/stacks/\(stackName).json")
    }

    /// Deploys (or with `dryRun`, only reports) the template's difference from the stack record.
    public func deploy(dryRun: Bool = false) async throws -> Report {
        let account = try await self.account()
        let template = try Template(file: templateFile, stackName: stackName, overrides: overrides, region: client.region, account: account)
        let (resources, skipped) = try SAM.expand(template)
        var record = loadRecord()
        var report = Report(skipped: skipped)
        var refs: [String: JSON] = [:], attributes: [String: [String: JSON]] = [:]
        var made: [String: MadeResource] = [:]
        for resource in try ordered(resources) {
            let context = Resources.Context(client: client, template: template, id: resource.id)
            let evaluator = template.evaluator(refs: refs, attributes: attributes)
            let properties = try evaluator.evaluate(resource.properties.removing(["Events"]))
            let codeDigest = Self.hasCode(resource.type) ? try Resources.code(properties, template).digest : nil
            let digest = digest(resource, properties, codeDigest)
            var result: MadeResource
            if var existing = record[resource.id], existing.type == resource.type {
                let changed = Self.changedPaths(existing.properties, properties) + (existing.codeDigest != codeDigest ? ["code"] : [])
                if existing.digest == digest {
                    result = existing
                } else if Resources.updatesInPlace(resource.type) {
                    report.changes.append((resource.id, "update", changed))
                    if !dryRun { try await Resources.update(existing, properties, context) }
                    existing.digest = digest
                    result = existing
                } else {
                    report.changes.append((resource.id, "replace", changed))
                    if !dryRun { try? await Resources.delete(existing, context) }
                    result = dryRun ? existing : try await Resources.create(resource.type, properties, context)
                    result.digest = digest
                }
            } else {
                report.changes.append((resource.id, "create", []))
                if dryRun {
                    result = MadeResource(type: resource.type, physicalID: "(\(resource.id))", ref: .string("(\(resource.id))"),
                                          attributes: placeholders(resource), digest: digest)
                } else {
                    if let stale = record[resource.id] { try? await Resources.delete(stale, context) }
                    result = try await Resources.create(resource.type, properties, context)
                    result.digest = digest
                }
            }
            result.properties = properties
            result.codeDigest = codeDigest
            made[resource.id] = result
            refs[resource.id] = result.ref
            attributes[resource.id] = result.attributes
            if !dryRun {
                record[resource.id] = result
                try saveRecord(record)
            }
        }
        for (id, old) in record.sorted(by: { $0.key > $1.key }) where made[id] == nil {
            report.changes.append((id, "delete", []))
            if !dryRun {
                try? await Resources.delete(old, Resources.Context(client: client, template: template, id: id))
                record[id] = nil
                try saveRecord(record)
            }
        }
        let evaluator = template.evaluator(refs: refs, attributes: attributes)
        for (name, output) in (template.document["Outputs"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let value = try? evaluator.evaluate(output["Value"] ?? .null) { report.outputs.append((name, value.plainText)) }
        }
        for (id, resource) in made.sorted(by: { $0.key < $1.key }) {
            switch resource.type {
            case "Gatehouse::RestApi":
                let stage = (resources.first { $0.id == id }?.properties["StageName"] ?? "Prod").plainText
                report.endpoints.append((id, "\(client.endpoint)/restapis/\(resource.physicalID)/\(stage)/_user_request_/"))
            case "Gatehouse::HttpApi", "AWS::ApiGatewayV2::Api":
                report.endpoints.append((id, (resource.attributes["ApiEndpoint"] ?? "").plainText))
            default:
                break
            }
        }
        return report
    }

    /// The caller's account, from STS.
    private func account() async throws -> String {
        let xml = try await client.query("sts", "GetCallerIdentity", [])
        return AWSClient.xmlValue("Account", in: xml) ?? "000000000000"
    }

    /// Resources in an order where each comes after what it refers to.
    private func ordered(_ resources: [StackResource]) throws -> [StackResource] {
        let ids = Set(resources.map(\.id))
        var dependencies: [String: Set<String>] = [:]
        for resource in resources {
            dependencies[resource.id] = Evaluator.references(in: resource.properties, among: ids).union(resource.dependsOn.intersection(ids))
                .subtracting([resource.id])
        }
        var ordered: [StackResource] = [], done = Set<String>()
        var pending = resources
        while !pending.isEmpty {
            guard let index = pending.firstIndex(where: { dependencies[$0.id, default: []].isSubset(of: done) }) else {
                throw TemplateError("circular references among \(pending.map(\.id).sorted().joined(separator: ", "))")
            }
            let next = pending.remove(at: index)
            ordered.append(next)
            done.insert(next.id)
        }
        return ordered
    }

    private static func hasCode(_ type: String) -> Bool { ["Gatehouse::Function", "AWS::Lambda::Function"].contains(type) }

    /// A digest of what a resource is made from: its evaluated properties, and its code.
    private func digest(_ resource: StackResource, _ properties: JSON, _ codeDigest: String?) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(resource.type.utf8))
        hasher.update(data: properties.serialized())
        if let codeDigest { hasher.update(data: Data(codeDigest.utf8)) }
        return Data(hasher.finalize()).base64EncodedString()
    }

    /// The dotted paths where `new` differs from `old` (objects compared member by member).
    static func changedPaths(_ old: JSON?, _ new: JSON, prefix: String = "") -> [String] {
        guard let old else { return [] }
        if case .object(let before) = old, case .object(let after) = new {
            return Set(before.keys).union(after.keys).sorted().flatMap { key -> [String] in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                guard let value = after[key] else { return [path] }
                return before[key].map { changedPaths($0, value, prefix: path) } ?? [path]
            }
        }
        return old == new ? [] : [prefix]
    }

    /// Stand-ins for the attributes of a resource a dry run does not make.
    private func placeholders(_ resource: StackResource) -> [String: JSON] {
        ["Arn": .string("(\(resource.id).Arn)"), "RootResourceId": .string("(\(resource.id).RootResourceId)"),
         "ApiEndpoint": .string("(\(resource.id).ApiEndpoint)"), "Version": "(version)"]
    }

    private func loadRecord() -> [String: MadeResource] {
        guard let data = try? Data(contentsOf: recordFile) else { return [:] }
        return (try? JSONDecoder().decode([String: MadeResource].self, from: data)) ?? [:]
    }

    private func saveRecord(_ record: [String: MadeResource]) throws {
        try FileManager.default.createDirectory(at: recordFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: recordFile, options: .atomic)
    }
}

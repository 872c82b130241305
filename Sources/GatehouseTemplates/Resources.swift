import Crypto
import Foundation
import GatehouseControl
import GatehouseModel
import ZIPFoundation

/// What a resource became: its physical id, what `Ref` gives, and its `Fn::GetAtt` attributes.
struct MadeResource: Sendable, Codable, Equatable {
    var type: String
    var physicalID: String
    var ref: JSON
    var attributes: [String: JSON]
    /// A digest of the evaluated properties (and code) it was made from.
    var digest: String
    /// Those properties, and the digest of its code, to say what a later deploy changes.
    var properties: JSON? = nil
    var codeDigest: String? = nil
}

/// How each resource type is made, changed and removed through the AWS APIs.
enum Resources {
    static let types: Set<String> = [
        "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Lambda::Version", "AWS::Lambda::Alias",
        "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Stage",
    ]

    static func handles(_ type: String) -> Bool { types.contains(type) }

    /// Whether a change of properties is applied in place (else the resource is replaced).
    static func updatesInPlace(_ type: String) -> Bool {
        ["Gatehouse::Function", "AWS::Lambda::Function", "Gatehouse::RestApi", "Gatehouse::HttpApi"].contains(type)
    }

    struct Context {
        let client: AWSClient
        let template: Template
        let id: String

        var generatedName: String { "\(template.stackName)-\(id)" }
    }

    // MARK: Create

    static func create(_ type: String, _ properties: JSON, _ context: Context) async throws -> MadeResource {
        let client = context.client, account = context.template.account, region = context.template.region
        func made(_ id: String, ref: JSON? = nil, _ attributes: [String: JSON] = [:]) -> MadeResource {
            MadeResource(type: type, physicalID: id, ref: ref ?? .string(id), attributes: attributes, digest: "")
        }
        switch type {
        case "AWS::IAM::Role":
            let name = properties["RoleName"]?.stringValue ?? context.generatedName
            var parameters = [("RoleName", name), ("AssumeRolePolicyDocument", policyText(properties["AssumeRolePolicyDocument"]))]
            if let path = properties["Path"]?.stringValue { parameters.append(("Path", path)) }
            _ = try await client.query("iam", "CreateRole", parameters)
            for policy in properties["Policies"]?.arrayValue ?? [] {
                _ = try await client.query("iam", "PutRolePolicy", [
                    ("RoleName", name), ("PolicyName", policy["PolicyName"]?.stringValue ?? "policy"), ("PolicyDocument", policyText(policy["PolicyDocument"])),
                ])
            }
            for arn in properties["ManagedPolicyArns"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                _ = try await client.query("iam", "AttachRolePolicy", [("RoleName", name), ("PolicyArn", arn)])
            }
            let path = properties["Path"]?.stringValue ?? "/"
            return made(name, ["Arn": .string("arn:aws:iam::\(account):role\(path)\(name)")])
        case "Gatehouse::Function", "AWS::Lambda::Function":
            let name = properties["FunctionName"]?.stringValue ?? context.generatedName
            var input = functionConfiguration(properties)
            input["FunctionName"] = .string(name)
            input["Code"] = ["ZipFile": .string(try code(properties, context.template).zip.base64EncodedString())]
            let created = try await client.call("lambda", "POST", "/2015-03-31/functions", json: input)
            return made(name, ["Arn": created["FunctionArn"] ?? .string("arn:aws:lambda:\(region):\(account):function:\(name)")])
        case "Gatehouse::LayerVersion":
            let name = properties["LayerName"]?.stringValue ?? context.generatedName
            let zip = try code(properties.overlaid(with: ["CodeUri": properties["ContentUri"] ?? .null]), context.template).zip
            var input: JSON = ["Content": ["ZipFile": .string(zip.base64EncodedString())]]
            if let runtimes = properties["CompatibleRuntimes"] { input["CompatibleRuntimes"] = runtimes }
            let created = try await client.call("lambda", "POST", "/2018-10-31/layers/\(name)/versions", json: input)
            let arn = created["LayerVersionArn"]?.stringValue ?? ""
            return made(arn, ["Arn": .string(arn)])
        case "AWS::Lambda::Permission":
            let function = properties["FunctionName"]?.stringValue ?? ""
            var input: JSON = ["StatementId": .string(context.id), "Action": properties["Action"] ?? "lambda:InvokeFunction", "Principal": properties["Principal"] ?? ""]
            if let source = properties["SourceArn"] { input["SourceArn"] = source }
            _ = try await client.call("lambda", "POST", "/2015-03-31/functions/\(AWSClient.segment(function))/policy", json: input)
            return made("\(function)|\(context.id)", ref: .string(context.id))
        case "AWS::Lambda::Version":
            let function = properties["FunctionName"]?.stringValue ?? ""
            let created = try await client.call("lambda", "POST", "/2015-03-31/functions/\(AWSClient.segment(function))/versions", json: .emptyObject)
            let arn = created["FunctionArn"]?.stringValue ?? ""
            return made(arn, ["Version": created["Version"] ?? ""])
        case "AWS::Lambda::Alias":
            let function = properties["FunctionName"]?.stringValue ?? ""
            let created = try await client.call("lambda", "POST", "/2015-03-31/functions/\(AWSClient.segment(function))/aliases", json: [
                "Name": properties["Name"] ?? "", "FunctionVersion": properties["FunctionVersion"] ?? "$LATEST",
            ])
            return made(created["AliasArn"]?.stringValue ?? "")
        case "Gatehouse::RestApi", "AWS::ApiGateway::RestApi":
            let api: JSON
            if let body = try restDefinition(properties, context) {
                api = try await client.call("apigateway", "POST", "/restapis", query: [("mode", "import")], raw: body)
            } else {
                api = try await client.call("apigateway", "POST", "/restapis", json: lowerCamel(properties.removing(["Body", "StageName"])).overlaid(with: [
                    "name": properties["Name"] ?? .string(context.generatedName),
                ]))
            }
            let id = api["id"]?.stringValue ?? ""
            if type == "Gatehouse::RestApi" {
                try await client.call("apigateway", "POST", "/restapis/\(id)/deployments", json: ["stageName": properties["StageName"] ?? "Prod"])
            }
            return made(id, ["RootResourceId": api["rootResourceId"] ?? ""])
        case "AWS::ApiGateway::Resource":
            let api = properties["RestApiId"]?.stringValue ?? ""
            let created = try await client.call(
                "apigateway", "POST", "/restapis/\(api)/resources/\(properties["ParentId"]?.stringValue ?? "")", json: ["pathPart": properties["PathPart"] ?? ""])
            return made(created["id"]?.stringValue ?? "", ref: created["id"])
        case "AWS::ApiGateway::Method":
            let (api, resource, method) = (properties["RestApiId"]?.stringValue ?? "", properties["ResourceId"]?.stringValue ?? "", properties["HttpMethod"]?.stringValue ?? "GET")
            let base = "/restapis/\(api)/resources/\(resource)/methods/\(method)"
            try await client.call("apigateway", "PUT", base, json: lowerCamel(properties.removing(["RestApiId", "ResourceId", "HttpMethod", "Integration", "MethodResponses"]))
                .overlaid(with: ["authorizationType": properties["AuthorizationType"] ?? "NONE"]))
            for response in properties["MethodResponses"]?.arrayValue ?? [] {
                try await client.call("apigateway", "PUT", "\(base)/responses/\((response["StatusCode"] ?? "200").plainText)",
                                      json: lowerCamel(response.removing(["StatusCode"])))
            }
            if let integration = properties["Integration"] {
                // The body names `integrationHttpMethod` `httpMethod` (the URI's own is the method's).
                var input = lowerCamel(integration.removing(["IntegrationResponses", "IntegrationHttpMethod"]))
                if let method = integration["IntegrationHttpMethod"] { input["httpMethod"] = method }
                try await client.call("apigateway", "PUT", "\(base)/integration", json: input)
                for response in integration["IntegrationResponses"]?.arrayValue ?? [] {
                    try await client.call("apigateway", "PUT", "\(base)/integration/responses/\((response["StatusCode"] ?? "200").plainText)",
                                          json: lowerCamel(response.removing(["StatusCode"])))
                }
            }
            return made("\(api)|\(resource)|\(method)", ref: .string("\(api)|\(resource)|\(method)"))
        case "AWS::ApiGateway::Deployment":
            let api = properties["RestApiId"]?.stringValue ?? ""
            let created = try await client.call("apigateway", "POST", "/restapis/\(api)/deployments", json: lowerCamel(properties.removing(["RestApiId"])))
            return made("\(api)|\(created["id"]?.stringValue ?? "")", ref: created["id"])
        case "AWS::ApiGateway::Stage":
            let api = properties["RestApiId"]?.stringValue ?? ""
            let created = try await client.call("apigateway", "POST", "/restapis/\(api)/stages", json: lowerCamel(properties.removing(["RestApiId"])))
            return made("\(api)|\(created["stageName"]?.stringValue ?? "")", ref: created["stageName"])
        case "Gatehouse::HttpApi", "AWS::ApiGatewayV2::Api":
            let api: JSON
            if let body = try httpDefinition(properties, context) {
                api = try await client.call("apigateway", "PUT", "/v2/apis", json: ["body": .string(String(decoding: body, as: UTF8.self))])
            } else {
                api = try await client.call("apigateway", "POST", "/v2/apis", json: lowerCamel(properties.removing(["Body", "StageName"])).overlaid(with: [
                    "name": properties["Name"] ?? .string(context.generatedName), "protocolType": properties["ProtocolType"] ?? "HTTP",
                ]))
            }
            let id = api["apiId"]?.stringValue ?? ""
            if type == "Gatehouse::HttpApi" {
                try await client.call("apigateway", "POST", "/v2/apis/\(id)/stages", json: [
                    "stageName": properties["StageName"] ?? "$default", "autoDeploy": true,
                ])
            }
            return made(id, ["ApiEndpoint": api["apiEndpoint"] ?? ""])
        case "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Stage":
            let api = properties["ApiId"]?.stringValue ?? ""
            let (collection, member) = type.hasSuffix("Integration") ? ("integrations", "integrationId") : type.hasSuffix("Route") ? ("routes", "routeId") : ("stages", "stageName")
            let created = try await client.call("apigateway", "POST", "/v2/apis/\(api)/\(collection)", json: lowerCamel(properties.removing(["ApiId"])))
            return made("\(api)|\(created[member]?.stringValue ?? "")", ref: created[member])
        default:
            throw TemplateError("\(context.id): \(type) is not a resource type Gatehouse makes")
        }
    }

    // MARK: Update

    /// Changes a resource in place; its record stays as it was but for the digest.
    static func update(_ made: MadeResource, _ properties: JSON, _ context: Context) async throws {
        let client = context.client
        switch made.type {
        case "Gatehouse::Function", "AWS::Lambda::Function":
            let name = AWSClient.segment(made.physicalID)
            try await client.call("lambda", "PUT", "/2015-03-31/functions/\(name)/configuration", json: functionConfiguration(properties))
            try await client.call("lambda", "PUT", "/2015-03-31/functions/\(name)/code", json: [
                "ZipFile": .string(try code(properties, context.template).zip.base64EncodedString()),
            ])
        case "Gatehouse::RestApi":
            if let body = try restDefinition(properties, context) {
                try await client.call("apigateway", "PUT", "/restapis/\(made.physicalID)", query: [("mode", "overwrite")], raw: body)
            }
            try await client.call("apigateway", "POST", "/restapis/\(made.physicalID)/deployments", json: ["stageName": properties["StageName"] ?? "Prod"])
        case "Gatehouse::HttpApi":
            if let body = try httpDefinition(properties, context) {
                try await client.call("apigateway", "PUT", "/v2/apis/\(made.physicalID)", json: ["body": .string(String(decoding: body, as: UTF8.self))])
            }
        default:
            throw TemplateError("\(context.id): \(made.type) is replaced, not updated")
        }
    }

    // MARK: Delete

    static func delete(_ made: MadeResource, _ context: Context) async throws {
        let client = context.client
        let parts = made.physicalID.split(separator: "|").map(String.init)
        switch made.type {
        case "AWS::IAM::Role":
            let roleXML = try await client.query("iam", "ListAttachedRolePolicies", [("RoleName", made.physicalID)])
            for arn in roleXML.components(separatedBy: "<PolicyArn>").dropFirst().compactMap({ $0.components(separatedBy: "</PolicyArn>").first }) {
                _ = try await client.query("iam", "DetachRolePolicy", [("RoleName", made.physicalID), ("PolicyArn", arn)])
            }
            let inline = try await client.query("iam", "ListRolePolicies", [("RoleName", made.physicalID)])
            for name in inline.components(separatedBy: "<member>").dropFirst().compactMap({ $0.components(separatedBy: "</member>").first }) {
                _ = try await client.query("iam", "DeleteRolePolicy", [("RoleName", made.physicalID), ("PolicyName", name)])
            }
            _ = try await client.query("iam", "DeleteRole", [("RoleName", made.physicalID)])
        case "Gatehouse::Function", "AWS::Lambda::Function":
            try await client.call("lambda", "DELETE", "/2015-03-31/functions/\(AWSClient.segment(made.physicalID))")
        case "AWS::Lambda::Permission":
            try await client.call("lambda", "DELETE", "/2015-03-31/functions/\(AWSClient.segment(parts[0]))/policy/\(parts.last ?? "")")
        case "Gatehouse::RestApi", "AWS::ApiGateway::RestApi":
            try await client.call("apigateway", "DELETE", "/restapis/\(made.physicalID)")
        case "AWS::ApiGateway::Resource":
            break  // Goes with its API (and its parent).
        case "AWS::ApiGateway::Method":
            try await client.call("apigateway", "DELETE", "/restapis/\(parts[0])/resources/\(parts[1])/methods/\(parts[2])")
        case "AWS::ApiGateway::Stage":
            try await client.call("apigateway", "DELETE", "/restapis/\(parts[0])/stages/\(parts[1])")
        case "Gatehouse::HttpApi", "AWS::ApiGatewayV2::Api":
            try await client.call("apigateway", "DELETE", "/v2/apis/\(made.physicalID)")
        case "AWS::ApiGatewayV2::Route":
            try await client.call("apigateway", "DELETE", "/v2/apis/\(parts[0])/routes/\(parts[1])")
        case "AWS::ApiGatewayV2::Integration":
            try await client.call("apigateway", "DELETE", "/v2/apis/\(parts[0])/integrations/\(parts[1])")
        case "AWS::ApiGatewayV2::Stage":
            try await client.call("apigateway", "DELETE", "/v2/apis/\(parts[0])/stages/\(parts[1])")
        default:
            break  // Versions, aliases, deployments and layer versions go with what holds them.
        }
    }

    // MARK: Pieces

    /// The Lambda configuration members of a function's properties.
    static func functionConfiguration(_ properties: JSON) -> JSON {
        var input: JSON = .emptyObject
        for member in ["Runtime", "Handler", "Role", "MemorySize", "Timeout", "Description", "Environment", "Layers", "Architectures", "EphemeralStorage"] {
            if let value = properties[member], value != .null { input[member] = value }
        }
        return input
    }

    /// A function's package: `CodeUri` (a directory, zipped, or a zip file, under the template's
    /// directory), else inline `Code.ZipFile` source or `InlineCode`; with a digest of its content.
    static func code(_ properties: JSON, _ template: Template) throws -> (zip: Data, digest: String) {
        if let inline = properties["InlineCode"]?.stringValue ?? properties["Code"]?["ZipFile"]?.stringValue {
            let handlerFile = (properties["Handler"]?.stringValue ?? "index.handler").split(separator: ".").first.map(String.init) ?? "index"
            let file = (properties["Runtime"]?.stringValue ?? "").hasPrefix("node") ? "\(handlerFile).js" : "\(handlerFile).py"
            return try archive([(file, Data(inline.utf8))])
        }
        let path = properties["CodeUri"]?.stringValue ?? "."
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : template.directory.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TemplateError("CodeUri \(path) does not exist (under \(template.directory.path))")
        }
        if !isDirectory.boolValue {
            let zip = try Data(contentsOf: url)
            return (zip, Data(SHA256.hash(data: zip)).base64EncodedString())
        }
        return try archive(files(in: url))
    }

    /// Every file under `directory` (relative paths, sorted), skipping hidden ones.
    static func files(in directory: URL) throws -> [(String, Data)] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var files: [(String, Data)] = []
        let base = directory.standardizedFileURL.path
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            if relative.contains("__pycache__") { continue }
            files.append((relative, try Data(contentsOf: url)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    private static func archive(_ files: [(String, Data)]) throws -> (zip: Data, digest: String) {
        let archive = try Archive(data: Data(), accessMode: .create)
        var hasher = SHA256()
        for (path, data) in files {
            hasher.update(data: Data(path.utf8))
            hasher.update(data: data)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), permissions: 0o755) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return (archive.data ?? Data(), Data(hasher.finalize()).base64EncodedString())
    }

    /// A policy document as the JSON text IAM takes.
    private static func policyText(_ value: JSON?) -> String {
        value?.stringValue ?? String(decoding: (value ?? .emptyObject).serialized(), as: UTF8.self)
    }

    /// A SAM or CloudFormation REST API's OpenAPI definition (`DefinitionBody`/`Body`, a
    /// `DefinitionUri` file, or one made for its events), with its events' paths added and its
    /// `Name` (else the generated one) as the title.
    private static func restDefinition(_ properties: JSON, _ context: Context) throws -> Data? {
        try definition(properties, context, skeleton: ["swagger": "2.0", "info": ["version": "1.0"]], titleWhenMissing: true)
    }

    /// The same for an HTTP API: OpenAPI 3, titled by its `Name` when it has one.
    private static func httpDefinition(_ properties: JSON, _ context: Context) throws -> Data? {
        try definition(properties, context, skeleton: ["openapi": "3.0.1", "info": ["version": "1.0"]], titleWhenMissing: false)
    }

    private static func definition(_ properties: JSON, _ context: Context, skeleton: JSON, titleWhenMissing: Bool) throws -> Data? {
        var definition = properties["DefinitionBody"] ?? properties["Body"]
        if definition == nil, let uri = properties["DefinitionUri"]?.stringValue {
            definition = YAML.parse(try String(contentsOf: context.template.directory.appendingPathComponent(uri), encoding: .utf8))
        }
        if let paths = properties["EventPaths"]?.objectValue {
            var document = definition ?? skeleton.overlaid(with: ["info": ["title": .string(context.generatedName)], "paths": .emptyObject])
            document["paths"] = (document["paths"] ?? .emptyObject).overlaid(with: .object(paths))
            definition = document
        }
        if var document = definition, properties["Name"] != nil || (titleWhenMissing && document["info"]?["title"] == nil) {
            document["info"] = (document["info"] ?? .emptyObject).overlaid(with: ["title": properties["Name"] ?? .string(context.generatedName)])
            definition = document
        }
        return definition?.serialized()
    }

    /// CloudFormation's property names (`PathPart`) as the APIs' wire names (`pathPart`); the
    /// contents of maps (`RequestTemplates`, `Variables`…) are left as they are.
    static func lowerCamel(_ value: JSON) -> JSON {
        let maps: Set<String> = [
            "RequestTemplates", "ResponseTemplates", "RequestParameters", "ResponseParameters", "Variables", "StageVariables", "Tags",
            "ResponseModels", "RequestModels", "Policy",
        ]
        guard case .object(let members) = value else { return value }
        var out: [String: JSON] = [:]
        for (key, member) in members {
            let name = key.prefix(1).lowercased() + key.dropFirst()
            switch member {
            case .object where maps.contains(key): out[name] = member
            case .array(let items): out[name] = .array(items.map(lowerCamel))
            default: out[name] = lowerCamel(member)
            }
        }
        return .object(out)
    }
}

extension JSON {
    /// The object without `members`.
    func removing(_ members: [String]) -> JSON {
        guard case .object(var object) = self else { return self }
        for member in members { object[member] = nil }
        return .object(object)
    }
}

import Foundation
import GatehouseModel

/// One resource of a stack, as Gatehouse makes it: a CloudFormation type (or one of the
/// `Gatehouse::` types SAM resources become), its properties still holding intrinsic functions,
/// and what it must wait for.
struct StackResource: Sendable {
    var id: String
    var type: String
    var properties: JSON
    var dependsOn: Set<String> = []
}

/// The SAM transform (`AWS::Serverless-2016-10-31`): `Globals` merged in, each
/// `AWS::Serverless::Function` a function (with a role when it names none) and its `Api` and
/// `HttpApi` events routes of the API they name — `ServerlessRestApi` (stage `Prod`) and
/// `ServerlessHttpApi` (`$default`) when they name none — each API an OpenAPI definition (its own
/// `DefinitionBody`, plus its events' routes) imported whole, and the permissions API Gateway
/// needs to invoke the functions.
enum SAM {
    static func expand(_ template: Template) throws -> (resources: [StackResource], skipped: [String]) {
        let document = template.document
        let globals = document["Globals"] ?? .emptyObject
        var resources: [StackResource] = []
        var skipped: [String] = []
        var restPaths: [String: [String: JSON]] = [:]
        var httpPaths: [String: [String: JSON]] = [:]
        var invokedFunctions: [String: Set<String>] = [:]
        let declared = document["Resources"]?.objectValue ?? [:]
        for (id, resource) in declared.sorted(by: { $0.key < $1.key }) {
            guard template.isIncluded(condition: resource["Condition"]?.stringValue) else { continue }
            let type = resource["Type"]?.stringValue ?? ""
            var properties = resource["Properties"] ?? .emptyObject
            let dependsOn = Set(resource["DependsOn"]?.arrayValue?.compactMap(\.stringValue) ?? resource["DependsOn"]?.stringValue.map { [$0] } ?? [])
            switch type {
            case "AWS::Serverless::Function":
                properties = (globals["Function"] ?? .emptyObject).overlaid(with: properties)
                if properties["Role"] == nil {
                    resources.append(StackResource(id: "\(id)Role", type: "AWS::IAM::Role", properties: [
                        "AssumeRolePolicyDocument": ["Version": "2012-10-17", "Statement": [[
                            "Effect": "Allow", "Principal": ["Service": ["lambda.amazonaws.com"]], "Action": ["sts:AssumeRole"],
                        ]]],
                        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
                    ]))
                    properties["Role"] = ["Fn::GetAtt": [.string("\(id)Role"), "Arn"]]
                }
                resources.append(StackResource(id: id, type: "Gatehouse::Function", properties: properties, dependsOn: dependsOn))
                for (_, event) in (properties["Events"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let eventProperties = event["Properties"] ?? .emptyObject
                    switch event["Type"]?.stringValue {
                    case "Api":
                        let api = eventProperties["RestApiId"]?["Ref"]?.stringValue ?? "ServerlessRestApi"
                        let (path, method) = (eventProperties["Path"]?.stringValue ?? "/", (eventProperties["Method"]?.stringValue ?? "any").lowercased())
                        restPaths[api, default: [:]][path] = (restPaths[api]?[path] ?? .emptyObject).overlaid(with: [
                            method == "any" ? "x-amazon-apigateway-any-method" : method: ["responses": .emptyObject, "x-amazon-apigateway-integration": [
                                "type": "aws_proxy", "httpMethod": "POST",
                                "uri": ["Fn::Sub": .string("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${\(id).Arn}/invocations")],
                            ]],
                        ])
                        invokedFunctions[api, default: []].insert(id)
                    case "HttpApi":
                        let api = eventProperties["ApiId"]?["Ref"]?.stringValue ?? "ServerlessHttpApi"
                        let path = eventProperties["Path"]?.stringValue ?? "$default"
                        let method = path == "$default" ? "any" : (eventProperties["Method"]?.stringValue ?? "any").lowercased()
                        httpPaths[api, default: [:]][path] = (httpPaths[api]?[path] ?? .emptyObject).overlaid(with: [
                            method == "any" ? "x-amazon-apigateway-any-method" : method: ["x-amazon-apigateway-integration": [
                                "type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": eventProperties["PayloadFormatVersion"] ?? "2.0",
                                "uri": ["Fn::GetAtt": [.string(id), "Arn"]],
                            ]],
                        ])
                        invokedFunctions[api, default: []].insert(id)
                    default:
                        skipped.append("\(id) event of type \(event["Type"]?.stringValue ?? "?") (only Api and HttpApi events are served)")
                    }
                }
            case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
                let rest = type == "AWS::Serverless::Api"
                properties = (globals[rest ? "Api" : "HttpApi"] ?? .emptyObject).overlaid(with: properties)
                resources.append(StackResource(id: id, type: rest ? "Gatehouse::RestApi" : "Gatehouse::HttpApi", properties: properties, dependsOn: dependsOn))
            case "AWS::Serverless::LayerVersion":
                resources.append(StackResource(id: id, type: "Gatehouse::LayerVersion", properties: properties, dependsOn: dependsOn))
            case _ where Resources.handles(type):
                resources.append(StackResource(id: id, type: type, properties: properties, dependsOn: dependsOn))
            default:
                skipped.append("\(id) (\(type) is not a resource type Gatehouse makes)")
            }
        }
        for api in restPaths.keys where declared[api] == nil {
            resources.append(StackResource(id: api, type: "Gatehouse::RestApi", properties: (globals["Api"] ?? .emptyObject).overlaid(with: ["StageName": "Prod"])))
        }
        for api in httpPaths.keys where declared[api] == nil {
            resources.append(StackResource(id: api, type: "Gatehouse::HttpApi", properties: globals["HttpApi"] ?? .emptyObject))
        }
        for index in resources.indices {
            let id = resources[index].id
            if let paths = restPaths[id] { resources[index].properties["EventPaths"] = .object(paths) }
            if let paths = httpPaths[id] { resources[index].properties["EventPaths"] = .object(paths) }
        }
        for (api, functions) in invokedFunctions {
            for function in functions.sorted() {
                resources.append(StackResource(id: "\(function)\(api)Permission", type: "AWS::Lambda::Permission", properties: [
                    "FunctionName": ["Ref": .string(function)], "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com",
                ], dependsOn: [api]))
            }
        }
        return (resources, skipped)
    }
}

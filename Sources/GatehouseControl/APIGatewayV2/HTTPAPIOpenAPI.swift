import Foundation
import GatehouseModel
import GatehouseStore

/// OpenAPI 3 for HTTP APIs: `ImportApi`, `ReimportApi` (routes, integrations and authorizers
/// replaced; stages kept) and `ExportApi` (`OAS30`, JSON or YAML). Routes come from the paths
/// (`x-amazon-apigateway-any-method` is `ANY`, the `$default` path the `$default` route),
/// integrations from `x-amazon-apigateway-integration` (or a `$ref` to
/// `x-amazon-apigateway-integrations`), authorizers from security schemes with
/// `x-amazon-apigateway-authorizer`, CORS from `x-amazon-apigateway-cors`. As for REST imports,
/// the definition runs through the operations' own handlers.
extension APIGatewayV2 {
    static let openAPIHandlers: [String: OperationHandler] = [
        "ImportApi": { context in
            let document = try definition(context)
            var create = context
            create.input = apiInput(document).overlaid(with: ["ProtocolType": "HTTP"])
            let api = try await handler("CreateApi")(create)
            var scoped = context
            scoped.input = ["ApiId": api["ApiId"] ?? ""]
            do {
                try await build(document, in: scoped)
            } catch {
                let apiID = scoped.string("ApiId")
                try await context.store.write { tx in
                    try await tx.delete(apiKey(context, apiID))
                    try await tx.deleteOwned(by: apiID)
                }
                throw ImportError.answer(for: error)
            }
            return try await APIGatewayV2.api(scoped, in: context.store)
        },
        "ReimportApi": { context in
            let document = try definition(context)
            let apiID = context.string("ApiId")
            var original = try await api(context, in: context.store)
            var saved: [(DocumentKey, JSON)] = []
            for kind in [Kind.route, Kind.integration, Kind.v2Authorizer] {
                for item in try await context.store.documents(kind: kind, parent: apiID) { saved.append((ownedKey(item, kind: kind, apiID: apiID), item)) }
            }
            let backup = saved
            let settings = apiInput(document)
            for (member, value) in settings.objectValue ?? [:] { original[member] = value }
            let updated = original
            do {
                try await context.store.write { tx in
                    try await tx.put(apiKey(context, apiID), updated)
                    for (key, _) in backup { try await tx.delete(key) }
                }
                try await build(document, in: context)
            } catch {
                try await context.store.write { tx in
                    for kind in [Kind.route, Kind.integration, Kind.v2Authorizer] {
                        for item in try await tx.documents(kind: kind, parent: apiID) { try await tx.delete(ownedKey(item, kind: kind, apiID: apiID)) }
                    }
                    for (key, item) in backup { try await tx.put(key, item) }
                }
                throw ImportError.answer(for: error)
            }
            return try await api(context, in: context.store)
        },
        "ExportApi": export,
    ]

    /// Integration members by their OpenAPI extension names (`IntegrationUri` ↔ `uri`).
    private static let integrationMembers = [
        ("IntegrationUri", "uri"), ("IntegrationMethod", "httpMethod"), ("PayloadFormatVersion", "payloadFormatVersion"),
        ("TimeoutInMillis", "timeoutInMillis"), ("ConnectionId", "connectionId"), ("RequestParameters", "requestParameters"),
        ("ResponseParameters", "responseParameters"), ("CredentialsArn", "credentials"),
    ]
    /// A Lambda authorizer's members by their `x-amazon-apigateway-authorizer` names.
    private static let authorizerMembers = [
        ("AuthorizerUri", "authorizerUri"), ("AuthorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
        ("EnableSimpleResponses", "enableSimpleResponses"), ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
    ]

    private static func handler(_ name: String) -> OperationHandler {
        collectionHandlers[name] ?? apiHandlers[name]!
    }

    private static func definition(_ context: OperationContext) throws(AWSError) -> JSON {
        let text = context.input["Body"]?.stringValue ?? ""
        guard let document = (try? JSON(parsing: Data(text.utf8))) ?? YAML.parse(text), document["openapi"] != nil,
            document["paths"]?.objectValue != nil, document["info"]?["title"]?.stringValue != nil
        else { throw AWSError.badRequest("Invalid OpenAPI definition: an OpenAPI 3 document with info.title and paths is expected.") }
        return document
    }

    /// The API's own settings from `info`, `x-amazon-apigateway-cors` and the tags.
    private static func apiInput(_ document: JSON) -> JSON {
        var input: JSON = ["Name": document["info"]?["title"] ?? ""]
        if let description = document["info"]?["description"] { input["Description"] = description }
        if let version = document["info"]?["version"] { input["Version"] = .string(version.plainText) }
        if let cors = document["x-amazon-apigateway-cors"]?.objectValue {
            input["CorsConfiguration"] = .object(Dictionary(uniqueKeysWithValues: cors.map { (pascal($0.key), $0.value) }))
        }
        var tags: [String: JSON] = [:]
        for tag in document["tags"]?.arrayValue ?? [] {
            if let name = tag["name"]?.stringValue, let value = tag["x-amazon-apigateway-tag-value"] { tags[name] = value }
        }
        if !tags.isEmpty { input["Tags"] = .object(tags) }
        return input
    }

    /// `allowOrigins` → `AllowOrigins`.
    private static func pascal(_ name: String) -> String { name.prefix(1).uppercased() + name.dropFirst() }

    /// Authorizers, integrations and routes of `document` in the API `context` names.
    private static func build(_ document: JSON, in context: OperationContext) async throws {
        let runner = OperationRunner(context: context, handlers: collectionHandlers.merging(apiHandlers) { first, _ in first }, apiMember: "ApiId")
        func run(_ operation: String, _ input: JSON, _ failure: String) async throws -> JSON {
            try await runner(operation, input, failure: failure)
        }
        let schemes = document["components"]?["securitySchemes"]?.objectValue ?? [:]
        var authorizers: [String: (id: String, type: String)] = [:]
        for (name, scheme) in schemes.sorted(by: { $0.key < $1.key }) {
            guard let authorizer = scheme["x-amazon-apigateway-authorizer"] else { continue }
            let jwt = authorizer["type"]?.stringValue?.lowercased() == "jwt"
            var input: JSON = ["Name": .string(name), "AuthorizerType": jwt ? "JWT" : "REQUEST"]
            if let source = authorizer["identitySource"]?.stringValue {
                input["IdentitySource"] = .array(source.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            }
            if jwt {
                input["JwtConfiguration"] = [
                    "Issuer": authorizer["jwtConfiguration"]?["issuer"] ?? "", "Audience": authorizer["jwtConfiguration"]?["audience"] ?? [],
                ]
            } else {
                for (member, key) in authorizerMembers + [("AuthorizerCredentialsArn", "authorizerCredentials")] {
                    if let value = authorizer[key] { input[member] = value }
                }
            }
            let created = try await run("CreateAuthorizer", input, "Unable to create authorizer '\(name)'")
            authorizers[name] = (created["AuthorizerId"]?.stringValue ?? "", jwt ? "JWT" : "CUSTOM")
        }
        let shared = document["components"]?["x-amazon-apigateway-integrations"]?.objectValue ?? [:]
        var integrations: [String: String] = [:]
        for (path, item) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            for (key, operation) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let method = key == "x-amazon-apigateway-any-method" ? "ANY" : ["get", "put", "post", "delete", "patch", "head", "options"].contains(key) ? key.uppercased() : nil
                else { continue }
                let routeKey = path == "$default" ? "$default" : "\(method) \(path)"
                var route: JSON = ["RouteKey": .string(routeKey)]
                if var integration = operation["x-amazon-apigateway-integration"] {
                    let reference = integration["$ref"]?.stringValue?.dropPrefix("#/components/x-amazon-apigateway-integrations/")
                    if let reference { integration = shared[reference] ?? integration }
                    let cacheKey = reference ?? routeKey
                    if integrations[cacheKey] == nil {
                        let created = try await run("CreateIntegration", integrationInput(integration), "Unable to create integration for '\(routeKey)'")
                        integrations[cacheKey] = created["IntegrationId"]?.stringValue
                    }
                    route["Target"] = .string("integrations/\(integrations[cacheKey] ?? "")")
                }
                for requirement in (operation["security"] ?? document["security"])?.arrayValue ?? [] {
                    for (name, scopes) in requirement.objectValue ?? [:] {
                        if let authorizer = authorizers[name] {
                            route["AuthorizationType"] = .string(authorizer.type)
                            route["AuthorizerId"] = .string(authorizer.id)
                            if authorizer.type == "JWT", let list = scopes.arrayValue, !list.isEmpty { route["AuthorizationScopes"] = scopes }
                        } else if schemes[name]?["x-amazon-apigateway-authtype"]?.stringValue?.lowercased() == "awssigv4" {
                            route["AuthorizationType"] = "AWS_IAM"
                        }
                    }
                }
                _ = try await run("CreateRoute", route, "Unable to create route '\(routeKey)'")
            }
        }
    }

    private static func integrationInput(_ integration: JSON) -> JSON {
        var input: JSON = ["IntegrationType": .string((integration["type"]?.stringValue ?? "").uppercased())]
        for (member, key) in integrationMembers + [("Description", "description")] {
            if let value = integration[key], value != .null { input[member] = value }
        }
        if let type = integration["connectionType"]?.stringValue { input["ConnectionType"] = .string(type.uppercased()) }
        if let server = integration["tlsConfig"]?["serverNameToVerify"] { input["TlsConfig"] = ["ServerNameToVerify": server] }
        return input
    }

    private static func ownedKey(_ item: JSON, kind: String, apiID: String) -> DocumentKey {
        let member = kind == Kind.route ? "RouteId" : kind == Kind.integration ? "IntegrationId" : "AuthorizerId"
        return DocumentKey(kind: kind, parent: apiID, id: item[member]?.stringValue ?? "")
    }

    // MARK: Export

    private static func export(_ context: OperationContext) async throws -> JSON {
        let api = try await api(context, in: context.store)
        let apiID = context.string("ApiId")
        guard context.string("Specification") == "OAS30" else { throw AWSError.badRequest("Unsupported specification: \(context.string("Specification"))") }
        if let stage = context.input["StageName"]?.stringValue,
            try await context.store.document(DocumentKey(kind: Kind.v2Stage, parent: apiID, id: stage)) == nil
        {
            throw AWSError.notFound("Invalid stage identifier specified \(context.caller.accountId):\(stage)")
        }
        let extensions = context.input["IncludeExtensions"]?.boolValue ?? true
        let integrations = try await context.store.documents(kind: Kind.integration, parent: apiID)
            .reduce(into: [String: JSON]()) { $0[$1["IntegrationId"]?.stringValue ?? ""] = $1 }
        let authorizers = try await context.store.documents(kind: Kind.v2Authorizer, parent: apiID)
        var paths: [String: JSON] = [:]
        for route in try await context.store.documents(kind: Kind.route, parent: apiID) {
            guard let routeKey = route["RouteKey"]?.stringValue else { continue }
            let parts = routeKey.split(separator: " ", maxSplits: 1).map(String.init)
            let (method, path) = parts.count == 2 ? (parts[0], parts[1]) : ("ANY", routeKey)
            var operation: JSON = ["responses": ["default": ["description": .string("Default response for \(routeKey)")]]]
            let parameters = path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
                ["name": .string(String($0.dropFirst().dropLast()).replacingOccurrences(of: "+", with: "")), "in": "path", "required": true,
                 "schema": ["type": "string"]] as JSON
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let authorizer = authorizers.first(where: { $0["AuthorizerId"] == route["AuthorizerId"] }), let name = authorizer["Name"]?.stringValue {
                operation["security"] = [[name: route["AuthorizationScopes"] ?? []]]
            } else if route["AuthorizationType"] == "AWS_IAM" {
                operation["security"] = [["sigv4": []]]
            }
            if extensions, let target = route["Target"]?.stringValue?.dropPrefix("integrations/"), let integration = integrations[target] {
                operation["x-amazon-apigateway-integration"] = exported(integration)
            }
            var item = paths[path] ?? .emptyObject
            item[method == "ANY" ? "x-amazon-apigateway-any-method" : method.lowercased()] = operation
            paths[path] = item
        }
        var document: JSON = [
            "openapi": "3.0.1",
            "info": ["title": api["Name"] ?? "", "version": api["Version"] ?? .string(OpenAPIExport.isoDate(api["CreatedDate"]))],
            "servers": [[
                "url": .string("https://\(apiID).execute-api.\(context.caller.region).amazonaws.com/{basePath}"),
                "variables": ["basePath": ["default": .string(context.input["StageName"]?.stringValue ?? "")]],
            ]],
            "paths": .object(paths),
        ]
        if let description = api["Description"] { document["info"]?["description"] = description }
        var schemes: [String: JSON] = [:]
        for authorizer in authorizers {
            guard let name = authorizer["Name"]?.stringValue else { continue }
            let jwt = authorizer["AuthorizerType"] == "JWT"
            var details: JSON = [
                "type": jwt ? "jwt" : "request",
                "identitySource": .string((authorizer["IdentitySource"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")),
            ]
            if jwt {
                details["jwtConfiguration"] = ["issuer": authorizer["JwtConfiguration"]?["Issuer"] ?? "", "audience": authorizer["JwtConfiguration"]?["Audience"] ?? []]
            } else {
                for (member, key) in authorizerMembers {
                    if let value = authorizer[member] { details[key] = value }
                }
            }
            var scheme: JSON = ["type": jwt ? "oauth2" : "apiKey"]
            if !jwt { scheme["name"] = "Authorization"; scheme["in"] = "header" }
            if jwt { scheme["flows"] = .emptyObject }
            if extensions { scheme["x-amazon-apigateway-authorizer"] = details }
            schemes[name] = scheme
        }
        if !schemes.isEmpty { document["components"] = ["securitySchemes": .object(schemes)] }
        if extensions {
            document["x-amazon-apigateway-importexport-version"] = "1.0"
            if let cors = api["CorsConfiguration"]?.objectValue {
                document["x-amazon-apigateway-cors"] = .object(Dictionary(uniqueKeysWithValues: cors.map { ($0.key.prefix(1).lowercased() + $0.key.dropFirst(), $0.value) }))
            }
        }
        let yaml = context.input["OutputType"]?.stringValue == "YAML"
        let body = yaml ? Data(YAML.serialize(document).utf8) : document.serialized()
        return ["body": .string(body.base64EncodedString())]
    }

    private static func exported(_ integration: JSON) -> JSON {
        var exported: JSON = ["type": .string((integration["IntegrationType"]?.stringValue ?? "").lowercased())]
        for (member, key) in integrationMembers + [("ConnectionType", "connectionType")] {
            if let value = integration[member], value != .null { exported[key] = value }
        }
        return exported
    }
}

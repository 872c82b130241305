import Foundation

/// What a server needs of a botocore service model: operations with their HTTP bindings and the
/// shapes of their inputs, outputs and errors. Loaded from the compact JSON that
/// `scripts/extract_service_models.py` writes into this module's resources.
public struct ServiceModel: Sendable, Decodable {
    public struct Metadata: Sendable, Decodable {
        public var apiVersion: String
        public var endpointPrefix: String
        public var `protocol`: String
        public var jsonVersion: String?
        public var targetPrefix: String?
        public var signingName: String?
        /// The XML namespace of a `query` service's answers.
        public var xmlNamespace: String?
        /// Every protocol the service speaks (CloudWatch: `smithy-rpc-v2-cbor`, `json`, `query`).
        public var protocols: [String]?
        /// Errors also carry their `query` code (`x-amzn-query-error`), for clients of the query protocol's era.
        public var awsQueryCompatible: Bool?

        /// Whether requests in `name` are understood.
        public func speaks(_ name: String) -> Bool {
            (protocols ?? [`protocol`]).contains(name)
        }
    }

    public struct Operation: Sendable, Decodable {
        public var method: String
        public var uri: String
        public var status: Int
        public var input: String?
        public var output: String?
        public var errors: [String]
        /// The element a `query` service wraps its output in (`CreateRoleResult`).
        public var resultWrapper: String?
    }

    public struct Member: Sendable, Decodable {
        public var shape: String
        /// `uri`, `querystring`, `header`, `headers`, `statusCode`, or nil for the body.
        public var location: String?
        public var locationName: String?
        public var timestampFormat: String?
        public var jsonvalue: Bool?
    }

    public struct Shape: Sendable, Decodable {
        public var type: String
        public var required: [String]?
        public var payload: String?
        public var members: [String: Member]?
        public var member: String?
        public var key: String?
        public var value: String?
        public var `enum`: [String]?
        public var min: Double?
        public var max: Double?
        public var status: Int?
        public var code: String?
        public var exception: Bool?
        public var timestampFormat: String?
    }

    public var metadata: Metadata
    public var operations: [String: Operation]
    public var shapes: [String: Shape]

    /// The name requests are signed with (`apigateway` for both API Gateway versions).
    public var signingName: String { metadata.signingName ?? metadata.endpointPrefix }

    public subscript(shape name: String) -> Shape? { shapes[name] }

    /// Loads a bundled model: `apigateway`, `apigatewayv2`, `apigatewaymanagementapi`, `lambda`,
    /// `logs`, `iam` or `sts`.
    public static func bundled(_ service: String) throws -> ServiceModel {
        guard let url = Bundle.module.url(forResource: service, withExtension: "json", subdirectory: "models") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "models/\(service).json"])
        }
        return try JSONDecoder().decode(ServiceModel.self, from: Data(contentsOf: url))
    }
}

/// Every management API Gateway serves. Services whose operations are not built yet still
/// route and validate by their model and answer each operation with a clear 501.
public enum Services {
    public static func all() throws -> [ServiceDefinition] {
        [
            try APIGateway.definition(),
            ServiceDefinition(model: try .bundled("apigatewayv2"), validationError: "BadRequestException", handlers: [:]),
            ServiceDefinition(model: try .bundled("lambda"), validationError: "ValidationException", handlers: [:]),
            ServiceDefinition(model: try .bundled("logs"), validationError: "InvalidParameterException", handlers: [:]),
        ]
    }
}

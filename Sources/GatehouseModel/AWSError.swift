import Foundation

/// An error as AWS reports it: the exception name (`x-amzn-ErrorType`), the HTTP status and a
/// human message. Every layer throws this; one place turns it into a response.
public struct AWSError: Error, Sendable, Equatable {
    public var code: String
    public var status: Int
    public var message: String
    /// More members of the error body some exceptions carry (Lambda's `Reason`).
    public var fields: [String: String] = [:]

    public init(_ code: String, status: Int, _ message: String, fields: [String: String] = [:]) {
        self.code = code
        self.status = status
        self.message = message
        self.fields = fields
    }

    public static func badRequest(_ message: String) -> AWSError { AWSError("BadRequestException", status: 400, message) }
    public static func notFound(_ message: String) -> AWSError { AWSError("NotFoundException", status: 404, message) }
    public static func conflict(_ message: String) -> AWSError { AWSError("ConflictException", status: 409, message) }

    public static let missingAuthenticationToken = AWSError(
        "MissingAuthenticationTokenException", status: 403, "Missing Authentication Token")

    public static func notImplemented(_ operation: String) -> AWSError {
        AWSError("NotImplementedException", status: 501, "The operation \(operation) is not implemented by Gatehouse yet.")
    }

    public static func internalFailure() -> AWSError {
        AWSError("InternalFailure", status: 500, "The request processing has failed because of an unknown error.")
    }
}

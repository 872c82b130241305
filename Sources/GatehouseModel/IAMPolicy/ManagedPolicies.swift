import Foundation

/// The AWS managed policies projects attach most, as data (by policy name): what a role's
/// attached `arn:aws:iam::aws:policy/{name}` allows.
public enum ManagedPolicies {
    public static let documents: [String: JSON] = [
        "AWSLambdaBasicExecutionRole": statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]),
        "AWSLambdaExecute": statement(["logs:*", "s3:GetObject", "s3:PutObject"]),
        "AWSLambda_FullAccess": statement(["lambda:*", "logs:*", "apigateway:*", "iam:ListRoles", "iam:GetRole", "iam:PassRole"]),
        "AmazonDynamoDBFullAccess": statement(["dynamodb:*"]),
        "AmazonDynamoDBReadOnlyAccess": statement(["dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:Get*", "dynamodb:List*", "dynamodb:Query", "dynamodb:Scan"]),
        "AmazonS3FullAccess": statement(["s3:*"]),
        "AmazonS3ReadOnlyAccess": statement(["s3:Get*", "s3:List*"]),
        "AmazonSQSFullAccess": statement(["sqs:*"]),
        "AmazonSNSFullAccess": statement(["sns:*"]),
        "AmazonAPIGatewayInvokeFullAccess": statement(["execute-api:Invoke", "execute-api:ManageConnections"]),
        "AmazonAPIGatewayAdministrator": statement(["apigateway:*"]),
        "CloudWatchLogsFullAccess": statement(["logs:*"]),
        "AdministratorAccess": statement(["*"]),
    ]

    private static func statement(_ actions: [String]) -> JSON {
        ["Version": "2012-10-17", "Statement": [["Effect": "Allow", "Action": .array(actions.map(JSON.string)), "Resource": "*"]]]
    }


    /// A role's identity policies: its inline documents (text) and its attached AWS managed ones.
    public static func of(role: JSON) -> [IAMPolicy] {
        var documents = (role["InlinePolicies"]?.objectValue ?? [:]).values.compactMap { $0.stringValue.flatMap { try? JSON(parsing: Data($0.utf8)) } }
        for attached in role["AttachedPolicies"]?.arrayValue ?? [] {
            if let arn = attached["PolicyArn"]?.stringValue, arn.hasPrefix("arn:aws:iam::aws:policy/"),
                let document = Self.documents[String(arn.split(separator: "/").last ?? "")]
            {
                documents.append(document)
            }
        }
        return documents.compactMap { try? IAMPolicy($0) }
    }

    /// What a set of identity policies decides: an explicit deny wins, then an allow.
    public static func decide(_ policies: [IAMPolicy], action: String, resource: String, request: RequestFacts) -> IAMPolicy.Decision {
        let decisions = policies.map { $0.evaluate(action: action, resource: resource, request: request) }
        if decisions.contains(.explicitDeny) { return .explicitDeny }
        return decisions.contains(.allow) ? .allow : .implicitDeny
    }
}

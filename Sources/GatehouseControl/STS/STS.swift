import Foundation
import GatehouseModel
import GatehouseStore

/// The part of STS (`query` protocol) that tools ask first: `GetCallerIdentity` (the configured
/// account and the caller's key, or the role it assumed) and `AssumeRole` (temporary
/// credentials that sign like the configured ones). With `strictIAM`, only roles that exist may
/// be assumed.
public enum STS {
    public static func definition(credentials: TemporaryCredentials, strictIAM: Bool = false) throws -> ServiceDefinition {
        ServiceDefinition(model: try ServiceModel.bundled("sts"), validationError: "ValidationError", handlers: [
            "GetCallerIdentity": { context in
                let caller = context.caller
                if let temporary = credentials.entry(for: caller.accessKeyId) {
                    return ["UserId": .string(temporary.userId), "Account": .string(temporary.account), "Arn": .string(temporary.arn)]
                }
                return ["UserId": .string(caller.accessKeyId), "Account": .string(caller.accountId), "Arn": .string("arn:aws:iam::\(caller.accountId):root")]
            },
            "AssumeRole": { context in try await assumeRole(context, credentials: credentials, strictIAM: strictIAM) },
        ])
    }

    private static func assumeRole(_ context: OperationContext, credentials: TemporaryCredentials, strictIAM: Bool) async throws -> JSON {
        let arn = context.string("RoleArn"), session = context.string("RoleSessionName")
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[5].hasPrefix("role/"), let name = parts[5].split(separator: "/").last else {
            throw AWSError("ValidationError", status: 400, "\(arn) is not a valid role ARN.")
        }
        let account = String(parts[4])
        let role = try await IAM.role(arn: arn, account: account, in: context.store)
        if strictIAM, role == nil {
            throw AWSError("AccessDenied", status: 403,
                "User: arn:aws:iam::\(context.caller.accountId):root is not authorized to perform: sts:AssumeRole on resource: \(arn)")
        }
        let duration = context.input["DurationSeconds"]?.doubleValue ?? 3600
        let (accessKeyId, entry) = credentials.issue(
            role: String(name), account: account, roleID: role?["RoleId"]?.stringValue, session: session, seconds: duration)
        let (assumed, expiration) = (entry.arn, entry.expiration)
        var document = try JSON(parsing: JSONEncoder().encode(entry))
        document["AccessKeyId"] = .string(accessKeyId)
        let stored = document
        try await context.store.write(configuration: false) { tx in
            try await tx.put(DocumentKey(kind: DocumentKind.temporaryCredential, parent: "sts", id: accessKeyId), stored)
        }
        credentials.add(entry, for: accessKeyId)
        return [
            "Credentials": [
                "AccessKeyId": .string(accessKeyId), "SecretAccessKey": .string(entry.secret), "SessionToken": .string(entry.sessionToken),
                "Expiration": .number(expiration),
            ],
            "AssumedRoleUser": ["AssumedRoleId": .string(entry.userId), "Arn": .string(assumed)],
        ]
    }

    /// The unexpired temporary credentials the store holds, for the verifier at start.
    public static func load(into credentials: TemporaryCredentials, from store: any DocumentReader) async throws {
        let now = Date().timeIntervalSince1970
        for document in try await store.documents(kind: DocumentKind.temporaryCredential, parent: "sts") {
            guard let key = document["AccessKeyId"]?.stringValue,
                let entry = try? JSONDecoder().decode(TemporaryCredentials.Entry.self, from: document.serialized()), entry.expiration > now
            else { continue }
            credentials.add(entry, for: key)
        }
    }
}

import Foundation
import GatehouseModel
import Testing

@testable import GatehouseControl

/// AWS's published Signature Version 4 test suite, and the verifier's answers to bad signatures.
@Suite struct SigV4Tests {
    struct Vector: Decodable {
        var name: String
        var request: String
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String
    }

    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let vectorDate = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

    func vectors() throws -> [Vector] {
        let url = try #require(Bundle.module.url(forResource: "sigv4-testsuite", withExtension: "json"))
        return try JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))
    }

    /// Parses a raw test-suite request; folded header lines become further values of the header.
    func parse(_ text: String) -> IncomingRequest {
        let sections = text.components(separatedBy: "\n\n")
        var lines = sections[0].components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [(name: String, value: String)] = []
        for line in lines {
            if line.first == " " || line.first == "\t", let last = headers.last {
                headers.append((last.name, line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let body = sections.count > 1 ? sections.dropFirst().joined(separator: "\n\n") : ""
        return IncomingRequest(
            method: method, rawPath: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : "",
            headers: headers, body: Data(body.utf8))
    }

    @Test func everyVectorProducesAWSCanonicalRequestStringToSignAndSignature() throws {
        let vectors = try vectors()
        #expect(vectors.count >= 25)
        for vector in vectors {
            let request = parse(vector.request)
            let authorization = try SigV4.parseAuthorization(vector.authorization)
            let canonical = SigV4.canonicalRequest(
                method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers,
                signedHeaders: authorization.signedHeaders, payloadHash: SigV4.hexSHA256(request.body))
            #expect(canonical == vector.canonicalRequest, Comment(rawValue: vector.name))
            let stringToSign = SigV4.stringToSign(amzDate: "20150830T123600Z", scope: authorization.scope, canonicalRequest: canonical)
            #expect(stringToSign == vector.stringToSign, Comment(rawValue: vector.name))
            let signature = SigV4.signature(
                secret: Self.secret, date: authorization.date, region: authorization.region, service: authorization.service,
                stringToSign: stringToSign)
            #expect(signature == authorization.signature, Comment(rawValue: vector.name))
        }
    }

    @Test func verifierAcceptsEveryVectorAtItsOwnTime() throws {
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": Self.secret], accountId: "000000000000")
        for vector in try vectors() {
            var request = parse(vector.request)
            request.headers.append(("Authorization", vector.authorization))
            let caller = try verifier.verify(request, now: Self.vectorDate)
            #expect(
                caller == Caller(accessKeyId: "AKIDEXAMPLE", accountId: "000000000000", region: "us-east-1", service: "service"),
                Comment(rawValue: vector.name))
        }
    }

    @Test func aRequestGatehouseSignsVerifiesAndResigningReplacesTheOldSignature() throws {
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": Self.secret], accountId: "000000000000")
        var request = IncomingRequest(
            method: "POST", rawPath: "/", rawQuery: "a=b%20c",
            headers: [("host", "127.0.0.1:5000"), ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.ListTables")],
            body: Data("{}".utf8))
        SigV4.sign(&request, accessKeyId: "AKIDEXAMPLE", secret: Self.secret, region: "us-east-1", service: "dynamodb", now: Self.vectorDate)
        let caller = try verifier.verify(request, now: Self.vectorDate)
        #expect(caller.service == "dynamodb")
        let authorization = try #require(request.header("Authorization"))
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target,"))
        SigV4.sign(&request, accessKeyId: "AKIDEXAMPLE", secret: Self.secret, region: "us-east-1", service: "dynamodb", now: Self.vectorDate)
        #expect(request.headers.filter { $0.name == "Authorization" }.count == 1)
        #expect(try verifier.verify(request, now: Self.vectorDate) == caller)
    }

    func signedVanilla() throws -> IncomingRequest {
        let vector = try #require(try vectors().first { $0.name == "get-vanilla" })
        var request = parse(vector.request)
        request.headers.append(("Authorization", vector.authorization))
        return request
    }

    func expectRejected(
        _ request: IncomingRequest, by verifier: SignatureVerifier, now: Date = vectorDate, code: String, messagePrefix: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: AWSError.self, sourceLocation: sourceLocation) { try verifier.verify(request, now: now) }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(error?.status == 403, sourceLocation: sourceLocation)
        #expect(error?.message.hasPrefix(messagePrefix) ?? false, Comment(rawValue: error?.message ?? ""), sourceLocation: sourceLocation)
    }

    @Test func missingAuthorizationIsMissingAuthenticationToken() throws {
        var request = try signedVanilla()
        request.headers.removeAll { $0.name == "Authorization" }
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": Self.secret], accountId: "000000000000")
        expectRejected(request, by: verifier, code: "MissingAuthenticationTokenException", messagePrefix: "Missing Authentication Token")
    }

    @Test func unknownAccessKeyIsUnrecognizedClient() throws {
        let verifier = SignatureVerifier(secrets: ["test": "test"], accountId: "000000000000")
        expectRejected(try signedVanilla(), by: verifier, code: "UnrecognizedClientException",
            messagePrefix: "The security token included in the request is invalid.")
    }

    @Test func wrongSecretIsInvalidSignature() throws {
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": "not-the-secret"], accountId: "000000000000")
        expectRejected(try signedVanilla(), by: verifier, code: "InvalidSignatureException",
            messagePrefix: "The request signature we calculated does not match the signature you provided.")
    }

    @Test func tamperedPathIsInvalidSignature() throws {
        var request = try signedVanilla()
        request.rawPath = "/other"
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": Self.secret], accountId: "000000000000")
        expectRejected(request, by: verifier, code: "InvalidSignatureException", messagePrefix: "The request signature we calculated")
    }

    @Test func signatureOlderThanFifteenMinutesHasExpired() throws {
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": Self.secret], accountId: "000000000000")
        expectRejected(try signedVanilla(), by: verifier, now: Self.vectorDate.addingTimeInterval(16 * 60),
            code: "InvalidSignatureException", messagePrefix: "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)")
        let request = try signedVanilla()
        #expect(throws: Never.self) { try verifier.verify(request, now: Self.vectorDate.addingTimeInterval(14 * 60)) }
    }

    @Test func signatureFromTheFutureIsNotYetCurrent() throws {
        let verifier = SignatureVerifier(secrets: ["AKIDEXAMPLE": Self.secret], accountId: "000000000000")
        expectRejected(try signedVanilla(), by: verifier, now: Self.vectorDate.addingTimeInterval(-16 * 60),
            code: "InvalidSignatureException", messagePrefix: "Signature not yet current")
    }

    @Test func canonicalURIEncodesTheWirePathAgainAsBotocoreDoes() {
        #expect(SigV4.canonicalURI("/restapis/a%2Fb") == "/restapis/a%252Fb")
        #expect(SigV4.canonicalURI("/2015-03-31/functions/") == "/2015-03-31/functions/")
        #expect(SigV4.canonicalURI("/a/./b/../c//d") == "/a/c/d")
    }

    @Test func aPresignedQueryIsTakenApartAndSignedWithoutItsSignature() throws {
        let query = "a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fexecute-api%2Faws4_request"
            + "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=abc"
        let presigned = try #require(try SigV4.parsePresigned(query))
        #expect(presigned.authorization.scope == "20150830/us-east-1/execute-api/aws4_request")
        #expect((presigned.amzDate, presigned.expires, presigned.authorization.signature) == ("20150830T123600Z", 300, "abc"))
        #expect(!presigned.signedQuery.contains("X-Amz-Signature") && presigned.signedQuery.hasPrefix("a=1&"))
        #expect(try SigV4.parsePresigned("a=1&b=2") == nil)
        #expect(throws: AWSError.self) { try SigV4.parsePresigned(query.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=0")) }
        #expect(throws: AWSError.self) { try SigV4.parsePresigned(query.replacingOccurrences(of: "&X-Amz-Date=20150830T123600Z", with: "")) }
    }
}

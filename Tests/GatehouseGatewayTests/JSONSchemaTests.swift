import Foundation
import Testing

import GatehouseModel

@testable import GatehouseGateway

/// JSON Schema draft-04 as API Gateway request validation applies it, with fge's messages.
@Suite struct JSONSchemaTests {
    static func json(_ text: String) -> JSON {
        do { return try JSON(parsing: Data(text.utf8)) } catch { fatalError("bad test JSON \(text): \(error)") }
    }

    func compile(_ text: String, models: [String: String] = [:]) throws -> JSONSchema {
        try JSONSchema(Self.json(text), resolve: { url in models[url].map(Self.json) })
    }

    func violations(_ schema: String, _ instance: String, models: [String: String] = [:]) throws -> [String] {
        try compile(schema, models: models).validate(Self.json(instance))
    }

    // MARK: Keywords

    @Test(arguments: [
        (#"{"type": "string"}"#, [#""a""#], [#"1"#, #"null"#, #"{}"#]),
        (#"{"type": "integer"}"#, [#"1"#, #"-3"#, #"1.0"#, #"1e3"#], [#"1.5"#, #""1""#]),
        (#"{"type": "number"}"#, [#"1"#, #"1.5"#], [#""1""#, #"true"#]),
        (#"{"type": "boolean"}"#, [#"false"#], [#"0"#, #""true""#]),
        (#"{"type": "null"}"#, [#"null"#], [#"0"#, #""""#]),
        (#"{"type": "object"}"#, [#"{}"#], [#"[]"#]),
        (#"{"type": "array"}"#, [#"[]"#], [#"{}"#]),
        (#"{"type": ["string", "null"]}"#, [#""a""#, #"null"#], [#"1"#, #"[]"#]),
        (#"{"enum": ["a", 1, null, {"k": [1]}]}"#, [#""a""#, #"1"#, #"1.0"#, #"null"#, #"{"k": [1]}"#], [#""b""#, #"{"k": [2]}"#, #"true"#]),
        (#"{"const": 1}"#, [#"2"#], []),
        (#"{}"#, [#"1"#, #""a""#, #"null"#, #"[{}]"#], []),
    ] as [(String, [String], [String])])
    func typeAndEnum(schema: String, valid: [String], invalid: [String]) throws {
        try expect(schema, accepts: valid, rejects: invalid)
    }

    @Test(arguments: [
        (#"{"properties": {"a": {"type": "string"}}}"#, [#"{"a": "x"}"#, #"{}"#, #"{"b": 1}"#, #""not an object""#], [#"{"a": 1}"#]),
        (#"{"patternProperties": {"^x-": {"type": "integer"}}}"#, [#"{"x-a": 1, "y": "s"}"#], [#"{"x-a": "s"}"#, #"{"ax-x-": 1, "x-": "s"}"#]),
        (#"{"properties": {"a": {}}, "patternProperties": {"^b": {}}, "additionalProperties": false}"#, [#"{"a": 1, "bc": 2}"#], [#"{"a": 1, "c": 2}"#]),
        (#"{"properties": {"a": {}}, "additionalProperties": {"type": "string"}}"#, [#"{"a": 1, "b": "x"}"#], [#"{"b": 1}"#]),
        (#"{"required": ["a", "b"]}"#, [#"{"a": 1, "b": null}"#, #""x""#], [#"{"a": 1}"#]),
        (#"{"minProperties": 1, "maxProperties": 2}"#, [#"{"a": 1}"#, #"{"a": 1, "b": 2}"#], [#"{}"#, #"{"a": 1, "b": 2, "c": 3}"#]),
        (#"{"dependencies": {"a": ["b"]}}"#, [#"{"a": 1, "b": 2}"#, #"{"b": 2}"#, #"{}"#], [#"{"a": 1}"#]),
        (#"{"dependencies": {"a": {"required": ["c"]}}}"#, [#"{"a": 1, "c": 1}"#, #"{"c": 1}"#], [#"{"a": 1}"#]),
    ] as [(String, [String], [String])])
    func objectKeywords(schema: String, valid: [String], invalid: [String]) throws {
        try expect(schema, accepts: valid, rejects: invalid)
    }

    @Test(arguments: [
        (#"{"items": {"type": "integer"}}"#, [#"[1, 2]"#, #"[]"#, #""not an array""#], [#"[1, "a"]"#]),
        (#"{"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false}"#, [#"["a", 1]"#, #"["a"]"#], [#"["a", 1, 2]"#, #"[1]"#]),
        (#"{"items": [{}], "additionalItems": {"type": "string"}}"#, [#"[1, "a"]"#], [#"[1, 2]"#]),
        (#"{"items": {}, "additionalItems": false}"#, [#"[1, 2, 3]"#], []),
        (#"{"minItems": 1, "maxItems": 2}"#, [#"[1]"#, #"[1, 2]"#], [#"[]"#, #"[1, 2, 3]"#]),
        (#"{"uniqueItems": true}"#, [#"[1, 2]"#, #"[[1], [2]]"#, #"[{"a": 1}, {"a": 2}]"#, #"[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]"#],
         [#"[1, 1.0]"#, #"[{"a": 1}, {"a": 1}]"#, #"["a", "b", "a"]"#, #"[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0]"#]),
        (#"{"uniqueItems": false}"#, [#"[1, 1]"#], []),
    ] as [(String, [String], [String])])
    func arrayKeywords(schema: String, valid: [String], invalid: [String]) throws {
        try expect(schema, accepts: valid, rejects: invalid)
    }

    @Test(arguments: [
        (#"{"minimum": 1, "maximum": 10}"#, [#"1"#, #"10"#, #"5.5"#, #""100""#], [#"0"#, #"10.5"#]),
        (#"{"minimum": 1, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true}"#, [#"2"#, #"9.99"#], [#"1"#, #"10"#]),
        (#"{"minimum": 1, "exclusiveMinimum": false}"#, [#"1"#], [#"0.5"#]),
        (#"{"multipleOf": 3}"#, [#"9"#, #"-6"#, #"0"#], [#"10"#, #"1.5"#]),
        (#"{"multipleOf": 0.5}"#, [#"1.5"#, #"2"#], [#"1.25"#]),
        (#"{"multipleOf": 0.1}"#, [#"0.3"#, #"-0.7"#], [#"0.35"#]),
        (#"{"multipleOf": 0.01}"#, [#"0.07"#, #"12.34"#], [#"0.001"#, #"12.345"#]),
        (#"{"minLength": 2, "maxLength": 3}"#, [#""ab""#, #""😀😀😀""#, #""e\u0301""#, #"7"#], [#""a""#, #""abcd""#, #""😀""#]),
        (#"{"pattern": "^[a-z]+$"}"#, [#""abc""#, #"1"#], [#""abc1""#, #""""#]),
        (#"{"pattern": "b"}"#, [#""abc""#], [#""xyz""#]),
    ] as [(String, [String], [String])])
    func numberAndStringKeywords(schema: String, valid: [String], invalid: [String]) throws {
        try expect(schema, accepts: valid, rejects: invalid)
    }

    @Test(arguments: [
        (#"{"allOf": [{"type": "integer"}, {"minimum": 2}]}"#, [#"3"#], [#"1"#, #""a""#]),
        (#"{"anyOf": [{"type": "string"}, {"minimum": 2}]}"#, [#""a""#, #"3"#], [#"1"#]),
        (#"{"oneOf": [{"type": "integer"}, {"minimum": 2}]}"#, [#"1"#, #"2.5"#], [#"3"#, #"1.5"#]),
        (#"{"not": {"type": "string"}}"#, [#"1"#], [#""a""#]),
    ] as [(String, [String], [String])])
    func combinators(schema: String, valid: [String], invalid: [String]) throws {
        try expect(schema, accepts: valid, rejects: invalid)
    }

    @Test(arguments: [
        ("date-time", [#""2024-02-29T12:30:00Z""#, #""2024-01-01T00:00:00.123+01:00""#, #""2024-01-01t00:00:00.123456789012-0800""#, #"5"#],
         [#""2023-02-29T00:00:00Z""#, #""2024-01-01""#, #""2024-01-01T00:00:00""#, #""2024-13-01T00:00:00Z""#, #""2024-01-01T24:00:00Z""#]),
        ("email", [#""a@b.com""#, #""foo@bar""#, #""first.last+tag@example.co.uk""#], [#""plain""#, #""a@""#, #""@b""#, #""a b@c.com""#, #""a..b@c.com""#]),
        ("ipv4", [#""192.168.0.1""#, #""0.0.0.0""#], [#""256.1.1.1""#, #""1.2.3""#, #""01.2.3.4""#, #""::1""#]),
        ("ipv6", [#""::1""#, #""2001:db8::8a2e:370:7334""#, #""::ffff:1.2.3.4""#], [#""1::2::3""#, #""12345::""#, #""1.2.3.4""#]),
        ("hostname", [#""example.com""#, #""localhost""#, #""a-b.example.com.""#], [#""-a.com""#, #""a..b""#, #""1.2.3.4""#, #""a b.com""#]),
        ("uri", [#""https://example.com/a?b=c#d""#, #""mailto:a@b.c""#, #""relative/path""#, #""http://[::1]:80/""#],
         [#""http://exa mple.com""#, #""1http://x""#, #""a#b#c""#, #""%zz""#, #""mailto:""#, #""a[1]""#]),
        ("int64", [#""anything""#, #"1"#], []),
    ] as [(String, [String], [String])])
    func formats(format: String, valid: [String], invalid: [String]) throws {
        try expect(#"{"format": "\#(format)"}"#, accepts: valid, rejects: invalid)
    }

    func expect(_ schema: String, accepts valid: [String], rejects invalid: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let compiled = try compile(schema)
        for instance in valid {
            #expect(compiled.validate(Self.json(instance)) == [], "\(instance) should be valid", sourceLocation: sourceLocation)
            #expect(compiled.isValid(Self.json(instance)), sourceLocation: sourceLocation)
        }
        for instance in invalid {
            #expect(compiled.validate(Self.json(instance)).count == 1, "\(instance) should break one rule", sourceLocation: sourceLocation)
            #expect(!compiled.isValid(Self.json(instance)), sourceLocation: sourceLocation)
        }
    }

    /// fge applies `additionalItems` to every element when `items` is absent; most validators ignore it.
    @Test func additionalItemsWithoutItemsAppliesToEveryElement() throws {
        try expect(#"{"additionalItems": {"type": "string"}}"#, accepts: [#"["a"]"#], rejects: [#"["a", 1]"#])
    }

    // MARK: References

    @Test func refsFollowLocalPointersWithEscapes() throws {
        let schema = #"""
            {"definitions": {"a/b": {"type": "integer"}, "c~d": {"type": "string"}, "e f": {"type": "null"}},
             "items": [{"$ref": "#/definitions/a~1b"}, {"$ref": "#/definitions/c~0d"}, {"$ref": "#/definitions/e%20f"},
                       {"$ref": "#/items/0"}]}
            """#
        try expect(schema, accepts: [#"[1, "x", null, 2]"#], rejects: [#"[1, "x", 1]"#, #"[1, "x", null, "y"]"#])
    }

    @Test func refIgnoresItsSiblings() throws {
        let schema = ##"{"definitions": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 1}}}"##
        try expect(schema, accepts: [#"{"a": "long"}"#], rejects: [#"{"a": 1}"#])
    }

    @Test func recursiveSchemasValidateNestedInstances() throws {
        let tree = ##"{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}}}"##
        try expect(tree, accepts: [#"{"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]}"#],
                   rejects: [#"{"name": "a", "children": [{"name": "b", "children": [{}]}]}"#])
        #expect(try violations(tree, #"{"name": "a", "children": [{"name": 1}]}"#)
            == [#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#])
    }

    static let pet = #"""
        {"$schema": "http://json-schema.org/draft-04/schema#", "title": "PetStoreModel", "type": "object",
         "required": ["price", "type"],
         "properties": {"id": {"type": "integer"}, "type": {"type": "string", "enum": ["dog", "cat", "fish"]},
                        "price": {"type": "number", "minimum": 25.0, "maximum": 500.0}}}
        """#

    @Test func refsToOtherModelsGoThroughTheResolver() throws {
        let pets = #"{"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/abc123/models/Pet"}}"#
        let models = ["https://apigateway.amazonaws.com/restapis/abc123/models/Pet": Self.pet]
        #expect(try violations(pets, #"[{"id": 1, "type": "dog", "price": 249.99}]"#, models: models) == [])
        #expect(try violations(pets, #"[{"id": 1, "type": "dog", "price": 249.99}, {"type": "cat"}]"#, models: models)
            == [#"object has missing required properties (["price"])"#])
    }

    @Test func resolverIsAskedOncePerDocumentWithoutTheFragment() throws {
        let url = "https://apigateway.amazonaws.com/restapis/abc123/models/Common"
        var asked: [String] = []
        let schema = try JSONSchema(Self.json(#"""
            {"properties": {"id": {"$ref": "\#(url)#/definitions/id"}, "ids": {"items": {"$ref": "\#(url)#/definitions/id"}},
                            "all": {"$ref": "\#(url)"}}}
            """#)) { requested in
            asked.append(requested)
            return Self.json(#"{"type": "object", "definitions": {"id": {"type": "string", "pattern": "^[0-9a-f]+$"}}}"#)
        }
        #expect(asked == [url])
        #expect(schema.isValid(Self.json(#"{"id": "beef", "ids": ["00"], "all": {}}"#)))
        #expect(schema.validate(Self.json(#"{"ids": ["xyz"]}"#)) == [#"ECMA 262 regex "^[0-9a-f]+$" does not match input string "xyz""#])
    }

    @Test func modelsMayReferToEachOtherRecursively() throws {
        let base = "https://apigateway.amazonaws.com/restapis/abc123/models/"
        let models = [
            base + "Person": #"{"type": "object", "properties": {"employer": {"$ref": "\#(base)Company"}}}"#,
            base + "Company": #"{"type": "object", "properties": {"ceo": {"$ref": "\#(base)Person"}}}"#,
        ]
        let root = #"{"$ref": "\#(base)Person"}"#
        #expect(try violations(root, #"{"employer": {"ceo": {"employer": {}}}}"#, models: models) == [])
        #expect(try violations(root, #"{"employer": {"ceo": []}}"#, models: models).count == 1)
    }

    @Test(arguments: [
        (##"{"$ref": "#"}"##, "JSON Reference loops on itself"),
        (##"{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}}"##, "JSON Reference loops on itself"),
        (##"{"allOf": [{"$ref": "#"}]}"##, "validation loop: # -> #/allOf/0 -> # applies schemas to the same instance forever"),
        (##"{"definitions": {"a": {"not": {"anyOf": [{"$ref": "#/definitions/a"}]}}}}"##, "validation loop"),
    ])
    func loopsThatNeverReachTheInstanceAreRejected(schema: String, reason: String) {
        let error = #expect(throws: JSONSchema.SchemaError.self) { try compile(schema) }
        #expect(error?.reason.hasPrefix(reason) == true, "\(String(describing: error))")
    }

    @Test func loopsAcrossModelsAreRejected() {
        let base = "https://apigateway.amazonaws.com/restapis/abc123/models/"
        let models = [base + "A": #"{"$ref": "\#(base)B"}"#, base + "B": #"{"$ref": "\#(base)A"}"#]
        #expect(throws: JSONSchema.SchemaError.self) { try compile(#"{"$ref": "\#(base)A"}"#, models: models) }
    }

    // MARK: Invalid schemas

    @Test(arguments: [
        (#""string""#, "#", "a schema must be an object, found string"),
        (#"{"properties": {"a": {"type": "integr"}}}"#, "#/properties/a/type", #"unknown type "integr""#),
        (#"{"minLength": -1}"#, "#/minLength", "must be a non-negative integer"),
        (#"{"maxItems": 1.5}"#, "#/maxItems", "must be a non-negative integer"),
        (#"{"required": "a"}"#, "#/required", "must be an array of strings"),
        (#"{"properties": {"a": 1}}"#, "#/properties/a", "a schema must be an object, found integer"),
        (#"{"pattern": "("}"#, "#/pattern", #""(" is not a valid regular expression"#),
        (#"{"patternProperties": {"[": {}}}"#, "#/patternProperties/[", #""[" is not a valid regular expression"#),
        (#"{"items": 1}"#, "#/items", "must be a schema or an array of schemas"),
        (#"{"additionalProperties": "no"}"#, "#/additionalProperties", "must be a boolean or a schema"),
        (#"{"multipleOf": 0}"#, "#/multipleOf", "must be greater than 0"),
        (#"{"anyOf": []}"#, "#/anyOf", "must be a non-empty array of schemas"),
        (#"{"enum": []}"#, "#/enum", "must be a non-empty array"),
        (#"{"minimum": 0, "exclusiveMinimum": 1}"#, "#/exclusiveMinimum", "must be a boolean"),
        (#"{"dependencies": {"a": "b"}}"#, "#/dependencies/a", "must be a schema or an array of strings"),
        (#"{"$ref": 1}"#, "#/$ref", "must be a string"),
        (##"{"$ref": "#/definitions/missing"}"##, "#/$ref", ##"JSON Reference "#/definitions/missing" cannot be resolved"##),
        (#"{"$ref": "https://apigateway.amazonaws.com/restapis/x/models/Nope"}"#, "#/$ref",
         #"JSON Reference "https://apigateway.amazonaws.com/restapis/x/models/Nope" cannot be resolved"#),
        (#"{"definitions": {"unused": {"type": 5}}}"#, "#/definitions/unused/type", "must be a type name or a non-empty array of type names"),
    ])
    func malformedSchemasThrowWithTheirLocation(schema: String, pointer: String, reason: String) {
        #expect(throws: JSONSchema.SchemaError(pointer: pointer, reason: reason)) { try compile(schema) }
    }

    @Test func schemaErrorsReadWell() {
        let error = JSONSchema.SchemaError(pointer: "#/properties/a/type", reason: #"unknown type "integr""#)
        #expect(error.description == #"invalid JSON schema at #/properties/a/type: unknown type "integr""#)
    }

    // MARK: Messages

    @Test(arguments: [
        (#"{"id": 1, "type": "dog", "price": 249.99}"#, [String]()),
        (#"{"type": "dog"}"#, [#"object has missing required properties (["price"])"#]),
        (#"{}"#, [#"object has missing required properties (["price","type"])"#]),
        (#"{"type": "dog", "price": 10}"#, ["numeric instance is lower than the required minimum (minimum: 25, found: 10)"]),
        (#"{"type": "dog", "price": 600.5}"#, ["numeric instance is greater than the required maximum (maximum: 500, found: 600.5)"]),
        (#"{"type": "lizard", "price": 30}"#, [#"instance value ("lizard") not found in enum (possible values: ["dog","cat","fish"])"#]),
        (#"{"id": "x", "type": "dog", "price": 30}"#, [#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#]),
        (#"{"id": 1.5, "type": 7, "price": "30"}"#, [
            #"instance type (number) does not match any allowed primitive type (allowed: ["integer"])"#,
            #"instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])"#,
            #"instance value (7) not found in enum (possible values: ["dog","cat","fish"])"#,
            #"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#,
        ]),
        (#"[]"#, [#"instance type (array) does not match any allowed primitive type (allowed: ["object"])"#]),
    ])
    func petModelFromTheAPIGatewayDocs(body: String, messages: [String]) throws {
        #expect(try violations(Self.pet, body) == messages)
    }

    @Test(arguments: [
        (#"{"items": [{}], "additionalItems": false}"#, #"[1, 2, 3]"#, "schema only allows 1 elements in array but instance has 3 elements"),
        (#"{"minItems": 2}"#, #"[1]"#, "array is too short: must have at least 2 elements but instance has 1 elements"),
        (#"{"maxItems": 1}"#, #"[1, 2]"#, "array is too long: must have at most 1 elements but instance has 2 elements"),
        (#"{"uniqueItems": true}"#, #"[1, 2, 1]"#, "array must not contain duplicate elements"),
        (#"{"minimum": 1, "exclusiveMinimum": true}"#, #"1"#, "numeric instance is not strictly greater than the required minimum 1"),
        (#"{"maximum": 2.5, "exclusiveMaximum": true}"#, #"2.5"#, "numeric instance is not strictly lower than the required maximum 2.5"),
        (#"{"multipleOf": 2}"#, #"7"#, "remainder of division is not zero (7 / 2)"),
        (#"{"minLength": 2}"#, #""😀""#, #"string "😀" is too short (length: 1, required minimum: 2)"#),
        (#"{"maxLength": 3}"#, #""abcd""#, #"string "abcd" is too long (length: 4, maximum allowed: 3)"#),
        (#"{"pattern": "^a"}"#, #""ba""#, #"ECMA 262 regex "^a" does not match input string "ba""#),
        (#"{"minProperties": 2}"#, #"{"a": 1}"#, "object has too few properties (found 1 but schema requires at least 2)"),
        (#"{"maxProperties": 1}"#, #"{"a": 1, "b": 2}"#, "object has too many properties (found 2 but schema requires at most 1)"),
        (#"{"additionalProperties": false, "properties": {"a": {}}}"#, #"{"a": 1, "z": 1, "b": 2}"#,
         #"object instance has properties which are not allowed by the schema: ["b","z"]"#),
        (#"{"dependencies": {"a": ["b", "c"]}}"#, #"{"a": 1, "b": 2}"#,
         #"property "a" of object has missing property dependencies (schema requires ["b","c"]; missing: ["c"])"#),
        (#"{"type": ["string", "array"]}"#, #"1"#, #"instance type (integer) does not match any allowed primitive type (allowed: ["array","string"])"#),
        (#"{"enum": [{"a": [1, "x"]}]}"#, #"{"a": null}"#, #"instance value ({"a":null}) not found in enum (possible values: [{"a":[1,"x"]}])"#),
        (#"{"allOf": [{"type": "string"}, {"minLength": 1}, {"maxLength": 0}]}"#, #""x""#,
         "instance failed to match all required schemas (matched only 2 out of 3)"),
        (#"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#, #"1"#, "instance failed to match at least one required schema among 2"),
        (#"{"oneOf": [{"type": "integer"}, {"minimum": 0}]}"#, #"1"#, "instance failed to match exactly one schema (matched 2 out of 2)"),
        (#"{"oneOf": [{"type": "string"}, {"type": "null"}]}"#, #"1"#, "instance failed to match exactly one schema (matched 0 out of 2)"),
        (#"{"not": {"type": "integer"}}"#, #"1"#, "instance matched a schema which it should not have"),
        (#"{"format": "date-time"}"#, #""yesterday""#,
         #"string "yesterday" is invalid against requested date format(s) [yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]"#),
        (#"{"format": "email"}"#, #""nobody""#, #"string "nobody" is not a valid email address"#),
        (#"{"format": "hostname"}"#, #""-x""#, #"string "-x" is not a valid hostname"#),
        (#"{"format": "ipv4"}"#, #""1.2.3""#, #"string "1.2.3" is not a valid IPv4 address"#),
        (#"{"format": "ipv6"}"#, #""1.2.3.4""#, #"string "1.2.3.4" is not a valid IPv6 address"#),
        (#"{"format": "uri"}"#, #""a b""#, #"string "a b" is not a valid URI"#),
    ])
    func messagesFollowFge(schema: String, instance: String, message: String) throws {
        #expect(try violations(schema, instance) == [message])
    }

    @Test func oneLevelReportsEveryViolationInKeywordOrder() throws {
        let schema = #"{"type": "object", "required": ["a"], "maxProperties": 1, "additionalProperties": false}"#
        #expect(try violations(schema, #"{"c": 1, "b": 2}"#) == [
            #"object instance has properties which are not allowed by the schema: ["b","c"]"#,
            "object has too many properties (found 2 but schema requires at most 1)",
            #"object has missing required properties (["a"])"#,
        ])
    }

    @Test func membersAreNotCheckedOnceTheirObjectFailed() throws {
        let schema = #"{"required": ["a"], "properties": {"b": {"type": "string"}}}"#
        #expect(try violations(schema, #"{"b": 1}"#) == [#"object has missing required properties (["a"])"#])
    }

    @Test func siblingsAreCheckedButNothingDeeperAfterAFailure() throws {
        let schema = #"{"properties": {"a": {"type": "string"}, "b": {"type": "object", "properties": {"c": {"type": "string"}}}, "d": {"type": "string"}}}"#
        #expect(try violations(schema, #"{"d": 4, "b": {"c": 3}, "a": 1}"#) == [
            #"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#,
            #"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#,
        ])
    }

    @Test func schemaDependenciesReportIntoTheSameList() throws {
        let schema = #"{"dependencies": {"card": {"required": ["billing"]}}, "required": ["name"]}"#
        #expect(try violations(schema, #"{"card": 1}"#) == [
            #"object has missing required properties (["billing"])"#,
            #"object has missing required properties (["name"])"#,
        ])
    }

    // MARK: Sharing

    @Test func oneCompiledSchemaServesConcurrentRequests() async throws {
        let schema = try compile(#"{"allOf": [\#(Self.pet)], "properties": {"name": {"pattern": "^[A-Z][a-z]+$"}}}"#)
        let bodies = [#"{"type": "dog", "price": 30, "name": "Rex"}"#, #"{"type": "dog", "price": 30, "name": "rex"}"#].map(Self.json)
        let results = await withTaskGroup(of: [String].self) { group in
            for index in 0..<200 { group.addTask { schema.validate(bodies[index % 2]) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter(\.isEmpty).count == 100)
        #expect(results.filter { $0 == [#"ECMA 262 regex "^[A-Z][a-z]+$" does not match input string "rex""#] }.count == 100)
    }
}

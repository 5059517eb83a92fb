import Foundation
import Testing
@testable import ConvergenceHTTP

@Suite struct JSONParserTests {
    func parse(_ text: String, maxDepth: Int = 64) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"s":"a\"b\\c\/d\n","n":-12.5e1,"i":42,"t":true,"f":false,"z":null,"a":[1,[2,{}],[]]} "#)
        guard case .object(let o) = value else { Issue.record("not an object"); return }
        #expect(o["s"] == .string("a\"b\\c/d\n"))
        #expect(o["n"] == .number(-125))
        #expect(o["i"] == .number(42))
        #expect(o["t"] == .bool(true))
        #expect(o["f"] == .bool(false))
        #expect(o["z"] == .null)
        #expect(o["a"] == .array([.number(1), .array([.number(2), .object([:])]), .array([])]))
    }

    @Test func decodesUnicodeEscapesIncludingSurrogatePairs() throws {
        #expect(try parse(#""\u00e9\u263A\ud83d\ude00""#) == .string("é☺😀"))
        #expect(try parse("\"héllo 👋\"") == .string("héllo 👋"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", "-", "1e", "tru", "nul", "\"abc",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{01}b\"", "{\"a\" 1}", "[1 2]", "1 2", "NaN", "1e999",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xC3, 0x22]) }
    }

    @Test func enforcesTheDepthBound() throws {
        let deep = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(throws: Never.self) { try parse(deep, maxDepth: 10) }
        #expect(throws: JSONParser.Failure.self) { try parse(deep, maxDepth: 9) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try parse(hostile) }
    }

    @Test func failureNamesTheOffset() {
        do {
            _ = try parse("[1, x]")
            Issue.record("expected failure")
        } catch {
            #expect(error.offset == 4)
        }
    }

    @Test func serializerRoundTripsAndAgreesWithFoundation() throws {
        let text = #"{"b":[1,2.5,"x\u0001\"\n"],"a":{"c":null,"d":true},"e":"é😀"}"#
        let value = try parse(text)
        let bytes = JSONSerializer.bytes(value)
        #expect(try JSONParser.parse(bytes) == value)
        let viaFoundation = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect((viaFoundation?["e"] as? String) == "é😀")
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"a":{"c":null,"d":true},"b":[1,2.5,"x\u0001\"\n"]"#))
    }
}

@Suite struct DuplicateKeyTests {
    @Test(arguments: [
        #"{"a":1,"a":2}"#,
        #"{"operations":[{"type":"llm_call","tokens":5,"tokens":50000}]}"#,
        #"{"a":1,"\u0061":2}"#, // the same key once escaped
        "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":1}", // a large object: the set path
    ])
    func requestBodiesRefuseRepeatedKeys(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONDocument.parse(Array(text.utf8), rejectDuplicateKeys: true) }
    }

    @Test func distinctKeysAndNestedRepeatsInOtherObjectsPass() throws {
        _ = try JSONDocument.parse(Array(#"{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":1}]}"#.utf8), rejectDuplicateKeys: true)
        let large = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        _ = try JSONDocument.parse(Array(large.utf8), rejectDuplicateKeys: true)
    }

    @Test func theFailureNamesTheKeyBounded() {
        let long = String(repeating: "x", count: 20_000)
        do {
            _ = try JSONDocument.parse(Array("{\"\(long)\":1,\"\(long)\":2}".utf8), rejectDuplicateKeys: true)
            Issue.record("accepted")
        } catch {
            #expect(error.reason.contains("duplicate key"))
            #expect(error.reason.utf8.count < 100)
        }
    }
}

@Suite struct QueryRuleTests {
    func check(_ query: String, _ allowed: Set<String>) -> String? {
        do { try QueryRule.check(query, allowed: allowed); return nil } catch { return error.message }
    }

    @Test func declaredParametersPassAndOthersAreNamed() {
        #expect(check("customer_id=x&limit=3", ["customer_id", "limit"]) == nil)
        #expect(check("tenant_id=acme", ["customer_id"])?.contains("Unknown parameter tenant_id; this endpoint takes customer_id") == true)
        #expect(check("foo=1", [])?.contains("takes no query parameters") == true)
    }

    @Test func undecodableNamesAndValuesAreRefused() {
        #expect(check("%ZZ=1", ["a"])?.contains("not valid percent-encoded") == true)
        #expect(check("%C3=1", ["a"])?.contains("not valid percent-encoded") == true, "half a UTF-8 sequence")
        #expect(check("a=%FF", ["a"])?.contains("value of a") == true)
    }

    @Test func longNamesComeBackTruncated() throws {
        let message = try #require(check(String(repeating: "n", count: 20_000) + "=1", []))
        #expect(message.utf8.count < 150)
    }

    @Test func aKeyInTheURLGetsItsOwnMessage() {
        #expect(check("api_key=sk_live_abc", [])?.contains("never in the URL") == true)
        #expect(check("api_key=sk_live_abc", [])?.contains("sk_live_abc") == false)
    }
}

@Suite struct JSONObjectTests {
    @Test func repeatedKeysKeepTheLastValue() throws {
        guard case .object(let o) = try JSONParser.parse(Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8)) else {
            Issue.record("not an object")
            return
        }
        #expect(o["a"] == .number(3))
        #expect(o.count == 2)
        #expect(Set(o.keys) == ["a", "b"])
        #expect(o == ["a": .number(3), "b": .number(2)], "equality ignores order and shadowed members")
        #expect(String(decoding: JSONSerializer.bytes(.object(o)), as: UTF8.self) == #"{"a":3,"b":2}"#)
    }

    @Test func subscriptSetsAndRemoves() {
        var o: JSONObject = ["x": .bool(true)]
        o["y"] = .null
        o["x"] = .bool(false)
        #expect(o["x"] == .bool(false))
        o["y"] = nil
        #expect(o.keys == ["x"])
        #expect(o["missing"] == nil)
    }

    @Test func largeObjectsDeduplicateKeysToo() throws {
        let members = (0..<40).map { "\"k\($0 % 20)\": \($0)" }.joined(separator: ",")
        guard case .object(let o) = try JSONParser.parse(Array("{\(members)}".utf8)) else { return }
        #expect(o.count == 20)
        #expect(o["k0"] == .number(20))
    }
}

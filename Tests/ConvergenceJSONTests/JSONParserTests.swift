import Foundation
import Testing
@testable import ConvergenceJSON

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

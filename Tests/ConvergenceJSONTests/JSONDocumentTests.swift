import ConvergenceCore
import Testing
@testable import ConvergenceJSON

/// The flat document the check path reads in place (no tree).
@Suite struct JSONDocumentTests {
    func document(_ text: String) throws -> JSONDocument { try JSONDocument.parse(Array(text.utf8)) }

    @Test func membersAreFoundByNameAndTheLastRepeatWins() throws {
        let doc = try document(#"{"a": 1, "b": {"c": [true, null]}, "a": "again"}"#)
        #expect(doc.kind(doc.root) == .object)
        #expect(doc.count(doc.root) == 3, "members as sent, repeats included")
        let a = try #require(doc.member(doc.root, "a"))
        #expect(doc.string(a) == "again")
        let b = try #require(doc.member(doc.root, "b"))
        let c = try #require(doc.member(b, "c"))
        #expect(doc.kind(c) == .array)
        #expect(doc.elements(c).map { doc.kind($0) } == [.bool, .null])
        #expect(doc.member(doc.root, "missing") == nil)
        #expect(doc.member(b, "a") == nil, "only the object's own members")
    }

    @Test func siblingsSkipWholeSubtrees() throws {
        let doc = try document(#"[{"x": [1, [2, 3], {"y": 4}]}, "after", 5]"#)
        let elements = Array(doc.elements(doc.root))
        #expect(elements.count == 3)
        #expect(doc.string(elements[1]) == "after")
        #expect(doc.number(elements[2]) == 5)
    }

    @Test func escapedStringsAreDecodedOnReadAndComparedDecoded() throws {
        let doc = try document(#"{"k\u0065y": "tab\there \"q\" \u00e9\ud83d\ude00"}"#)
        let value = try #require(doc.member(doc.root, "key"), "a key written with an escape still matches")
        #expect(doc.string(value) == "tab\there \"q\" é😀")
        #expect(doc.utf8Count(value) == "tab\there \"q\" é😀".utf8.count)
    }

    @Test func numbersKeepTheirValue() throws {
        let doc = try document("[0, -0, 42, -17, 123456789012345, 1234567890123456789, 1.5, -2e3, 1E-2]")
        let values = doc.elements(doc.root).map { doc.number($0) }
        #expect(values == [0, -0.0, 42, -17, 123456789012345, 1234567890123456789, 1.5, -2000, 0.01])
    }

    @Test func longStringsWithEveryKindOfByteSurvive() throws {
        // Long enough for the eight-at-a-time scan, with specials at every offset.
        for offset in 0..<17 {
            let prefix = String(repeating: "a", count: offset)
            let text = prefix + "é\\\"\n" + String(repeating: "z", count: 40 - offset)
            let json = JSONSerializer.bytes(.string(text))
            let doc = try JSONDocument.parse(json)
            #expect(doc.string(doc.root) == text)
        }
    }

    @Test func materialisedValuesMatchTheDocument() throws {
        let text = #"{"s":"x","n":[1,2.5,{"t":true,"f":false,"z":null}],"e":{}}"#
        let doc = try document(text)
        #expect(doc.value(doc.root) == (try JSONParser.parse(Array(text.utf8))))
    }

    @Test func controlCharactersAndBadUTF8AreRefusedAtTheirOffset() {
        #expect(throws: JSONParser.Failure(offset: 5, reason: "control character in string")) {
            try JSONDocument.parse(Array("\"abcd\u{01}\"".utf8))
        }
        #expect(throws: JSONParser.Failure(offset: 1, reason: "string is not valid UTF-8")) {
            try JSONDocument.parse([0x22] + Array(repeating: 0x61, count: 20) + [0xC3, 0x28, 0x22])
        }
        #expect(throws: JSONParser.Failure(offset: 1, reason: "string is not valid UTF-8")) {
            try JSONDocument.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) // an encoded surrogate
        }
    }
}

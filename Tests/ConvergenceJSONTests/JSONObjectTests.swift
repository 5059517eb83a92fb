import Testing
@testable import ConvergenceJSON

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

import Testing
@testable import ConvergenceJSON

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

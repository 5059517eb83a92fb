@testable import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceJSON
@testable import ConvergenceServer
import Testing

/// JSON merge patch (RFC 7396) as PATCH /policies/{id} applies it, and the
/// audit row's violations.
@Suite struct PolicyEditTests {
    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test(arguments: [
        // RFC 7396, appendix A (a selection) and the policy cases.
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        (#"{"name":"p","rules":{"max_tokens":5,"block_threshold":30,"risk_weights":{"personal_data":90,"large_dataset":10}}}"#,
         #"{"rules":{"max_tokens":null,"risk_weights":{"large_dataset":null}}}"#,
         #"{"name":"p","rules":{"block_threshold":30,"risk_weights":{"personal_data":90}}}"#),
    ])
    func mergePatch(target: String, patch: String, expected: String) throws {
        #expect(JSONMergePatch.apply(try json(patch), to: try json(target)) == (try json(expected)))
    }

    @Test func aNonObjectPatchReplacesTheTarget() throws {
        #expect(JSONMergePatch.apply(try json(#"["c"]"#), to: try json(#"{"a":"b"}"#)) == (try json(#"["c"]"#)))
        #expect(JSONMergePatch.apply(try json(#"{"a":"b"}"#), to: nil) == (try json(#"{"a":"b"}"#)))
    }

    @Test func theAuditRowCarriesViolationsAndWouldBlockBy() throws {
        let rules = try PolicyRules.parse(try json(#"{"max_external_calls": 1}"#))
        let policies = [Policy(id: "pol_e", version: 7, mode: .enforce, rules: rules),
                        Policy(id: "pol_m", version: 2, mode: .monitor, rules: try PolicyRules.parse(try json(#"{"max_tokens": 1}"#)))]
        let request = try CheckRequest.from(try JSONDocument.parse(Array(#"""
            {"operations": [{"type": "external_api_call", "tokens": 5}, {"type": "external_api_call"}], "context": {"user_id": "u1"}}
            """#.utf8)))
        let decision = RiskEngine.evaluate(request, policies: policies, pii: [], at: 0, caller: Caller(keyID: "key_test"))
        var random = RandomPool()
        let bytes = ByteBuffer()
        CheckAuditRecord.write(.init(request: request, decision: decision, pii: [], customerID: "c", keyID: "k", requestID: "r",
                                     latencyMicros: 1), createdAtMicros: 0, random: &random, into: bytes)
        let row = String(decoding: bytes.array, as: UTF8.self)
        let fields = row.dropLast().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        #expect(fields.count == AuditRecord.columns.count)
        func field(_ name: String) -> String { fields[AuditRecord.columns.firstIndex(of: name)!] }
        #expect(field("violations") == #"[{"policy_id":"pol_e","version":7,"rule":"max_external_calls","mode":"enforce","#
            + #""detail":"2 external calls, at most 1"},{"policy_id":"pol_m","version":2,"rule":"max_tokens","mode":"monitor","#
            + #""detail":"operations[0].tokens over 1"}]"#)
        #expect(field("would_block_by") == "[]", "blocked anyway: nothing would have been")
        #expect(field("policy_versions") == #"["pol_e:7","pol_m:2"]"#)
    }

    @Test func aRowSpooledBeforeTheNewColumnsIsPaddedWithNulls() {
        var legacy = AuditRecord(id: "0b7e3c1a-0000-4000-8000-000000000001", kind: .admin, createdAtMicros: 0, requestID: "r")
        legacy.action = "policy.update"
        let current = legacy.copyRow()
        // The same record as a binary without the new columns spooled it: 17 fields.
        var fields = current.split(separator: 9, omittingEmptySubsequences: false)
        fields.removeLast(AuditRecord.columns.count - AuditRecord.legacyColumnCount)
        let old = Array(fields.joined(separator: [9])) + [10]
        var rows: [UInt8] = []
        old.withUnsafeBytes { AuditRecord.appendRow($0, to: &rows) }
        #expect(rows == current, "padded with \\N for violations and would_block_by")
        var unchanged: [UInt8] = []
        current.withUnsafeBytes { AuditRecord.appendRow($0, to: &unchanged) }
        #expect(unchanged == current)
    }
}

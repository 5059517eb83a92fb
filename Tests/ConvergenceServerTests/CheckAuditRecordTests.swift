import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergencePII
import ConvergenceJSON
@testable import ConvergenceServer
import XCTest

/// What a check's audit record holds (no input text, no context) and how it is escaped for COPY.
final class CheckAuditRecordTests: XCTestCase {
    func testCheckRecordsCarryNoInputTextNoContextAndNoFlaggedIdentifiers() throws {
        let body = try JSONDocument.parse(Array(#"""
            {"operations": [{"type": "llm_call", "model": "gpt-4", "provider": "openai", "tokens": 900,
                             "input": "email jane.doe@example.com", "destination": "https://secret.example"}],
             "context": {"user_id": "jane.doe@example.com", "session_id": "s1", "note": "private"}}
            """#.utf8))
        let request = try CheckRequest.from(body)
        let pii = PIIDetector.scan(request)
        let decision = RiskEngine.evaluate(request, policies: [], pii: pii, at: 0, caller: Caller(keyID: "key_test"))
        var random = RandomPool()
        let bytes = ByteBuffer()
        CheckAuditRecord.write(.init(request: request, decision: decision, pii: pii, customerID: "c", keyID: "k", requestID: "req_x",
                                     latencyMicros: 12), createdAtMicros: 1_700_000_000_123_456, random: &random, into: bytes)
        let row = String(decoding: bytes.array, as: UTF8.self)
        XCTAssertTrue(row.hasSuffix("\n"))
        let fields = row.dropLast().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(fields.count, AuditRecord.columns.count, row)
        func field(_ name: String) -> String { fields[AuditRecord.columns.firstIndex(of: name)!] }
        XCTAssertFalse(row.contains("jane"), row)
        XCTAssertFalse(row.contains("secret.example"), row)
        XCTAssertFalse(row.contains("private"), row)
        XCTAssertNotNil(UUID(uuidString: field("id")))
        XCTAssertEqual(field("kind"), "check")
        XCTAssertEqual(field("created_at"), "2023-11-14 22:13:20.123456+00")
        XCTAssertEqual(field("user_id"), "\\N", "a user_id that is itself personal data is not kept")
        XCTAssertEqual(field("session_id"), "s1")
        XCTAssertEqual(field("decision"), decision.allowed ? "allow" : "block")
        XCTAssertEqual(field("risk_score"), String(decision.riskScore))
        XCTAssertEqual(field("would_block"), "f")
        XCTAssertEqual(field("latency_us"), "12")
        XCTAssertEqual(field("operations"), #"[{"type":"llm_call","model":"gpt-4","provider":"openai","tokens":900}]"#)
        XCTAssertTrue(field("reasons").contains(#"{"factor":"personal_data","points":70,"kinds":["email"]}"#), field("reasons"))
        XCTAssertEqual(field("action"), "\\N")
    }

    /// A client that puts personal data where an identifier or a model name belongs
    /// (`sess_4111…`, a model "named" after an address) does not get it into the trail.
    func testFlaggedIdentifiersAndOperationFieldsNeverReachTheTrail() throws {
        let body = try JSONDocument.parse(Array(#"""
            {"operations": [{"type": "llm_call", "model": "bob@example.org", "provider": "internal"}],
             "context": {"user_id": "u1", "session_id": "sess_4111111111111111"}}
            """#.utf8))
        let request = try CheckRequest.from(body)
        let pii = PIIDetector.scan(request)
        let bytes = ByteBuffer()
        var random = RandomPool()
        CheckAuditRecord.write(.init(request: request, decision: RiskEngine.evaluate(request, policies: [], pii: pii, at: 0, caller: Caller(keyID: "key_test")), pii: pii,
                                     customerID: "c", keyID: "k", requestID: "req_x", latencyMicros: 1),
                               createdAtMicros: 1_700_000_000_000_000, random: &random, into: bytes)
        let row = String(decoding: bytes.array, as: UTF8.self)
        XCTAssertFalse(row.contains("4111"), row)
        XCTAssertFalse(row.contains("bob@"), row)
        XCTAssertTrue(row.contains(#""model":"[redacted]""#), row)
        let fields = row.dropLast().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(fields[AuditRecord.columns.firstIndex(of: "user_id")!], "u1")
    }

    func testCheckRowsEscapeWhatCopyTreatsSpecially() throws {
        let body = try JSONDocument.parse(Array(#"""
            {"operations": [{"type": "tab\there", "model": "back\\slash"}], "context": {"session_id": "new\nline"}}
            """#.utf8))
        let request = try CheckRequest.from(body)
        let decision = RiskEngine.evaluate(request, policies: [], pii: [], at: 0, caller: Caller(keyID: "key_test"))
        var random = RandomPool()
        let bytes = ByteBuffer()
        CheckAuditRecord.write(.init(request: request, decision: decision, pii: [], customerID: "c", keyID: "k", requestID: "req_x",
                                     latencyMicros: 1), createdAtMicros: 0, random: &random, into: bytes)
        let row = String(decoding: bytes.array, as: UTF8.self)
        XCTAssertEqual(row.filter { $0 == "\n" }.count, 1, "one line per record")
        let fields = row.dropLast().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(fields.count, AuditRecord.columns.count, row)
        // JSON escapes first (\t, \\), then COPY doubles every backslash.
        XCTAssertEqual(fields[AuditRecord.columns.firstIndex(of: "operations")!], #"[{"type":"tab\\there","model":"back\\\\slash"}]"#)
        XCTAssertEqual(fields[AuditRecord.columns.firstIndex(of: "session_id")!], #"new\nline"#)
    }
}

import ConvergenceJSON
import ConvergencePII
import Testing
@testable import ConvergenceGovernance

/// The request scan: which strings of a check are scanned, and the paths its findings carry.
@Suite struct PIIRequestScanTests {
    @Test func scanReportsFieldPathsNeverValues() throws {
        let request = CheckRequest(
            operations: [Operation(type: "llm_call", input: "my card is 4111111111111111")],
            context: ["user": .object(["email": .string("bob@example.org"), "notes": .array([.string("ok"), .string("ip 10.0.0.7")])])])
        let findings = PIIDetector.scan(request)
        #expect(findings == [
            PIIFinding(path: "operations[0].input", kind: .paymentCard),
            PIIFinding(path: "context.user.email", kind: .email),
            PIIFinding(path: "context.user.notes[1]", kind: .ipAddress),
        ])
    }

    @Test func scanFollowsTheWalksRules() throws {
        func scan(_ body: String, maxDepth: Int = CheckRequest.maxDepth) throws -> [PIIFinding] {
            PIIDetector.scan(try CheckRequest.from(try JSONDocument.parse(Array(body.utf8))), maxDepth: maxDepth)
        }
        let operations = #""operations": [{"type": "llm_call"}]"#
        #expect(try scan("{\(operations), \"context\": {\"user\": \"user_123\", \"at\": \"2026-11-25T10:35:00Z\"}}").isEmpty)
        // A repeated key's value is scanned whichever occurrence holds it: it was sent either way.
        #expect(try scan("{\(operations), \"context\": {\"a\": \"bob@example.org\", \"a\": \"fine\"}}")
                == [PIIFinding(path: "context.a", kind: .email)])
        #expect(try scan("{\(operations), \"context\": {\"a\": \"fine\", \"a\": \"bob@example.org\"}}")
                == [PIIFinding(path: "context.a", kind: .email)])
        let nested = "{\(operations), \"context\": {\"b\": [\"x\", {\"c\": \"ip 10.0.0.7\"}], \"a\": \"ok\"}}"
        #expect(try scan(nested) == [PIIFinding(path: "context.b[1].c", kind: .ipAddress)])
        #expect(try scan(nested, maxDepth: 2).isEmpty, "deeper than maxDepth")
        #expect(try scan(nested, maxDepth: 3) == [PIIFinding(path: "context.b[1].c", kind: .ipAddress)])
    }
}

@Suite struct PIIDocumentWalkerTests {
    func findings(_ json: String, prefix: String = "") throws -> [String] {
        let document = try JSONDocument.parse(Array(json.utf8))
        var out: [String] = []
        PIIDocumentWalker(document: document, maxDepth: 16, recordsSpans: true).walk(document.root, prefix: prefix) { path, sink in
            for span in sink.spans { out.append("\(path) \(span.kind.rawValue) \(span.start)..<\(span.end)") }
        }
        return out
    }

    @Test func keysAreScannedAndNeverShown() throws {
        #expect(try findings(#"{"bob@example.org": 1}"#) == ["[key] email 0..<15"])
        #expect(try findings(#"{"4111111111111111": {"note": "mail a@b.co"}}"#) == ["[key] payment_card 0..<16", "[key].note email 5..<11"],
                "a flagged key is hidden in its children's paths too")
        #expect(try findings(#"{"user": {"e": "x@y.org"}}"#, prefix: "context") == ["context.user.e email 0..<7"])
        #expect(try findings(#"["fine", ["x@y.org"]]"#) == ["[1][0] email 0..<7"])
    }
}

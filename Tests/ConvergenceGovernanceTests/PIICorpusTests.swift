import Foundation
import Testing
@testable import ConvergenceGovernance

/// Precision and recall of `PIIDetector` on the labelled corpus (pii_corpus.tsv:
/// positives with their kind, tricky negatives: order numbers, timestamps,
/// versions, UUIDs, prices, Luhn-failing numbers, invalid SSNs and IBANs …).
@Suite struct PIICorpusTests {
    struct Row {
        let positive: Bool
        let kind: PIIKind?
        let text: String
    }

    static let rows: [Row] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("pii_corpus.tsv")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return Row(positive: parts[0] == "positive", kind: PIIKind(rawValue: String(parts[1])), text: String(parts[2]))
        }
    }()

    @Test func corpusIsBigEnough() {
        #expect(Self.rows.filter(\.positive).count >= 200)
        #expect(Self.rows.filter { !$0.positive }.count >= 200)
    }

    @Test func precisionAndRecallMeetTheTargets() {
        var truePositives = 0, falseNegatives: [String] = [], falsePositives: [String] = []
        for row in Self.rows {
            let kinds = PIIDetector.kinds(in: row.text)
            if row.positive {
                if let kind = row.kind, kinds.contains(kind) { truePositives += 1 } else { falseNegatives.append("\(row.kind?.rawValue ?? "?"): \(row.text) → \(kinds)") }
            } else if !kinds.isEmpty {
                falsePositives.append("\(row.text) → \(kinds)")
            }
        }
        let precision = Double(truePositives) / Double(truePositives + falsePositives.count)
        let recall = Double(truePositives) / Double(truePositives + falseNegatives.count)
        print("PII corpus: precision \(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall)) "
              + "(\(truePositives) TP, \(falsePositives.count) FP, \(falseNegatives.count) FN)")
        #expect(precision >= 0.98, "false positives: \(falsePositives)")
        #expect(recall >= 0.95, "missed: \(falseNegatives)")
        if !falseNegatives.isEmpty { print("missed: \(falseNegatives)") }
    }
}

@Suite struct PIIDetectorTests {
    @Test func findsEachKind() {
        #expect(PIIDetector.kinds(in: "mail alice@example.com now") == [.email])
        #expect(PIIDetector.kinds(in: "call (415) 555-2671") == [.phone])
        #expect(PIIDetector.kinds(in: "+44 20 7946 0958") == [.phone])
        #expect(PIIDetector.kinds(in: "ssn 123-45-6789") == [.ssn])
        #expect(PIIDetector.kinds(in: "4111 1111 1111 1111") == [.paymentCard])
        #expect(PIIDetector.kinds(in: "DE89 3704 0044 0532 0130 00") == [.iban])
        #expect(PIIDetector.kinds(in: "from 192.168.1.20") == [.ipAddress])
        #expect(PIIDetector.kinds(in: "from 2001:db8::1") == [.ipAddress])
        #expect(PIIDetector.kinds(in: "alice@example.com, 4111111111111111") == [.email, .paymentCard])
    }

    @Test func validatesChecksums() {
        #expect(PIIDetector.kinds(in: "4111 1111 1111 1112").isEmpty, "Luhn fails")
        #expect(PIIDetector.kinds(in: "DE88 3704 0044 0532 0130 00").isEmpty, "mod-97 fails")
        #expect(PIIDetector.kinds(in: "666-45-6789").isEmpty, "SSA never issues area 666")
        #expect(PIIDetector.kinds(in: "300.1.1.1").isEmpty)
    }

    @Test func toleratesOddText() {
        #expect(PIIDetector.kinds(in: "").isEmpty)
        #expect(PIIDetector.kinds(in: "👋 héllo @@ :: ++ (( 12").isEmpty)
        #expect(PIIDetector.kinds(in: String(repeating: "9", count: 10_000)).isEmpty)
        #expect(PIIDetector.kinds(in: String(repeating: "a@", count: 5_000)).isEmpty)
    }

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
}

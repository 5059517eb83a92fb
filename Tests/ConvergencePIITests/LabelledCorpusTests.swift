import Foundation
import Testing
@testable import ConvergencePII

/// The detector against Corpus/labelled.jsonl (written by scripts/gen-pii-corpus):
/// per-kind precision and recall, scored per string and per kind as the outside
/// evaluation does, and the share of number-shaped traps flagged. Prints the
/// table and the first misses and false alarms per kind, so a failing floor says
/// what to tune.
@Suite struct LabelledCorpusTests {
    struct Row {
        let text: String
        let kinds: PIIKindSet
        let group: String
        var isTrap: Bool { group.hasPrefix("trap-") }
    }

    static let rows: [Row] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/labelled.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String, let kinds = object["kinds"] as? [String], let group = object["group"] as? String
            else { return nil }
            return Row(text: text, kinds: PIIKindSet(kinds.compactMap(PIIKind.init(rawValue:))), group: group)
        }
    }()

    struct Result {
        var card = PIIScorecard()
        var misses: [PIIKind: [String]] = [:]
        var falseAlarms: [PIIKind: [String]] = [:]
    }

    static let result: Result = {
        var result = Result()
        for row in rows {
            let found = PIIDetector.kindSet(in: row.text)
            result.card.add(expected: row.kinds, found: found, isTrap: row.isTrap)
            for kind in PIIKind.allCases where row.kinds.contains(kind) != found.contains(kind) {
                let line = "[\(row.group)] \(row.text.debugDescription) → found \(found.kinds.map(\.rawValue))"
                if found.contains(kind) { result.falseAlarms[kind, default: []].append(line) } else { result.misses[kind, default: []].append(line) }
            }
        }
        var report = "Labelled corpus (\(rows.count) strings):\n\n" + result.card.markdownTable()
        for kind in PIIKind.allCases {
            for (title, lines) in [("misses", result.misses[kind] ?? []), ("false alarms", result.falseAlarms[kind] ?? [])] where !lines.isEmpty {
                report += "\n\(kind.rawValue) \(title) (\(lines.count), first 10):\n" + lines.prefix(10).map { "  \($0)" }.joined(separator: "\n") + "\n"
            }
        }
        print(report)
        return result
    }()

    static func expectFloors(_ kind: PIIKind, precision: Double, recall: Double) {
        let s = result.card.score(kind)
        #expect(s.expected > 0, "no \(kind.rawValue) rows in the corpus")
        #expect(s.precision >= precision, "\(kind.rawValue) precision \(PIIScorecard.fixed(s.precision, 3)) < \(precision)")
        #expect(s.recall >= recall, "\(kind.rawValue) recall \(PIIScorecard.fixed(s.recall, 3)) < \(recall)")
    }

    @Test func corpusIsBigAndBalanced() {
        #expect(Self.rows.count >= 3_000)
        let negatives = Self.rows.filter { $0.kinds.isEmpty }
        #expect(negatives.count >= 1_000)
        #expect(Double(negatives.filter(\.isTrap).count) >= 0.4 * Double(negatives.count))
        for kind in PIIKind.allCases { #expect(Self.rows.filter { $0.kinds.contains(kind) }.count >= 100, "few \(kind.rawValue) rows") }
    }

    @Test(arguments: [PIIKind.email, .ssn, .paymentCard, .iban, .ipAddress])
    func structuredKindsMeetTheFloors(kind: PIIKind) { Self.expectFloors(kind, precision: 0.99, recall: 0.95) }

    @Test func phonesMeetTheFloors() { Self.expectFloors(.phone, precision: 0.99, recall: 0.90) }

    @Test func personNamesMeetTheFloors() { Self.expectFloors(.personName, precision: 0.90, recall: 0.75) }

    @Test func postalAddressesMeetTheFloors() { Self.expectFloors(.postalAddress, precision: 0.90, recall: 0.70) }

    @Test(arguments: [PIIKind.dateOfBirth, .nationalID, .secret])
    func cuedKindsMeetTheFloors(kind: PIIKind) { Self.expectFloors(kind, precision: 0.95, recall: 0.90) }

    @Test func fewNumberShapedTrapsAreFlagged() {
        let card = Self.result.card
        #expect(card.trapRows >= 400)
        #expect(card.trapsFlaggedRate <= 0.03, "\(card.trapsFlagged) of \(card.trapRows) traps flagged")
    }
}

import Testing
@testable import ConvergencePII

/// The arithmetic behind the corpus floors and the `pii` bench rung.
@Suite struct PIIScorecardTests {
    @Test func countsTruePositivesFalsePositivesAndMisses() {
        var card = PIIScorecard()
        card.add(expected: PIIKindSet([.email, .phone]), found: PIIKindSet([.email]), isTrap: false) // phone missed
        card.add(expected: PIIKindSet([.email]), found: PIIKindSet([.email, .ssn]), isTrap: false) // ssn false alarm
        card.add(expected: PIIKindSet(), found: PIIKindSet(), isTrap: true)
        card.add(expected: PIIKindSet(), found: PIIKindSet([.phone]), isTrap: true) // a trap flagged
        let email = card.score(.email), phone = card.score(.phone), ssn = card.score(.ssn)
        #expect((email.truePositives, email.falsePositives, email.falseNegatives) == (2, 0, 0))
        #expect((phone.truePositives, phone.falsePositives, phone.falseNegatives) == (0, 1, 1))
        #expect((ssn.truePositives, ssn.falsePositives, ssn.falseNegatives) == (0, 1, 0))
        #expect(card.rows == 4 && card.exactRows == 1)
        #expect(card.trapRows == 2 && card.trapsFlagged == 1 && card.trapsFlaggedRate == 0.5)
        #expect(card.total == (2, 2, 1))
    }

    @Test func precisionRecallAndF1() {
        let s = PIIScorecard.KindScore(kind: .iban, truePositives: 8, falsePositives: 2, falseNegatives: 8)
        #expect(s.precision == 0.8)
        #expect(s.recall == 0.5)
        #expect(abs(s.f1 - 2 * 0.8 * 0.5 / 1.3) < 1e-12)
        let nothing = PIIScorecard.KindScore(kind: .iban, truePositives: 0, falsePositives: 0, falseNegatives: 0)
        #expect(nothing.precision == 1 && nothing.recall == 1)
        let allMissed = PIIScorecard.KindScore(kind: .iban, truePositives: 0, falsePositives: 0, falseNegatives: 3)
        #expect(allMissed.precision == 1 && allMissed.recall == 0 && allMissed.f1 == 0)
    }

    @Test func aTrapHoldingARealKindIsNotFlaggedForFindingIt() {
        var card = PIIScorecard()
        card.add(expected: PIIKindSet([.phone]), found: PIIKindSet([.phone]), isTrap: true)
        #expect(card.trapsFlagged == 0)
        card.add(expected: PIIKindSet([.phone]), found: PIIKindSet([.phone, .paymentCard]), isTrap: true)
        #expect(card.trapsFlagged == 1)
    }

    @Test func formatsNumbersByHand() {
        #expect(PIIScorecard.fixed(0.98765, 3) == "0.988")
        #expect(PIIScorecard.fixed(1, 3) == "1.000")
        #expect(PIIScorecard.fixed(0.0004, 3) == "0.000")
        #expect(PIIScorecard.fixed(12.05, 1) == "12.1" || PIIScorecard.fixed(12.05, 1) == "12.0") // binary 12.05 sits just below
        #expect(PIIScorecard.fixed(3.14159, 0) == "3")
        #expect(PIIScorecard.fixed(-2.5, 2) == "-2.50")
        #expect(PIIScorecard.fixed(0.07, 2) == "0.07")
        #expect(PIIScorecard.fixed(.nan, 2) == "nan")
    }

    @Test func markdownTableHasOneLinePerKindAndTheTrapLine() {
        var card = PIIScorecard()
        card.add(expected: PIIKindSet([.email]), found: PIIKindSet([.email]), isTrap: false)
        card.add(expected: PIIKindSet(), found: PIIKindSet([.ipAddress]), isTrap: true)
        let table = card.markdownTable()
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2 + PIIKind.allCases.count + 1 + 1)
        #expect(table.contains("| email | 1 | 1 | 1 | 0 | 0 | 1.000 | 1.000 | 1.000 |"))
        #expect(table.contains("| ip_address | 0 | 1 | 0 | 1 | 0 | 0.000 | — | 0.000 |"))
        #expect(table.contains("| ssn | 0 | 0 | 0 | 0 | 0 | — | — | — |"))
        #expect(table.contains("traps flagged: 1 of 1 (100.0 %"))
    }
}

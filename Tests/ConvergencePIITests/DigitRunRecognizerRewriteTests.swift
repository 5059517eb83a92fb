import Testing
@testable import ConvergencePII

/// Ways of writing SSNs, IBANs, IPv4 addresses and card numbers that the first
/// recognisers missed, and the look-alikes that must stay unflagged.
@Suite struct DigitRunRecognizerRewriteTests {
    func kinds(_ text: String) -> [PIIKind] { PIIDetector.kinds(in: text) }

    /// The text of each span of `kind` in `text`.
    func found(_ kind: PIIKind, in text: String) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector.spans(in: text).filter { $0.kind == kind }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
    }

    @Test func ssnWithSpacesDotsOrACue() {
        #expect(found(.ssn, in: "ssn 123 45 6789 on file") == ["123 45 6789"])
        #expect(found(.ssn, in: "ssn 123.45.6789") == ["123.45.6789"])
        #expect(found(.ssn, in: "my SSN is 123456789.") == ["123456789"])
        #expect(kinds("SSN#123456789") == [.ssn])
        #expect(kinds("Social Security number: 123456789") == [.ssn])
        #expect(kinds("SSN:123-45-6789") == [.ssn], "a label glued with a colon")
        #expect(kinds("123456789").isEmpty, "nine bare digits without a cue could be anything")
        #expect(kinds("order 123456789").isEmpty)
        #expect(kinds("ssn 666 45 6789").isEmpty, "area 666")
        #expect(kinds("ssn 123.00.6789").isEmpty, "group 00")
        #expect(kinds("ssn 000456789").isEmpty, "area 000")
        #expect(kinds("ssn 123-45.6789").isEmpty, "two kinds of separator")
        #expect(PIIDetector.kinds(in: "123456789", hint: .nationalID) == [.ssn], "the field name is the cue")
    }

    @Test func ibanInLowerCaseOrWithDashes() {
        #expect(kinds("gb82 west 1234 5698 7654 32") == [.iban])
        #expect(found(.iban, in: "pay GB82-WEST-1234-5698-7654-32 today") == ["GB82-WEST-1234-5698-7654-32"])
        #expect(kinds("gb82west12345698765432") == [.iban])
        #expect(kinds("gb82 west 1234 5698 7654 33").isEmpty, "mod-97 fails")
        #expect(kinds("GB82--WEST-1234-5698-7654-32").isEmpty, "a doubled dash ends it")
        #expect(kinds("GB82-WEST 1234-5698-7654-32").isEmpty, "two kinds of separator")
        #expect(kinds("GB82-WEST-1234-5698-7654-32-9").isEmpty, "too long")
    }

    @Test func ibanCountriesAddedToTheLengthTable() {
        for iban in ["BR1800360305000010009795493C1", "UA743052990000026007233566001", "XK051212012345678906", "PK36SCBL0000001123456702",
                     "QA58DOHB00001234567890ABCDEFG"] {
            #expect(kinds("iban " + iban) == [.iban], "\(iban)")
        }
        #expect(kinds("BR180036030500001000979549").isEmpty, "Brazil is 29 long")
    }

    @Test func ipv4WithPortOrPrefixLength() {
        #expect(found(.ipAddress, in: "from 10.0.0.7:8080 ok") == ["10.0.0.7"])
        #expect(found(.ipAddress, in: "route 192.168.1.0/24 via gw") == ["192.168.1.0"])
        #expect(kinds("10.0.0.7:99999").isEmpty, "no such port")
        #expect(kinds("192.168.1.0/33").isEmpty, "no such prefix length")
        #expect(kinds("300.1.1.1:80").isEmpty, "octet out of range")
        #expect(kinds("1.2.3.4.5:80").isEmpty)
        #expect(kinds("14.03.1985").isEmpty, "a dotted date")
        #expect(kinds("10.0.0.7:80ab").isEmpty)
    }

    /// Decision: four dotted numbers right after "version", "release", "build", "v" … are a version.
    @Test func versionsAreNotAddresses() {
        #expect(kinds("version 1.2.3.4").isEmpty)
        #expect(kinds("release: 10.0.0.1").isEmpty)
        #expect(kinds("v 10.0.0.1").isEmpty)
        #expect(kinds("1.2.3.4") == [.ipAddress], "alone it is an address")
        #expect(kinds("server 1.2.3.4") == [.ipAddress])
    }

    @Test func moreIssuers() {
        #expect(kinds("jcb 213100000000001") == [.paymentCard], "15-digit JCB 2131")
        #expect(kinds("jcb 180000000000002") == [.paymentCard], "15-digit JCB 1800")
        #expect(kinds("maestro 6759649826438453") == [.paymentCard])
        #expect(kinds("maestro 5018000000000009") == [.paymentCard])
        #expect(kinds("unionpay 6200000000000005") == [.paymentCard])
        #expect(kinds("unionpay 6212345678901234569") == [.paymentCard], "19 digits")
        #expect(kinds("jcb 213100000000002").isEmpty, "Luhn fails")
        #expect(kinds("2131000000000001").isEmpty, "JCB 2131 is 15 digits")
        #expect(kinds("maestro 5018 0000 0009").isEmpty, "12–15-digit Maestro is left alone: FedEx tracking numbers are 12 digits")
        #expect(kinds("track it here: 580614621804").isEmpty)
        #expect(kinds("5900000000000000").isEmpty, "59 is not a published Maestro range")
        #expect(kinds("6600000000000001").isEmpty, "nor is 66")
        #expect(kinds("4111 1111 1117").isEmpty, "12 digits: no card")
    }

    @Test func cardsWithDotsInTheirPrintedGrouping() {
        #expect(found(.paymentCard, in: "Card number 4111.1111.1111.1111") == ["4111.1111.1111.1111"])
        #expect(kinds("Amex 3782.822463.10005") == [.paymentCard])
        #expect(kinds("4111.1111.1111.1112").isEmpty, "Luhn fails")
        #expect(kinds("build 4111.11111.111.1111").isEmpty, "dots elsewhere than a card's grouping: a version")
        #expect(kinds("1234.5678.9012.3456").isEmpty, "no issuer")
    }

    @Test func cardsGluedToALabelOrId() {
        #expect(found(.paymentCard, in: "card:4111-1111-1111-1111") == ["4111-1111-1111-1111"])
        #expect(found(.paymentCard, in: "sess_4111111111111111") == ["4111111111111111"])
        #expect(kinds("cc=4111111111111111") == [.paymentCard])
        #expect(kinds("pan#4111111111111111") == [.paymentCard])
        #expect(kinds("id4111111111111111") == [.paymentCard])
        #expect(kinds("sess_4111111111111112").isEmpty, "Luhn fails")
        #expect(kinds("sess_1234567890123452").isEmpty, "no known issuer")
        #expect(kinds("ab3f4111111111111111").isEmpty, "hex before it: part of a hash")
        #expect(kinds("0x4111111111111111").isEmpty)
        #expect(kinds("sess_4111111111111111abc").isEmpty, "letters after it")
        #expect(kinds("hash 3fb3b21ae8e154a7b5efa44d0e8011867d074a67").isEmpty)
        #expect(kinds("id:123-45-6789x").isEmpty)
    }

    /// Linear time: up to 1 MiB of hostile text in a few seconds at most even in a debug build (quadratic work would take hours) (inputs that
    /// the digit-run windows classify five ways per group are 256–320 KiB: a debug build is far slower there).
    @Test func pathologicalInputsStayFast() {
        let clock = ContinuousClock()
        let inputs = [String(repeating: "9", count: 1 << 20), String(repeating: "x4111111111111111 ", count: 1 << 14),
                      String(repeating: "10.0.0.7:80 ", count: 1 << 14), String(repeating: "gb82 ", count: 1 << 16),
                      String(repeating: "version 1.2.3.4 ", count: 1 << 16), String(repeating: "a1", count: 1 << 19)]
        for text in inputs {
            let elapsed = clock.measure { _ = PIIDetector.spans(in: text) }
            #expect(elapsed < .seconds(5), "\(text.prefix(20))…: \(elapsed)")
        }
    }
}

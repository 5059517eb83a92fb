import Testing
@testable import ConvergencePII

/// Obfuscated e-mail addresses are reported as `email`; prose with "at" and "dot" in it is not.
@Suite struct ObfuscatedEmailRecognizerTests {
    func emails(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector.spans(in: text).filter { $0.kind == .email }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
    }

    @Test(arguments: SecretSamples.obfuscatedEmails) func findsObfuscatedAddress(_ text: String) {
        #expect(PIIDetector.kinds(in: text) == [.email])
    }

    @Test(arguments: SecretSamples.notEmails) func ignoresProse(_ text: String) {
        #expect(PIIDetector.kinds(in: text).isEmpty, "\(emails(text))")
    }

    @Test func spans() {
        #expect(emails("Contact jane [at] example [dot] com today") == ["jane [at] example [dot] com"])
        #expect(emails("jane {at} example {dot} co {dot} uk.") == ["jane {at} example {dot} co {dot} uk"])
        #expect(emails("mail j.doe at example.org.") == ["j.doe at example.org"])
        #expect(emails("jane\u{FF20}example\u{FF0E}com") == ["jane\u{FF20}example\u{FF0E}com"])
        #expect(emails("write jane@example.com") == ["jane@example.com"], "a plain address is reported once, by EmailRecognizer")
    }

    @Test func spelledDotsNeedAKnownTLD() {
        #expect(emails("jane at example dot com") == ["jane at example dot com"])
        #expect(emails("jane at example dot plot").isEmpty)
        #expect(emails("send the docs to hannah_k AT fastmail DOT fm, thanks") == ["hannah_k AT fastmail DOT fm"], "a mail provider's country code")
        #expect(emails("we meet at noon dot is on the map").isEmpty)
        // The at sign and the dot as other languages name them, in brackets (session 26's eleventh probe).
        #expect(emails("Escríbeme a hola (arroba) panaderiaelsol (punto) com si tienes dudas") == ["hola (arroba) panaderiaelsol (punto) com"])
        #expect(emails("écrivez à contact[at]librairie-papillon[point]fr ou appelez") == ["contact[at]librairie-papillon[point]fr"])
        #expect(emails("the (arroba) symbol, see point (punto) here").isEmpty)
        // A template's address, both parts generic, is a placeholder.
        #expect(emails("Schreiben Sie an vorname.nachname [at] firma [punkt] de").isEmpty)
        #expect(emails("format: name [at] domain [dot] com").isEmpty)
        #expect(emails("write to anna [at] firma [punkt] de") == ["anna [at] firma [punkt] de"])
        #expect(emails("jane [at] example [dot] zz") == ["jane [at] example [dot] zz"], "a bracketed marker is strong enough")
        #expect(emails("jane [at] example dot zz").isEmpty)
    }

    @Test func invalidUTF8() {
        func kinds(_ bytes: [UInt8]) -> [PIIKind] { bytes.withUnsafeBufferPointer { PIIDetector.kindSet(in: $0) }.kinds }
        #expect(kinds(Array("jane".utf8) + [0xEF, 0xBC, 0xA0] + Array("example".utf8) + [0xEF, 0xBC]).isEmpty)
        #expect(kinds([0xBC, 0xA0, 0xA0, 0x40, 0x40, 0xA0, 0xEF, 0xBC, 0xA0]).isEmpty)
        #expect(kinds(Array("jane".utf8) + [0xEF, 0xBC, 0xA0] + Array("example.com".utf8)) == [.email])
    }

    @Test(.serialized, arguments: ["at ", "a at ", "[at]", "a[at]b[dot]", "@", " @ ", "a@b[.]", "\u{FF20}", "a dot ", "x at y.", "at.at.",
                                   "(", "a(arroba)b(punto)", "(arroba)", "(a[b"])
    func pathologicalInputStaysLinear(_ unit: String) {
        let text = String(repeating: unit, count: (1 << 20) / unit.utf8.count)
        let elapsed = ContinuousClock().measure { _ = PIIDetector.spans(in: text) }
        #expect(elapsed < .seconds(5), "\(unit): \(elapsed)")
    }

    @Test func longDomainAfterAMarker() {
        let text = "x [at] " + String(repeating: "a.", count: 1 << 19)
        let elapsed = ContinuousClock().measure { _ = PIIDetector.spans(in: text) }
        #expect(elapsed < .seconds(5))
    }
}

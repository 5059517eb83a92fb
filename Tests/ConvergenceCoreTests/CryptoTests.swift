import Testing
@testable import ConvergenceCore

@Suite struct CryptoTests {
    @Test func sha256MatchesAKnownVector() {
        #expect(Hex.encode(SHA256.digest("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.digestInline("abc").bytes == SHA256.digest("abc"), "inline and array digests agree")
        #expect(SHA256.digestInline("abc") == SHA256.Digest(SHA256.digest("abc")))
        #expect(SHA256.digestInline("abd") != SHA256.digestInline("abc"))
    }

    @Test func constantTimeEqualsComparesContent() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
    }

    @Test func base62RandomUsesOnlyTheAlphabet() {
        let text = Base62.random(1000)
        #expect(text.count == 1000)
        #expect(text.utf8.allSatisfy { Base62.alphabet.contains($0) })
    }
}

import Testing
@testable import ConvergencePII

/// The eight-bytes-a-step searches the recognisers skip text with must land exactly where a
/// byte-by-byte loop does, whatever sits around the hit (the borrow of the equality test
/// flags bytes above a match; the accents' high bytes must never pass for digits).
@Suite struct DigitSearchTests {
    static let alphabet: [UInt8] = Array("ab Z9+(0:é\u{7F}".utf8) + [0x80, 0xFF, 0x2A, 0x2C, 0x01]

    static func naive(_ t: [UInt8], from: Int, _ accept: (UInt8) -> Bool) -> Int {
        var i = from
        while i < t.count, !accept(t[i]) { i += 1 }
        return i
    }

    @Test func searchesAgreeWithAByteByByteLoop() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let n = Int.random(in: 0...40, using: &rng)
            // Mostly letters, so hits fall at every offset of a step.
            let t = (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? Self.alphabet.randomElement(using: &rng)! : 0x61 }
            let from = Int.random(in: 0...n, using: &rng)
            t.withUnsafeBufferPointer { b in
                #expect(ASCII.nextDigit(b, from: from) == Self.naive(t, from: from, ASCII.isDigit), "\(t) from \(from)")
                #expect(ASCII.nextDigit(b, from: from, or: 0x2B, 0x28) == Self.naive(t, from: from) { ASCII.isDigit($0) || $0 == 0x2B || $0 == 0x28 },
                        "\(t) from \(from)")
                #expect(ASCII.next(0x3A, in: b, from: from) == Self.naive(t, from: from) { $0 == 0x3A }, "\(t) from \(from)")
            }
        }
    }
}

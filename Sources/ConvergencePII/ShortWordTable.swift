/// Words of up to eight bytes, each with a small code, looked up by the word packed into
/// one integer (ASCII letters folded to lower case): one multiply and a probe or two, where
/// a chain of comparisons with each listed word cost a call apiece.
struct ShortWordTable: Sendable {
    private let keys: [UInt64]
    private let codes: [UInt8]
    private let shift: UInt64

    /// `entries`: lower-case words (1–8 bytes) and their codes (1–255), each word once.
    init(_ entries: [(word: StaticString, code: UInt8)]) {
        var size = 16, bits: UInt64 = 4
        while size < entries.count * 4 { size <<= 1; bits += 1 }
        var keys = [UInt64](repeating: 0, count: size), codes = [UInt8](repeating: 0, count: size)
        for (word, code) in entries {
            precondition((1...8).contains(word.utf8CodeUnitCount) && code != 0, "a short word and a code")
            let key = Self.pack(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount), 0, word.utf8CodeUnitCount)
            var at = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> (64 - bits))
            while keys[at] != 0 { at = (at + 1) & (size - 1) }
            keys[at] = key
            codes[at] = code
        }
        self.keys = keys
        self.codes = codes
        shift = 64 - bits
    }

    /// The bytes, ASCII capitals folded, little-endian in one integer (the caller keeps the length at 1–8).
    @inline(__always) static func pack(_ b: ASCII.Bytes, _ from: Int, _ to: Int) -> UInt64 {
        var key: UInt64 = 0
        for k in stride(from: to - 1, through: from, by: -1) { key = key << 8 | UInt64(ASCII.lower(b[k])) }
        return key
    }

    /// The code of `b[from..<to]`, 0 when it is not listed.
    @inline(__always) func code(_ b: ASCII.Bytes, _ from: Int, _ to: Int) -> UInt8 {
        guard to - from >= 1, to - from <= 8 else { return 0 }
        let key = Self.pack(b, from, to)
        return keys.withUnsafeBufferPointer { keys in
            let mask = keys.count - 1
            var at = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let k = keys[at]
                if k == key { return codes[at] }
                if k == 0 { return 0 }
                at = (at + 1) & mask
            }
        }
    }
}

/// Byte-level helpers every recogniser shares. Recognisers look at ASCII bytes
/// only (and a few fixed UTF-8 sequences), so invalid UTF-8 is harmless.
enum ASCII {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 65 < 26 }
    @inline(__always) static func isLower(_ b: UInt8) -> Bool { b &- 97 < 26 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 97 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 97 < 6 }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }

    /// `t[from..<to]` as a buffer of its own (no copy).
    @inline(__always) static func slice(_ t: Bytes, _ from: Int, _ to: Int) -> Bytes { Bytes(rebasing: t[from..<to]) }

    /// The value of the digits in `t[from..<to]`, nil if one is not a digit.
    static func decimal(_ t: Bytes, _ from: Int, _ to: Int) -> Int? {
        var value = 0
        for k in from..<to {
            guard isDigit(t[k]) else { return nil }
            value = value * 10 + Int(t[k] - 48)
        }
        return value
    }

    /// The value of the first `n` digits of `t`, skipping separators (the caller knows there are `n`).
    static func leadingDigits(_ t: Bytes, _ n: Int) -> Int {
        var value = 0, taken = 0, k = 0
        while taken < n {
            if isDigit(t[k]) { value = value * 10 + Int(t[k] - 48); taken += 1 }
            k += 1
        }
        return value
    }

    /// `s` has the shape: `d` stands for any digit, every other byte for itself.
    static func matches(_ s: Bytes, _ shape: StaticString) -> Bool {
        guard s.count == shape.utf8CodeUnitCount else { return false }
        let pattern = shape.utf8Start
        for k in 0..<s.count where pattern[k] == 0x64 ? !isDigit(s[k]) : pattern[k] != s[k] { return false }
        return true
    }

    /// `t[at...]` starts with `word`, compared case-insensitively (`word` is lower case).
    @inline(__always) static func hasPrefix(_ t: Bytes, at: Int, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard at >= 0, at + n <= t.count else { return false }
        let w = word.utf8Start
        for k in 0..<n where lower(t[at + k]) != w[k] { return false }
        return true
    }

    /// `t[from..<to]` equals `word` case-insensitively (`word` is lower case).
    @inline(__always) static func equals(_ t: Bytes, _ from: Int, _ to: Int, _ word: StaticString) -> Bool {
        to - from == word.utf8CodeUnitCount && hasPrefix(t, at: from, word)
    }
}

/// One branch-free pass over the text tells which recognisers can find anything
/// at all: most text has no '@', ':' or digits. The compiler tests many bytes
/// per instruction, so this costs far less than any recogniser it skips.
struct ByteProfile {
    static let at: UInt16 = 1, colon: UInt16 = 2, digit: UInt16 = 4, upper: UInt16 = 8, lower: UInt16 = 16, nonASCII: UInt16 = 32
    static let equals: UInt16 = 64, dash: UInt16 = 128 // `key=value`, `-----BEGIN … PRIVATE KEY-----`
    static let space: UInt16 = 256, bracket: UInt16 = 512 // "jane(at)example.com"

    /// What every recogniser needs at least one of, outside a field hint: a lower-case
    /// identifier such as `user_id` or `finance` can hold nothing, and is most of a context's keys.
    static let anyEvidence: UInt16 = at | colon | digit | upper | nonASCII | equals | space | bracket

    let flags: UInt16
    /// How many ASCII digits: most number-shaped kinds need several (an IPv4 address four, a phone seven).
    let digits: Int

    init(_ bytes: ASCII.Bytes) {
        // Two byte-wide accumulators rather than one UInt16: the loop stays vectorised at full width.
        var low: UInt8 = 0, high: UInt8 = 0
        for c in bytes {
            low |= (c == 0x40 ? 1 : 0) | (c == 0x3A ? 2 : 0) | (ASCII.isDigit(c) ? 4 : 0) | (ASCII.isUpper(c) ? 8 : 0)
                | (ASCII.isLower(c) ? 16 : 0) | (c >= 0x80 ? 32 : 0) | (c == 0x3D ? 64 : 0) | (c == 0x2D ? 128 : 0)
            high |= (c == 0x20 ? 1 : 0) | (c == 0x28 || c == 0x5B || c == 0x7B || c == 0x3C ? 2 : 0)
        }
        flags = UInt16(low) | UInt16(high) << 8
        var count = 0
        if low & 4 != 0 { for c in bytes { count &+= ASCII.isDigit(c) ? 1 : 0 } } // a second pass only when there are digits
        digits = count
    }

    @inline(__always) func has(_ flag: UInt16) -> Bool { flags & flag != 0 }
}

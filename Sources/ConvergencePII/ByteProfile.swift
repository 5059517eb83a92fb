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

    init(_ bytes: ASCII.Bytes) {
        var seen: UInt16 = 0
        for c in bytes {
            seen |= (c == 0x40 ? Self.at : 0) | (c == 0x3A ? Self.colon : 0) | (ASCII.isDigit(c) ? Self.digit : 0)
                | (ASCII.isUpper(c) ? Self.upper : 0) | (ASCII.isLower(c) ? Self.lower : 0) | (c >= 0x80 ? Self.nonASCII : 0)
                | (c == 0x3D ? Self.equals : 0) | (c == 0x2D ? Self.dash : 0) | (c == 0x20 ? Self.space : 0)
                | (c == 0x28 || c == 0x5B || c == 0x7B || c == 0x3C ? Self.bracket : 0)
        }
        flags = seen
    }

    @inline(__always) func has(_ flag: UInt16) -> Bool { flags & flag != 0 }
}

/// One branch-free pass over the text tells which recognisers can find anything
/// at all: most text has no '@', ':' or digits. The compiler tests many bytes
/// per instruction, so this costs far less than any recogniser it skips.
struct ByteProfile {
    static let at: UInt8 = 1, colon: UInt8 = 2, digit: UInt8 = 4, upper: UInt8 = 8, lower: UInt8 = 16, nonASCII: UInt8 = 32
    static let equals: UInt8 = 64, dash: UInt8 = 128 // `key=value`, `-----BEGIN … PRIVATE KEY-----`

    let flags: UInt8

    init(_ bytes: ASCII.Bytes) {
        var seen: UInt8 = 0
        for c in bytes {
            seen |= (c == 0x40 ? Self.at : 0) | (c == 0x3A ? Self.colon : 0) | (ASCII.isDigit(c) ? Self.digit : 0)
                | (ASCII.isUpper(c) ? Self.upper : 0) | (ASCII.isLower(c) ? Self.lower : 0) | (c >= 0x80 ? Self.nonASCII : 0)
                | (c == 0x3D ? Self.equals : 0) | (c == 0x2D ? Self.dash : 0)
        }
        flags = seen
    }

    @inline(__always) func has(_ flag: UInt8) -> Bool { flags & flag != 0 }
}

/// One branch-free pass over the text tells which recognisers can find anything
/// at all: most text has no '@', ':' or digits. A table load per byte, so this
/// costs far less than any recogniser it skips.
struct ByteProfile {
    static let at: UInt16 = 1, colon: UInt16 = 2, digit: UInt16 = 4, upper: UInt16 = 8, lower: UInt16 = 16, nonASCII: UInt16 = 32
    static let equals: UInt16 = 64, dash: UInt16 = 128 // `key=value`, `-----BEGIN … PRIVATE KEY-----`
    static let space: UInt16 = 256, bracket: UInt16 = 512 // "jane(at)example.com"
    static let symbol: UInt16 = 1024 // # $ % ^ & * ! ~ +: what a password without digits has ("KW&^TiUwCggfjc")
    static let quote: UInt16 = 2048 // '"': a passphrase in quotes ("correct horse battery staple")
    static let apostrophe: UInt16 = 4096 // "'": a Python dict fragment in text ('name': 'Ada')
    static let newline: UInt16 = 8192 // rows pasted as CSV under their header line

    /// What every recogniser needs at least one of, outside a field hint: a lower-case
    /// identifier such as `user_id` or `finance` can hold nothing, and is most of a context's keys.
    static let anyEvidence: UInt16 = at | colon | digit | upper | nonASCII | equals | space | bracket

    let flags: UInt16
    /// How many ASCII digits: most number-shaped kinds need several (an IPv4 address four, a phone seven).
    let digits: Int
    /// How many ASCII capitals: text with one or two is written in lower case, as chat is.
    let uppers: Int

    init(_ bytes: ASCII.Bytes) {
        // One table load per byte: the flags of every byte value, precomputed, and the digit and
        // capital counts in the same pass (only a digit's entry has `digit` set, only a capital's `upper`).
        var flags: UInt16 = 0, count = 0, capitals = 0
        ByteProfile.table.withUnsafeBufferPointer { table in
            for c in bytes {
                let entry = table[Int(c)]
                flags |= entry
                count &+= Int(entry & ByteProfile.digit) >> 2
                capitals &+= Int(entry & ByteProfile.upper) >> 3
            }
        }
        self.flags = flags
        digits = count
        uppers = capitals
    }

    /// The flags of each byte value.
    static let table: [UInt16] = (0...255).map { (value: Int) -> UInt16 in
        let c = UInt8(value)
        var f: UInt16 = 0
        if c == 0x40 { f |= at }
        if c == 0x3A { f |= colon }
        if ASCII.isDigit(c) { f |= digit }
        if ASCII.isUpper(c) { f |= upper }
        if ASCII.isLower(c) { f |= lower }
        if c >= 0x80 { f |= nonASCII }
        if c == 0x3D { f |= equals }
        if c == 0x2D { f |= dash }
        if c == 0x20 { f |= space }
        if c == 0x28 || c == 0x5B || c == 0x7B || c == 0x3C { f |= bracket }
        if c == 0x22 { f |= quote }
        if c == 0x27 { f |= apostrophe }
        if c == 0x0A { f |= newline }
        if c == 0x23 || c == 0x24 || c == 0x25 || c == 0x5E || c == 0x26 || c == 0x2A || c == 0x21 || c == 0x7E || c == 0x2B { f |= symbol }
        return f
    }

    @inline(__always) func has(_ flag: UInt16) -> Bool { flags & flag != 0 }
}

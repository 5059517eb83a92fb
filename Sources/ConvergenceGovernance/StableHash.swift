/// FNV-1a over bytes with a murmur3 finaliser: the same value on every host and in every
/// release, so it can name a budget counter in PostgreSQL. Changing it renames every counter
/// (usage would start again from zero): it is part of the stored format.
struct StableHash: Sendable {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        var text = text
        var x = state
        text.withUTF8 { bytes in
            for byte in bytes { x = (x ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        state = (x ^ 0x1F) &* 0x0000_0100_0000_01b3 // separator: ("ab", "c") differs from ("a", "bc")
    }

    var value: UInt64 {
        var x = state
        x ^= x >> 33; x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33; x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x == 0 ? 1 : x
    }
}

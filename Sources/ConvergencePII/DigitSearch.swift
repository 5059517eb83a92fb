extension ASCII {
    /// The first digit at or after `from` (or `t.count`), eight bytes a step: recognisers that start at digits
    /// skip the words between them for a fraction of a byte-by-byte loop's cost.
    static func nextDigit(_ t: Bytes, from: Int) -> Int {
        var i = from
        if let base = t.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= t.count {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                // Per byte (high bit cleared, so no carries): +0x50 sets bit 7 from '0' up, +0x46 from ':' up.
                let y = x & 0x7F7F_7F7F_7F7F_7F7F
                let digits = (y &+ 0x5050_5050_5050_5050) & ~(y &+ 0x4646_4646_4646_4646) & ~x & 0x8080_8080_8080_8080
                if digits != 0 { return i + digits.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < t.count, !isDigit(t[i]) { i += 1 }
        return i
    }

    /// The first digit, `x` or `y` (ASCII) at or after `from` (or `t.count`), eight bytes a step. The equality tests
    /// may flag a byte above a true match too (a borrow), never below one, so the lowest flagged byte is exact.
    static func nextDigit(_ t: Bytes, from: Int, or x: UInt8, _ y: UInt8) -> Int {
        var i = from
        if let base = t.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs = ones &* 0x80
            while i + 8 <= t.count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let v = w & 0x7F7F_7F7F_7F7F_7F7F
                let digits = (v &+ 0x5050_5050_5050_5050) & ~(v &+ 0x4646_4646_4646_4646) & ~w
                let a = w ^ (ones &* UInt64(x)), b = w ^ (ones &* UInt64(y))
                let hit = (digits | (a &- ones) & ~a | (b &- ones) & ~b) & highs
                if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < t.count, !isDigit(t[i]), t[i] != x, t[i] != y { i += 1 }
        return i
    }

    /// The first `byte` (ASCII) at or after `from` (or `t.count`), eight bytes a step.
    static func next(_ byte: UInt8, in t: Bytes, from: Int) -> Int {
        var i = max(from, 0)
        if let base = t.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, pattern = ones &* UInt64(byte), highs = ones &* 0x80
            while i + 8 <= t.count {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ pattern
                let hit = (x &- ones) & ~x & highs // the lowest set bit is exact
                if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < t.count, t[i] != byte { i += 1 }
        return i
    }
}

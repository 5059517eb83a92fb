/// The one JSON string escaper. It lives in Core because the logger writes
/// JSON lines too; the JSON module's serializer and reader use it as well.
///
/// Escapes `"`, `\` and control characters (`\n`, `\r`, `\t`, the others as
/// `\u00xx`); everything else, non-ASCII included, is copied as is.
public enum JSONString {
    /// `value` as a quoted JSON string literal (logs, small precomputed bodies).
    public static func quoted(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 2)
        out.appendJSONString(value)
        return String(decoding: out, as: UTF8.self)
    }

    /// The end of the run of string bytes from `from` that need no attention (not a
    /// quote, backslash or control character), eight at a time where possible:
    /// prompts are the bulk of a check body. ORs every byte into `highBits`.
    @inlinable
    public static func plainRun(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, highBits: inout UInt8) -> Int {
        var i = from
        let base = UnsafeRawPointer(bytes.baseAddress!)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var high: UInt64 = 0
        while i + 8 <= bytes.count {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A zero byte in `quote`/`backslash`, or a byte under 0x20 in `word` (bytes >= 0x80 excluded by ~word).
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            if special & highs != 0 {
                // The lowest flagged byte is a real match (borrows only carry upwards).
                let plain = (special & highs).trailingZeroBitCount >> 3
                if plain > 0 { high |= word & ((1 << UInt64(plain * 8)) &- 1) }
                if high & highs != 0 { highBits |= 0x80 }
                return i + plain
            }
            high |= word
            i += 8
        }
        if high & highs != 0 { highBits |= 0x80 }
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 { return i }
            highBits |= byte
            i += 1
        }
        return i
    }

    /// A lower-case hex digit for `v` (0...15).
    @inlinable @inline(__always)
    public static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}

extension ByteSink {
    /// `s` as a JSON string literal.
    @inlinable
    public mutating func appendJSONString(_ s: String) {
        s.withUTF8Bytes { appendJSONString(bytes: $0) }
    }

    /// Quoted and escaped; runs of bytes that need no escape are found eight at a
    /// time and copied whole (this writes every string of every hot-path response
    /// and audit record).
    @inlinable
    public mutating func appendJSONString(bytes: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        var runStart = 0
        var ignored: UInt8 = 0
        while runStart < bytes.count {
            let special = JSONString.plainRun(bytes, from: runStart, highBits: &ignored)
            if special > runStart { append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<special])) }
            guard special < bytes.count else { break }
            let byte = bytes[special]
            append(0x5C)
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte)
            case 0x0A: append(UInt8(ascii: "n"))
            case 0x0D: append(UInt8(ascii: "r"))
            case 0x09: append(UInt8(ascii: "t"))
            default:
                append(UInt8(ascii: "u")); append(0x30); append(0x30)
                append(JSONString.hexDigit(byte >> 4)); append(JSONString.hexDigit(byte & 0xF))
            }
            runStart = special + 1
        }
        append(UInt8(ascii: "\""))
    }
}

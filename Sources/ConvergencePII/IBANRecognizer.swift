/// International bank account numbers: a known country code, that country's
/// length, and the ISO 13616 mod-97 check.
enum IBANRecognizer {
    typealias Bytes = ASCII.Bytes

    /// Country code and IBAN length, five bytes an entry (a literal: no table to build or hash).
    static let lengths: StaticString = """
        AD24 AE23 AT20 BE16 BG22 CH21 CY28 CZ24 DE22 DK18 EE20 ES24 FI18 FR27 GB22 GR27 HR21 HU28 IE22 IL23 \
        IS26 IT27 LI21 LT20 LU20 LV21 MC27 MT31 NL18 NO15 PL28 PT25 RO24 SA24 SE24 SI19 SK24 SM27 TR26
        """

    static func length(_ a: UInt8, _ b: UInt8) -> Int? {
        let table = lengths.utf8Start
        for entry in stride(from: 0, to: lengths.utf8CodeUnitCount, by: 5) where table[entry] == a && table[entry + 1] == b {
            return Int(table[entry + 2] - 48) * 10 + Int(table[entry + 3] - 48)
        }
        return nil
    }

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        var i = 0
        while i + 4 <= b.count {
            if ASCII.isUpper(b[i]), ASCII.isUpper(b[i + 1]), ASCII.isDigit(b[i + 2]), ASCII.isDigit(b[i + 3]), i == 0 || !ASCII.isAlnum(b[i - 1]),
               let length = length(b[i], b[i + 1]), let end = ibanEnd(b, at: i, length: length) {
                sink.report(.iban, i, end)
                if !sink.wants(.iban) { return }
                i = end
                continue
            }
            i += 1
        }
    }

    /// Where the IBAN that starts at `i` ends: exactly `length` letters and digits
    /// (single spaces between groups allowed), not followed by another, with mod-97 remainder 1.
    static func ibanEnd(_ b: Bytes, at i: Int, length: Int) -> Int? {
        var count = 0, remainder = 0, j = i
        while j < b.count, count < length {
            if ASCII.isAlnum(b[j]) {
                if count >= 4 { remainder = mod97(remainder, b[j]) } // the first four go last
                count += 1
            } else if !(b[j] == 0x20 && j + 1 < b.count && ASCII.isAlnum(b[j + 1])) {
                break
            }
            j += 1
        }
        guard count == length, j == b.count || !ASCII.isAlnum(b[j]) else { return nil }
        for k in i..<(i + 4) { remainder = mod97(remainder, b[k]) }
        return remainder == 1 ? j : nil
    }

    /// Appends one character to a running mod-97 remainder (letters count as 10–35).
    static func mod97(_ remainder: Int, _ c: UInt8) -> Int {
        let upper = c >= 97 ? c - 32 : c
        return ASCII.isDigit(upper) ? (remainder * 10 + Int(upper - 48)) % 97 : (remainder * 100 + Int(upper - 55)) % 97
    }
}

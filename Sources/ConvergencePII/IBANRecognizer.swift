/// International bank account numbers: a known country code, that country's
/// length, and the ISO 13616 mod-97 check. Upper or lower case, in groups split
/// by single spaces or single dashes (`GB82-WEST-1234-5698-7654-32`).
enum IBANRecognizer {
    typealias Bytes = ASCII.Bytes

    /// Country code and IBAN length, five bytes an entry (a literal: no table to build or hash).
    static let lengths: StaticString = """
        AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 \
        EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 \
        KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 \
        PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 \
        VG24 XK20
        """

    /// `a` and `b` in either case.
    static func length(_ a: UInt8, _ b: UInt8) -> Int? {
        let a = a & 0xDF, b = b & 0xDF
        let table = lengths.utf8Start
        for entry in stride(from: 0, to: lengths.utf8CodeUnitCount, by: 5) where table[entry] == a && table[entry + 1] == b {
            return Int(table[entry + 2] - 48) * 10 + Int(table[entry + 3] - 48)
        }
        return nil
    }

    /// An IBAN's first digits are its check digits, right after the country code: hop from digit to digit.
    static func scan(_ b: Bytes, into sink: inout PIISink) {
        var d = ASCII.nextDigit(b, from: 2)
        while d + 1 < b.count {
            let i = d - 2
            // Not inside a dashed token: a UUID's groups ("…-ae9d-ba72-c3de-f781d4efe9f1") pass the check one time in 97.
            if ASCII.isDigit(b[d + 1]), ASCII.isAlpha(b[i]), ASCII.isAlpha(b[i + 1]), i == 0 || !ASCII.isAlnum(b[i - 1]),
               i < 2 || b[i - 1] != 0x2D || !ASCII.isAlnum(b[i - 2]),
               let length = length(b[i], b[i + 1]), let end = ibanEnd(b, at: i, length: length) {
                sink.report(.iban, i, end)
                // No early stop: every IBAN is remembered, so digits inside a second one are not a card either.
                d = ASCII.nextDigit(b, from: end)
                continue
            }
            d += 1
            while d < b.count, ASCII.isDigit(b[d]) { d += 1 }
            d = ASCII.nextDigit(b, from: d)
        }
    }

    /// Where the IBAN that starts at `i` ends: exactly `length` letters and digits (single spaces or
    /// single dashes between groups allowed, one kind per IBAN), not followed by another, with mod-97 remainder 1.
    static func ibanEnd(_ b: Bytes, at i: Int, length: Int) -> Int? {
        var count = 0, remainder = 0, j = i, separator: UInt8 = 0
        while j < b.count, count < length {
            if ASCII.isAlnum(b[j]) {
                if count >= 4 { remainder = mod97(remainder, b[j]) } // the first four go last
                count += 1
            } else if (b[j] == 0x20 || b[j] == 0x2D) && (separator == 0 || b[j] == separator) && j + 1 < b.count && ASCII.isAlnum(b[j + 1]) {
                separator = b[j]
            } else {
                break
            }
            j += 1
        }
        // Ends the token: not more letters or digits, nor a dash or dot that goes on with them (UUIDs, versions).
        guard count == length, j == b.count || !(ASCII.isAlnum(b[j]) || (b[j] == 0x2D || b[j] == 0x5F) && j + 1 < b.count && ASCII.isAlnum(b[j + 1]))
        else { return nil }
        for k in i..<(i + 4) { remainder = mod97(remainder, b[k]) }
        return remainder == 1 ? j : nil
    }

    /// Appends one character to a running mod-97 remainder (letters count as 10–35).
    static func mod97(_ remainder: Int, _ c: UInt8) -> Int {
        let upper = c >= 97 ? c - 32 : c
        return ASCII.isDigit(upper) ? (remainder * 10 + Int(upper - 48)) % 97 : (remainder * 100 + Int(upper - 55)) % 97
    }
}

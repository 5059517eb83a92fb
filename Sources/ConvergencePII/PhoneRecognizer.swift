/// Phone numbers worldwide. Two entry points:
/// - `isPhone(_:)` judges one digit-run window that `DigitRunRecognizer` cut (digits, spaces, `-`, `.`, `(`, `)`, `+`):
///   `+CC …` checked against the country code's number plan (`PhoneNumberPlans`), `8 (ddd) ddd-dd-dd`, North
///   American and a few distinctive national shapes (Chinese mobiles, Brazilian `(11) 91234-5678`).
/// - `scan(_:hint:into:)` judges whole runs only (inside a longer run these forms are its tail or a list): `00CC …`,
///   national numbers with a trunk `0` (most of Europe, Asia, Oceania, Africa), space-grouped national numbers
///   without one, numbers of more than five groups; and `030/1234567`, `tel:` URIs, extensions (`x123`,
///   `ext. 123`, `#123`) and bare digit blocks with a phone cue shortly before them.
/// Dates, times, versions, prices, ZIP+4, ISBNs and ids fail on group shape, separators or plan length.
enum PhoneRecognizer {
    typealias Bytes = ASCII.Bytes

    // MARK: - Shape of a window

    /// Digit groups of a candidate and what separates them; nil when it cannot be a phone at all.
    struct Shape {
        static let space: UInt8 = 1, dash: UInt8 = 2, dot: UInt8 = 4, paren: UInt8 = 8

        var plus = false
        var digits = 0
        var nibbles: UInt64 = 0  // digit k in bits 4k..<4k+4 (the first 16)
        var last = 0             // the last digit (the 17th has no nibble)
        var groups = 0
        var lengths: UInt64 = 0  // group k's length in bits 4k..<4k+4
        var gaps: UInt64 = 0     // separators after group k (Shape.space …) in bits 4k..<4k+4
        var parenGroup = -1      // the group written in parentheses
        var separators: UInt8 = 0

        init?(_ t: Bytes) {
            guard t.count >= 7, t.count <= 40 else { return nil }
            var inParen = false, gap: UInt8 = 0, gapMarks = 0, groupLength = 0, k = 0
            let n = t.count
            while k < n {
                let c = t[k]
                if ASCII.isDigit(c) {
                    if groupLength == 0 {
                        guard groups < 8 else { return nil }
                        if groups > 0 { gaps |= UInt64(gap) << (4 * UInt64(groups - 1)) }
                        groups += 1
                        gap = 0
                        gapMarks = 0
                    }
                    guard digits < 17 else { return nil }
                    last = Int(c &- 48)
                    if digits < 16 { nibbles |= UInt64(last) << (4 * UInt64(digits)) }
                    digits += 1
                    groupLength += 1
                    k += 1
                    continue
                }
                if groupLength > 0 {
                    guard groupLength < 16 else { return nil }
                    lengths |= UInt64(groupLength) << (4 * UInt64(groups - 1))
                    groupLength = 0
                }
                switch c {
                case 0x2B:
                    guard k == 0, n > 1, ASCII.isDigit(t[1]) || t[1] == 0x28 else { return nil }
                    plus = true
                case 0x28:
                    guard !inParen, parenGroup < 0, k + 1 < n, ASCII.isDigit(t[k + 1]) else { return nil }
                    inParen = true
                    parenGroup = groups
                    gap |= Self.paren
                case 0x29 where !inParen && plus && groups == 1 && parenGroup < 0:
                    gap |= Self.paren // "(+49) 30 1234567": the '(' stands before the run, which starts at the '+'
                case 0x29:
                    guard inParen, k > 0, ASCII.isDigit(t[k - 1]), parenGroup == groups - 1 else { return nil }
                    inParen = false
                    gap |= Self.paren
                case 0x20 where k > 0 && t[k - 1] == 0x20: break // "415  555  2671": a doubled space is one
                default: // space, dash, dot: one between two groups
                    let mark = c == 0x20 ? Self.space : c == 0x2D ? Self.dash : Self.dot
                    gapMarks += 1
                    guard gapMarks == 1, groups > 0 else { return nil }
                    gap |= mark
                    separators |= mark
                }
                k += 1
            }
            guard !inParen, groupLength > 0, groupLength < 16, digits >= 7 else { return nil }
            lengths |= UInt64(groupLength) << (4 * UInt64(groups - 1))
        }

        func length(_ k: Int) -> Int { Int((lengths >> (4 * UInt64(k))) & 15) }
        func gap(_ k: Int) -> UInt8 { UInt8((gaps >> (4 * UInt64(k))) & 15) }
        /// Digit `k` (0-based) of all the digits.
        func digit(_ k: Int) -> Int { k < 16 ? Int((nibbles >> (4 * UInt64(k))) & 15) : last }
        /// The value of `n` digits from digit `from`.
        func value(_ from: Int, _ n: Int) -> Int {
            var v = 0
            for k in from..<from + n { v = v * 10 + digit(k) }
            return v
        }
        /// Group lengths packed like `lengths`, for comparing with `Shape.code(…)`.
        var code: UInt64 { lengths }
        static func code(_ a: Int, _ b: Int, _ c: Int = 0, _ d: Int = 0, _ e: Int = 0) -> UInt64 {
            UInt64(a) | UInt64(b) << 4 | UInt64(c) << 8 | UInt64(d) << 12 | UInt64(e) << 16
        }
        /// Every gap holds `mark` alone (parentheses aside).
        func gapsAre(_ mark: UInt8, from: Int = 0) -> Bool {
            for k in from..<max(groups - 1, from) where gap(k) & ~Self.paren != mark { return false }
            return true
        }
    }

    // MARK: - Windows cut by DigitRunRecognizer

    /// A window of a digit run that is a phone number wherever it sits in the run: `+` international, North
    /// American, `8 (ddd) ddd-dd-dd`, Chinese mobile or a parenthesised Latin American area code.
    static func isPhone(_ t: Bytes) -> Bool {
        guard let s = Shape(t) else { return false }
        return isWindowPhone(s, t)
    }

    static func isWindowPhone(_ s: Shape, _ t: Bytes) -> Bool {
        if s.plus { return isInternational(s, skip: 0) }
        return s.digit(0) != 0 && (isNorthAmerican(t) || isRussianStyle(s) || isDistinctiveNational(s))
    }

    /// Forms judged only on a whole run, because inside a longer run they are its tail (an IBAN's `0532 0130 00`,
    /// lists of numbers): `00CC …`, trunk-prefixed national numbers and space-grouped ones without a trunk prefix.
    static func isRunPhone(_ s: Shape) -> Bool {
        guard !s.plus else { return false }
        if s.digit(0) == 0 {
            if s.digit(1) == 0 { return s.groups >= 2 && s.length(0) <= 5 && isInternational(s, skip: 2) }
            return isTrunkNational(s) || isBareMobile(s)
        }
        return isSpaceGroupedNational(s) || isBrazilianMobile(s)
    }

    /// Indian and Australian toll-free and local-rate numbers: 1800 123 4567, 1860-500-1234, 1800 123 456, 1300 654 321.
    /// Only after a cue: tables and statistics group counts the same way ("Visitors 1800 123 4567").
    static func isTollFree(_ s: Shape) -> Bool {
        guard s.digit(0) == 1, s.parenGroup < 0, s.gapsAre(Shape.space) || s.gapsAre(Shape.dash) else { return false }
        let prefix = s.value(0, 4)
        if s.code == Shape.code(4, 3, 4) { return prefix == 1800 || prefix == 1860 }
        return s.code == Shape.code(4, 3, 3) && (prefix == 1800 || prefix == 1300)
    }

    /// A mobile number written as one block with its trunk 0, which ids rarely start with: British 07xxx xxxxxx and
    /// Nigerian 070/080/081/090/091 and Turkish 050/053/054/055 (eleven digits), French and Dutch 06/07 (ten), German
    /// 015x/016x/017x (eleven; twelve digits are as often a UPC-A barcode: 016000275287).
    static func isBareMobile(_ s: Shape) -> Bool {
        guard s.groups == 1, !s.plus, s.digit(0) == 0 else { return false }
        let a = s.digit(1), b = s.digit(2)
        switch s.digits {
        case 10: return a == 6 && b != 0 || a == 7 && b >= 3 // FR 06/07, NL 06 (07 numbers of FR start 073–079)
        case 11: return a == 7 || (a == 8 || a == 9) && b <= 1 || a == 1 && (5...7).contains(b) || a == 5 && (b == 0 || (3...5).contains(b))
        default: return false
        }
    }

    /// Brazilian mobiles without the area code's parentheses: "11 98765-4321", "11 98765 4321" (area code, then nine
    /// digits opening with 9). Judged on a whole run only, like the space-grouped shapes.
    static func isBrazilianMobile(_ s: Shape) -> Bool {
        s.parenGroup < 0 && s.code == Shape.code(2, 5, 4) && s.digit(1) != 0 && s.digit(2) == 9 && s.gap(0) == Shape.space
            && (s.gap(1) == Shape.space || s.gap(1) == Shape.dash)
    }

    /// `+CC NSN` (or `00CC NSN`, `skip` = 2): a known country code ending at a group boundary (or a bare `+` block),
    /// an optional `(0)`, and a national significant number whose first digit and length the plan allows.
    static func isInternational(_ s: Shape, skip: Int) -> Bool {
        guard s.digits >= skip + 5 else { return false }
        var ccLength = 0, cc = 0
        for n in 1...3 where s.digits > skip + n {
            let candidate = s.value(skip, n)
            if PhoneNumberPlans.isCountryCode(candidate) { ccLength = n; cc = candidate; break }
        }
        guard ccLength > 0 else { return false }
        // Where the code ends: a group boundary, unless the whole number is one block after '+'.
        var consumed = 0, group = 0
        while group < s.groups, consumed < skip + ccLength { consumed += s.length(group); group += 1 }
        if consumed != skip + ccLength, s.groups > 1 { return false } // a bare block: "+4930…", cued "004930…"
        var nsnStart = skip + ccLength
        if consumed == nsnStart, group < s.groups, s.parenGroup == group, s.length(group) == 1, s.digit(nsnStart) == 0 {
            nsnStart += 1 // "+44 (0)20 …": the trunk prefix written for national callers
        } else if s.parenGroup >= 0, s.parenGroup < group { return false }
        var length = s.digits - nsnStart
        guard length >= 4 else { return false }
        var first = s.digit(nsnStart)
        if first == 0, !PhoneNumberPlans.allows(cc, first: 0, length: length) { // "+44 020 …" written with the trunk 0
            length -= 1
            first = s.digit(nsnStart + 1)
        }
        return PhoneNumberPlans.allows(cc, first: first, length: length)
    }

    /// `0` + area or mobile prefix + subscriber number: 8–13 digits (AR 011 15-2345-6789) in two or more groups of
    /// two or more, not a date's groups.
    static func isTrunkNational(_ s: Shape) -> Bool {
        guard s.groups >= 2, s.digit(1) != 0, (8...13).contains(s.digits) else { return false }
        // Turkish numbers set the trunk 0 apart: "0 850 222 33 44", "0 (212) 555 12 34" (an area code from 2 up).
        if s.code == Shape.code(1, 3, 3, 2, 2), s.gapsAre(Shape.space), s.digit(1) >= 2 { return true }
        for k in 0..<s.groups where s.length(k) < 2 { return false }
        if s.separators & Shape.dot != 0, !s.gapsAre(Shape.dot) { return false } // dots only ever alone (FR 01.23.45.67.89)
        if s.digits == 8, s.groups == 4, s.gapsAre(Shape.space) { return false } // 01 02 03 04: a list, not SE 08-12 34 56
        if s.code == Shape.code(5, 4) || s.code == Shape.code(5, 3), s.gap(0) == Shape.dash {
            return false // postal codes: ZIP+4 (Boston, MA 02110-1301), CEP (01310-100 São Paulo)
        }
        if s.code == Shape.code(3, 2, 4) { return false } // SSN shapes: 028-68-7973, 038 56 0211
        if s.gap(0) & Shape.dash != 0, s.length(0) > 5 { return false } // 012345-6789: an id; area codes are shorter
        if isCounting(s) { return false }
        if s.groups >= 3, s.gap(0) == s.gap(1), s.code & 0xFFF == Shape.code(2, 2, 4), (1900...2099).contains(s.value(4, 4)) {
            return false // 01.02.2024, 01-15-2024 1030
        }
        // "(012) 345-6789" is North American formatting with an impossible area code, not a national number.
        if s.parenGroup == 0, s.code == Shape.code(3, 3, 4), s.gap(1) == Shape.dash { return false }
        return true
    }

    /// 01 02 03 04 05, 10 20 30 40: four or more groups of one length counting up or down by a small fixed step.
    static func isCounting(_ s: Shape) -> Bool {
        let size = s.length(0)
        guard s.groups >= 4, size <= 2 else { return false }
        for k in 1..<s.groups where s.length(k) != size { return false }
        let step = s.value(size, size) - s.value(0, size)
        guard abs(step) <= 10 else { return false } // 01 23 45 67 89 is a number
        for k in 2..<s.groups where s.value(k * size, size) - s.value((k - 1) * size, size) != step { return false }
        return true
    }

    /// Optional leading "1 " / "1-" / "1.", then (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd or (ddd) ddd dddd; area
    /// code and exchange start with 2–9 (NANP).
    static func isNorthAmerican(_ t: Bytes) -> Bool {
        guard let s = northAmericanDigits(t) else { return false }
        return ASCII.leadingDigits(s, 1) >= 2 && ASCII.leadingDigits(s, 4) % 10 >= 2
    }

    /// The same punctuation with any digits ("555-123-4567", "(123) 456-7890"): how people and test data write a
    /// phone they will not give out. Taken for one only where the run stands alone and no word naming another kind
    /// of number (order, SKU, part, …) is just before it; real numbers pass `isNorthAmerican` wherever they sit.
    static func isNorthAmericanLookalike(_ t: Bytes) -> Bool { northAmericanDigits(t) != nil }

    /// `t` without a leading "1 " / "1-" / "1.", if the rest is punctuated as a North American number.
    static func northAmericanDigits(_ t: Bytes) -> Bytes? {
        var s = t
        if s.count > 2, s[0] == 0x31, s[1] == 0x20 || s[1] == 0x2D || s[1] == 0x2E { s = ASCII.slice(s, 2, s.count) }
        // "ddd ddd dddd" is judged on whole runs (isSpaceGroupedNational): NHS numbers are written the same way.
        let punctuated = ASCII.matches(s, "(ddd) ddd-dddd") || ASCII.matches(s, "(ddd)ddd-dddd") || ASCII.matches(s, "ddd-ddd-dddd")
            || ASCII.matches(s, "ddd.ddd.dddd") || ASCII.matches(s, "(ddd) ddd dddd")
        return punctuated ? s : nil
    }

    /// Russia and Kazakhstan dial a trunk `8`: 8 (912) 345-67-89, 8 912 345-67-89, 8-912-345-67-89.
    static func isRussianStyle(_ s: Shape) -> Bool {
        s.digits == 11 && s.digit(0) == 8 && s.digit(1) != 0 && s.groups >= 3 && s.length(0) == 1 && s.length(1) == 3
            && s.separators & Shape.dot == 0
    }

    /// National shapes without a trunk prefix that little else is written like: Chinese mobiles (138 0013 8000,
    /// 138-0013-8000) and Brazilian or Chilean numbers with the area code in parentheses ((11) 91234-5678, (2) 2123 4567).
    static func isDistinctiveNational(_ s: Shape) -> Bool {
        if s.code == Shape.code(3, 4, 4), s.digit(0) == 1, s.digit(1) >= 3, s.gapsAre(Shape.space) || s.gapsAre(Shape.dash) {
            return true
        }
        // (601) 2345678: Colombia's ten-digit numbers, and North American numbers written the same way.
        if s.parenGroup == 0, s.code == Shape.code(3, 7), s.digit(0) >= 2 { return true }
        guard s.parenGroup == 0, s.groups == 3, s.digit(0) != 0, s.length(2) == 4, s.separators & Shape.dot == 0 else { return false }
        switch s.length(0) {
        case 2: return s.digit(1) != 0 && (4...5).contains(s.length(1))
        case 1: return s.length(1) == 4
        default: return false
        }
    }

    /// Space-grouped national numbers without a trunk prefix (IT 333 123 4567, ES 612 34 56 78, PL 512 345 678,
    /// DK 32 12 34 56, NO 406 12 345, SG 6123 4567, IN 98765 43210, MX 55 1234 5678, PT 21 234 5678). Judged only on
    /// a whole run: inside a longer run these shapes are lists of numbers.
    static func isSpaceGroupedNational(_ s: Shape) -> Bool {
        guard !s.plus, s.parenGroup < 0, s.groups >= 2, s.gapsAre(Shape.space) else { return false }
        let first = s.digit(0)
        guard first >= 2 || s.code == Shape.code(2, 3, 2, 2) else { return false } // PL 12 345 67 89
        var endsInZero = true // 20 30 40 50, 500 000 000: amounts and lists
        for k in 0..<s.groups {
            var end = 0
            for g in 0...k { end += s.length(g) }
            if s.digit(end - 1) != 0 { endsInZero = false }
        }
        if endsInZero || isCounting(s) { return false }
        switch s.code {
        case Shape.code(3, 3, 4), Shape.code(2, 4, 4), Shape.code(2, 3, 4): return true
        case Shape.code(1, 3, 3, 4): return first == 1 && s.digit(1) >= 2 && s.digit(4) >= 2 // 1 415 555 2671
        case Shape.code(3, 2, 2, 2): return first >= 5
        case Shape.code(2, 3, 2, 2): return true
        case Shape.code(3, 7): return first == 3 // CO 321 1234567
        case Shape.code(5, 5): return first >= 6
        default: return false
        }
    }

    /// Short space-grouped shapes that tables, serials and scores share with phones (PL 512 345 678, DK 32 12 34 56,
    /// NO 406 12 345, SG 6123 4567): phones only after a cue.
    static func isCuedSpaceGroupedNational(_ s: Shape) -> Bool {
        guard !s.plus, s.parenGroup < 0, s.groups >= 2, s.gapsAre(Shape.space), !isCounting(s) else { return false }
        let first = s.digit(0)
        switch s.code {
        case Shape.code(3, 3, 3): return first >= 2 && s.value(6, 3) != 0 && s.value(3, 3) != 0
        case Shape.code(2, 2, 2, 2): return first >= 2 || (first == 0 && s.digit(1) != 0) // BE 02 43 19 38
        case Shape.code(3, 2, 3): return first >= 4
        case Shape.code(4, 4): return first == 3 || first == 5 || first == 6 || first == 8 || first == 9
        case Shape.code(2, 9): return s.digit(1) != 0 && s.digit(2) == 9 // BR 11 987654321
        default: return false
        }
    }

    /// A North American number without its area code, as people give a local line ("call me at 555-0134"): seven
    /// digits as exchange and line, the exchange not starting with 0 or 1. Only after a cue: alone it is a part number.
    static func isLocalNorthAmerican(_ s: Shape) -> Bool {
        guard !s.plus, s.parenGroup < 0, s.groups == 2, s.code == Shape.code(3, 4), s.digit(0) >= 2 else { return false }
        return s.gapsAre(Shape.dash) || s.gapsAre(Shape.dot) // not a space: "Mobile data used: 512 1024 MB"
    }
}

// MARK: - Forms windows cannot see

extension PhoneRecognizer {
    /// How far before a bare digit block a cue may sit, and how much may stand between them.
    static let cueWindow = 32, cueGap = 24

    /// Words that announce a phone number (lower case; compared case-insensitively on ASCII letters).
    static let cues: [StaticString] = [
        "phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "sms", "text me", "ring", "reach me", "contact number",
        "telefon", "handy", "rufnummer", "téléphone", "portable", "teléfono", "móvil", "movil", "telefone", "celular", "cellulare",
        "telefono", "telefoon", "mobiel", "puhelin", "numéro", "ruf", "anruf", "appel", "llama", "chiama", "dial", "tlf", "mob",
        "ph", "tél", "my number", "new number", "電話", "电话", "携帯", "手机", "전화", "휴대폰", "reach", "contact", "line", "hotline",
        "landline", "viber", "telegram", "llám", "zadzwo", "komórk", "llame", "ligue", "ligar", "liga para", "bel me", "bel ons",
        // Compared with ASCII letters folded: a capital of another script is listed as written ("SĐT" reads "sĐt").
        "dzwoni", "hubungi", "telp", "sđt", "sĐt", "điện thoại", "Điện thoại", "volejte", "bellen", "arayın", "телефон", "Телефон",
        "тел.", "Тел.", "звоните", "Звоните", "позвоните", "Позвоните",
        "my no", "toll free", "toll-free", "helpline", "customer care",
        // Danish, Norwegian, Czech, Polish, Portuguese, Spanish, Italian, Indonesian (not Swedish "tfn": the Australian TFN).
        "mobil", "ringe", "ring til", "kontakt", "kundeservice", "čísle", "číslo", "linka", "infolinia", "napisz",
        "telemóvel", "telemovel", "linha", "numero", "número", "wa", "hp",
    ]

    static func scan(_ b: Bytes, hint: PIIFieldHint, into sink: inout PIISink) {
        // Everything found here has seven digits or more: a cheap count skips most texts.
        guard digitCount(b, atLeast: 7) else { return }
        var i = 0
        while i < b.count, sink.wants(.phone) {
            // Most bytes are letters: skip to the next digit or ':' (of tel:), then back to a '+' or '(' before it.
            i = nextDigitOrColon(b, from: i)
            guard i < b.count else { break }
            let c = b[i], found = i
            if c != 0x3A {
                if i > 0, b[i - 1] == 0x28 || b[i - 1] == 0x2B { i -= 1 }
                if i > 0, b[i - 1] == 0x2B, b[i] == 0x28 { i -= 1 }
            }
            if c == 0x3A, i >= 3, ASCII.equals(b, i - 3, i, "tel"), i + 1 < b.count { // tel:+1-415-555-2671
                var end = i + 1
                while end < b.count, end - i <= 40, isURIByte(b[end]) { end += 1 }
                var last = end
                while last > i + 1, !ASCII.isDigit(b[last - 1]) { last -= 1 } // "tel:+1-415-555-2671." ends a sentence
                if end - i <= 40, last > i + 1, isTelURI(ASCII.slice(b, i + 1, last)) { sink.report(.phone, i - 3, last) }
                i = end
                continue
            }
            // "wa.me/2348031234567": WhatsApp's click-to-chat link holds the number in international form, its '+' optional.
            if c != 0x3A, found >= 6, ASCII.equals(b, found - 6, found, "wa.me/") || found >= 7 && ASCII.equals(b, found - 7, found, "wa.me/+") {
                var end = found
                while end < b.count, ASCII.isDigit(b[end]) { end += 1 }
                if (8...15).contains(end - found), end == b.count || !ASCII.isAlnum(b[end]) {
                    sink.report(.phone, b[found - 1] == 0x2B ? found - 7 : found - 6, end)
                }
                i = end
                continue
            }
            guard DigitRunRecognizer.startsRun(b, at: i) else { i = found + 1; continue }
            var end = i, digits = 0
            while end < b.count, DigitRunRecognizer.isRunByte(b[end]) {
                if ASCII.isDigit(b[end]) { digits += 1 }
                end += 1
            }
            var trimmed = end
            while trimmed > i, !ASCII.isDigit(b[trimmed - 1]) && b[trimmed - 1] != 0x29 { trimmed -= 1 }
            let (from, to) = unwrapped(b, i, trimmed)
            // Every form here has seven digits or more, but for the area code before a slash.
            if to > from, to - from <= 40, digits >= 7 || (to < b.count && b[to] == 0x2F) {
                // DigitRunRecognizer's windows saw the run with its parentheses, so not this number.
                let codeInParentheses = b[from] == 0x2B && from > 0 && b[from - 1] == 0x28 // "(+49) 30 1234567"
                run(b, from, to, windowsSeen: from == i && to == trimmed && !codeInParentheses, hint: hint, into: &sink)
            }
            i = max(end, found + 1)
        }
    }

    /// A number written inside parentheses ("voicemail (415-555-2671)", "(+44 20 7946 0958)"): the run without
    /// the closing ')' that no '(' of the number opens, and without the '(' that only wraps it.
    static func unwrapped(_ b: Bytes, _ from: Int, _ to: Int) -> (Int, Int) {
        guard to - from > 2, b[to - 1] == 0x29 else { return (from, to) }
        var depth = 0, firstClose = -1
        for k in from..<to {
            if b[k] == 0x28 { depth += 1 } else if b[k] == 0x29 { depth -= 1; if firstClose < 0 { firstClose = k } }
        }
        if depth < 0 { return (from, to - 1) } // "(+44 20 7946 0958)": the run starts after the '('
        if b[from] == 0x28, firstClose == to - 1, depth == 0, ASCII.isDigit(b[from + 1]) || b[from + 1] == 0x2B {
            return (from + 1, to - 1) // "(415-555-2671)"; "(415) 555-2671" closes early and stays whole
        }
        return (from, to)
    }

    /// `b` holds at least `n` ASCII digits. Counted eight bytes at a time: a byte (its top bit cleared, so no
    /// carry crosses bytes) is a digit when adding 0x50 sets its top bit (≥ '0') and adding 0x46 does not (≤ '9').
    static func digitCount(_ b: Bytes, atLeast n: Int) -> Bool {
        guard let base = b.baseAddress else { return false }
        let raw = UnsafeRawPointer(base), low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        var count = 0, k = 0
        while k + 8 <= b.count {
            let w = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            let v = w & low7
            let digits = (v &+ 0x5050_5050_5050_5050) & ~(v &+ 0x4646_4646_4646_4646) & ~w & high
            if digits != 0 { // most words of prose hold none
                count += digits.nonzeroBitCount
                if count >= n { return true }
            }
            k += 8
        }
        while k < b.count { count += ASCII.isDigit(b[k]) ? 1 : 0; k += 1 }
        return count >= n
    }

    /// The first digit or ':' at or after `from` (`b.count` if none), eight bytes at a time as in `digitCount`; a
    /// ':' is a zero byte of `v ^ 0x3A…`, and the lowest byte that test flags is exact.
    static func nextDigitOrColon(_ b: Bytes, from: Int) -> Int {
        guard let base = b.baseAddress else { return b.count }
        let raw = UnsafeRawPointer(base), low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        var k = from
        while k + 8 <= b.count {
            let w = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            let v = w & low7
            let digits = (v &+ 0x5050_5050_5050_5050) & ~(v &+ 0x4646_4646_4646_4646)
            let x = w ^ (0x3A * ones)
            let colons = (x &- ones) & ~x
            let found = (digits | colons) & ~w & high
            if found != 0 { return k + found.trailingZeroBitCount / 8 }
            k += 8
        }
        while k < b.count, !(ASCII.isDigit(b[k]) || b[k] == 0x3A) { k += 1 }
        return k
    }

    /// One run `b[from..<to]` (it ends in a digit or ')'): the forms `DigitRunRecognizer`'s windows leave out.
    static func run(_ b: Bytes, _ from: Int, _ to: Int, windowsSeen: Bool, hint: PIIFieldHint, into sink: inout PIISink) {
        let t = ASCII.slice(b, from, to)
        let next: UInt8 = to < b.count ? b[to] : 0x20
        if next == 0x2F { // 030/1234567, or a number before "(24/7)"
            if slashed(b, from, to, into: &sink) { return }
            return aside(b, from, to, hint: hint, into: &sink)
        }
        let shape = Shape(t)
        if let end = extensionEnd(b, to) { // the number with its extension
            if let s = shape, isWindowPhone(s, t) || isRunPhone(s) || isLookalike(b, from, t) { sink.report(.phone, from, end) }
            return
        }
        // "SMS from 0590 169 52 59: running late": a colon and a space end a number; DigitRunRecognizer saw it glued.
        let colonEnds = next == 0x3A && (to + 1 == b.count || b[to + 1] == 0x20)
        if ASCII.isAlpha(next) || next == 0x5F || (next == 0x3A && !colonEnds) || next == 0x40 { return aside(b, from, to, hint: hint, into: &sink) }
        if next == 0x2D || next == 0x2E, to + 1 < b.count, ASCII.isAlnum(b[to + 1]) { return } // 05-674708-setpci.patch
        judge(b, from, to, windowsSeen: windowsSeen && !colonEnds, hint: hint, into: &sink)
    }

    /// A run `b[from..<to]` that stands alone. `windowsSeen`: DigitRunRecognizer judged its windows already.
    static func judge(_ b: Bytes, _ from: Int, _ to: Int, windowsSeen: Bool, hint: PIIFieldHint, into sink: inout PIISink) {
        let t = ASCII.slice(b, from, to)
        if let s = Shape(t) {
            // National forms give way to a word naming another kind of number just before them (SKU 01-234-5678),
            // to the groups of a printed code, and to an SSN or a card.
            let national = isRunPhone(s) && ((s.digit(0) == 0 && s.digit(1) == 0) || !hasAntiCue(b, before: from))
                && !followsCodeToken(b, from)
            let cued = !national && (isCuedSpaceGroupedNational(s) || isLocalNorthAmerican(s) || isTollFree(s))
                && (hint == .phone || hasCue(b, before: from) && !hasAntiCue(b, before: from))
            let window = (!windowsSeen || s.groups > 5) && isWindowPhone(s, t)
            if national || cued || window || isLookalike(b, from, t), (DigitRunRecognizer.classify(t) ?? .phone) == .phone {
                return sink.report(.phone, from, to)
            }
        }
        if isBareCued(b, from, to, hint: hint) { sink.report(.phone, from, to) }
    }

    /// A whole run punctuated as a North American number whatever its digits, with no other kind of number named before it.
    static func isLookalike(_ b: Bytes, _ from: Int, _ t: Bytes) -> Bool {
        isNorthAmericanLookalike(t) && !hasAntiCue(b, before: from)
    }

    /// A run glued to what follows may still hold a number before a parenthesised aside: "+27 82 839 9108 (24/7)".
    static func aside(_ b: Bytes, _ from: Int, _ to: Int, hint: PIIFieldHint, into sink: inout PIISink) {
        var k = to - 1
        while k > from + 1, !(b[k] == 0x28 && b[k - 1] == 0x20) { k -= 1 }
        guard k > from + 1 else { return }
        judge(b, from, k - 1, windowsSeen: false, hint: hint, into: &sink)
    }

    /// 8–12 bare digits (7–15 under a phone field hint) with a phone cue shortly before them.
    static func isBareCued(_ b: Bytes, _ from: Int, _ to: Int, hint: PIIFieldHint) -> Bool {
        var plus = false, start = from
        if b[from] == 0x2B { plus = true; start += 1 }
        let count = to - start
        guard !plus, count >= 7, count <= 15 else { return false }
        for k in start..<to where !ASCII.isDigit(b[k]) { return false }
        if from > 0, b[from - 1] == 0x23 || b[from - 1] == 0x24 { return false } // #12345678, $12345678
        if b[start] == 0x30, b[start + 1] == 0x30 { // 00CC bare
            guard let s = Shape(ASCII.slice(b, start, to)) else { return false }
            return isInternational(s, skip: 2) && (hint == .phone || hasCue(b, before: from))
        }
        if hint == .phone { return true }
        guard count >= 8, count <= 12, !isDateBlock(b, start, count) else { return false }
        return hasCue(b, before: from) && !hasAntiCue(b, before: from) // "numéro national : 63082697908" is an id
    }

    /// 20240115, 15012024: a date written without separators.
    static func isDateBlock(_ b: Bytes, _ start: Int, _ count: Int) -> Bool {
        guard count == 8, let v = ASCII.decimal(b, start, start + 8) else { return false }
        let year = v / 10_000, month = v / 100 % 100, day = v % 100
        if (1900...2099).contains(year), (1...12).contains(month), (1...31).contains(day) { return true }
        let tailYear = v % 10_000, a = v / 1_000_000, m = v / 10_000 % 100
        return (1900...2099).contains(tailYear) && (1...31).contains(a) && (1...31).contains(m)
    }

    /// A cue word within `cueWindow` bytes before `at`, with no digits and at most `cueGap` bytes between it and the number.
    static func hasCue(_ b: Bytes, before at: Int) -> Bool {
        let low = max(0, at - cueWindow)
        var p = at - 1
        while p >= low, at - p <= cueGap + 16 {
            if ASCII.isDigit(b[p]) || b[p] == 0x23 { return false }
            let first = ASCII.lower(b[p])
            if p == 0 || !ASCII.isAlpha(b[p - 1]), startsWord[Int(first)] & 1 != 0 {
                let found = cueIndex.contains(first: first) { cue in
                    guard ASCII.hasPrefix(b, at: p, cue) else { return false }
                    let end = p + cue.utf8CodeUnitCount
                    guard at - end <= cueGap, end >= at || !ASCII.isAlpha(b[end]) || cueAllowsSuffix(cue) else { return false }
                    // "line" names many things ("line length 2147483647", "line 1204"): only right before the number or its "is".
                    return !(cue.utf8CodeUnitCount == 4 && at - end > 4 && ASCII.hasPrefix(b, at: p, "line"))
                }
                if found { return true }
            }
            p -= 1
        }
        return false
    }

    /// Words that name another kind of number (lower case), checked within `cueGap` bytes before a national number,
    /// unless a cue stands nearer.
    static let antiCues: [StaticString] = [
        "order", "invoice", "inv", "sku", "lot", "account", "acct", "ticket", "case", "ref", "id", "serial", "tracking", "batch",
        "part", "item", "model", "no.", "nr", "isbn", "zip", "policy", "claim", "iban", "routing", "patient", "member", "record",
        "nhs", "ssn", "social security", "tax", "vat", "passport", "license", "licence", "postcode", "confirmation",
        "reservation", "booking", "receipt", "transaction", "txn", "shipment", "parcel", "voucher", "coupon", "national",
        "social insurance", "tiket", "resi", "pesanan", "klantnummer", "bestelnummer", "bestellnummer", "kundennummer",
        "rechnung", "commande", "facture", "pedido", "factura", "fattura", "ordine", "zamówienie", "zamówienia", "faktura", "faktury",
        "sipariş",
        // Identity numbers, which share their length with mobiles written as one block (fødselsnummer 09124584687).
        "fødselsnummer", "fodselsnummer", "personnummer", "pesel", "bsn", "aadhaar", "pan", "cpf", "rut", "dni", "nie", "nif",
        "cnic", "kimlik", "nin", "nino", "tfn", "medicare", "hetu", "idnr", "nik", "ktp", "curp", "ppsn",
        // Other numbers that mobiles written as one block share their length with.
        "reference", "otp", "pin", "employee", "registration", "meter", "awb", "container", "bvn", "a/c", "balance", "orders",
        "pid", "uid", "ts", "upc", "gtin", "ean", "barcode", "imei", "product",
        // Article, product and contract codes in other languages ("Artikelnummer 0049 221 5567", "Ürün kodu 0532-1234-567").
        "artikel", "artikelnummer", "artikelnr", "artikelcode", "code", "kod", "kodu", "kode", "codice", "código", "codigo",
        "contrat", "contract", "contrato", "contratto", "vertrag", "vertragsnummer", "produit",
        // Serial, part, catalogue, policy and booking numbers of other languages ("Numéro de série 07 89 12 34 56",
        // "Seriennummer 0151 2345 6789", "Uw polisnummer is 020-555 1234", "Objednávka č. 777 123 456").
        "serie", "série", "seryjny", "seryjnego", "seriennummer", "serienummer", "serienumret", "seri", "výrobní", "katalog",
        "katalogové", "onderdeel", "onderdeelnummer", "póliza", "poliza", "polisnummer", "poliçe", "apólice", "apolice", "pratica",
        "bokning", "bokningsnummer", "consignment", "objednávka", "objednávky", "réf",
    ]

    static let cueIndex = FirstByteIndex(cues), antiCueIndex = FirstByteIndex(antiCues)

    /// By first byte: 1 when a cue starts with it, 2 when an anti-cue does (most word starts skip both lists).
    static let startsWord: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for cue in cues { table[Int(cue.utf8Start[0])] |= 1 }
        for word in antiCues { table[Int(word.utf8Start[0])] |= 2 }
        return table
    }()

    /// The run continues a code: the token before it (one space between) mixes letters and digits, as the groups
    /// of a printed IBAN do (BE61 0048 6345 6393, IT62 M494 0269 5605 …).
    static func followsCodeToken(_ b: Bytes, _ from: Int) -> Bool {
        guard from >= 3, b[from - 1] == 0x20, ASCII.isAlnum(b[from - 2]) else { return false }
        var p = from - 2, letters = false, digits = false
        while p >= 0, from - p <= 10, ASCII.isAlnum(b[p]) {
            if ASCII.isDigit(b[p]) { digits = true } else { letters = true }
            p -= 1
        }
        return letters && digits
    }

    static func hasAntiCue(_ b: Bytes, before at: Int) -> Bool {
        var p = at - 1
        while p >= 0, at - p <= cueGap {
            if ASCII.isDigit(b[p]) { return false }
            let first = ASCII.lower(b[p])
            if p == 0 || !ASCII.isAlpha(b[p - 1]), startsWord[Int(first)] != 0 {
                // A cue nearer, unless it only says "number" ("número", "numéro", "číslo"): then the word before it tells
                // which number ("Su pedido número 612 34 56 78", "Número de série …" reads the word after).
                if cueIndex.contains(first: first, where: { ASCII.hasPrefix(b, at: p, $0) }), !isNeutralNumberWord(b, p) { return false }
                let anti = antiCueIndex.contains(first: first) { word in
                    let end = p + word.utf8CodeUnitCount // a whole word: "Partners," is no "part"
                    return ASCII.hasPrefix(b, at: p, word) && (end >= b.count || !ASCII.isAlpha(b[end]))
                }
                // "Mobile no. 601 234 567", "Tel nr 0612345678": a number word right after a cue is the cue's.
                if anti, !(isNumberWord(b, p) && cueRightBefore(b, p)) { return true }
                // A Canadian SIN or NAS, in capitals only: Spanish "sin" (without) stands before phones ("llama sin costo al …").
                if NationalIDRecognizer.isSINInCapitals(b, at: p) { return true }
            }
            p -= 1
        }
        return false
    }

    /// "número", "numéro", "numero", "číslo", "čísle" at `p`: a cue that says only that a number follows.
    @inline(__always) static func isNeutralNumberWord(_ b: Bytes, _ p: Int) -> Bool {
        ASCII.hasPrefix(b, at: p, "num") || ASCII.hasPrefix(b, at: p, "n\u{FA}m") || ASCII.hasPrefix(b, at: p, "\u{10D}\u{ED}sl")
    }

    /// The word right before `at`: one space, perhaps a '#', ':' or '.', then letters (of any script) that start a word.
    static func wordRightBefore(_ b: Bytes, _ at: Int) -> (start: Int, end: Int)? {
        guard at >= 2, b[at - 1] == 0x20 else { return nil }
        var end = at - 1
        if b[end - 1] == 0x23 || b[end - 1] == 0x3A || b[end - 1] == 0x2E { end -= 1 }
        var start = end
        while start > 0, ASCII.isAlpha(b[start - 1]) || b[start - 1] >= 0x80 { start -= 1 }
        guard start < end, start == 0 || !ASCII.isAlnum(b[start - 1]) else { return nil }
        return (start, end)
    }

    /// The word right before `at` is a word naming another number: "Order 312.448.9021", "Consignment 1-555-867-5309";
    /// or the one before a word that only says "number" ("pedido número 612 …"). Real North American numbers pass
    /// elsewhere whatever words stand further off.
    static func antiCueRightBefore(_ b: Bytes, _ at: Int) -> Bool {
        var at = at
        for _ in 0..<2 {
            guard let (start, end) = wordRightBefore(b, at) else { return false }
            if antiCueIndex.contains(first: ASCII.lower(b[start]), where: { ASCII.equals(b, start, end, $0) }) { return true }
            guard isNeutralNumberWord(b, start) || ASCII.equals(b, start, end, "nummer") || ASCII.equals(b, start, end, "number") else {
                return false
            }
            at = start
        }
        return false
    }

    /// "no." or "nr" at `p`: a word that only says a number follows.
    @inline(__always) static func isNumberWord(_ b: Bytes, _ p: Int) -> Bool {
        ASCII.hasPrefix(b, at: p, "no.") || ASCII.hasPrefix(b, at: p, "nr") && (p + 2 == b.count || !ASCII.isAlpha(b[p + 2]))
    }

    /// A cue word ends right before `p` ("Mobile no.", "Tel nr").
    static func cueRightBefore(_ b: Bytes, _ p: Int) -> Bool {
        guard let (start, end) = wordRightBefore(b, p) else { return false }
        return cueIndex.contains(first: ASCII.lower(b[start])) { ASCII.equals(b, start, end, $0) }
    }

    /// "phones", "telephone", "calling", "faxes", "mobile:": a cue may run on into a longer word for a few of them.
    static func cueAllowsSuffix(_ cue: StaticString) -> Bool {
        let w = cue.utf8Start
        // Not "ring" (ringtone, …) nor "my no" (my notes …), but phone→phones, telefon→telefonnummer, reach→reached.
        let n = cue.utf8CodeUnitCount
        return n >= 4 && !(w[0] == 0x72 && w[1] == 0x69) && !(n == 5 && w[0] == 0x6D && w[1] == 0x79)
    }

    /// `030/1234567`, `0151/4960091`, `089/123 456 78`: a trunk-prefixed area code, a slash, the subscriber number.
    @discardableResult
    static func slashed(_ b: Bytes, _ from: Int, _ to: Int, into sink: inout PIISink) -> Bool {
        let area = to - from
        guard area >= 3, area <= 5, b[from] == 0x30, b[from + 1] != 0x30 else { return false }
        for k in from..<to where !ASCII.isDigit(b[k]) { return false }
        var end = to + 1, digits = area, groups = 0
        while end < b.count, end - from <= 24 {
            guard ASCII.isDigit(b[end]) else { break }
            groups += 1
            while end < b.count, ASCII.isDigit(b[end]) { end += 1; digits += 1 }
            if end + 1 < b.count, b[end] == 0x20 || b[end] == 0x2D, ASCII.isDigit(b[end + 1]) { end += 1 } else { break }
        }
        guard groups >= 1, (9...12).contains(digits) else { return false }
        if end < b.count, ASCII.isAlpha(b[end]) || b[end] == 0x2F || b[end] == 0x5F { return false }
        sink.report(.phone, from, extensionEnd(b, end) ?? end)
        return true
    }

    /// The end of an extension right after a number: "x123", " ext. 123", " ext 123", " #123", ", ext. 12".
    static func extensionEnd(_ b: Bytes, _ at: Int) -> Int? {
        var p = at
        if p < b.count, b[p] == 0x2C { p += 1 }
        if p < b.count, b[p] == 0x20 { p += 1 }
        guard p < b.count else { return nil }
        if ASCII.hasPrefix(b, at: p, "extension") { p += 9 } else if ASCII.hasPrefix(b, at: p, "ext") { p += 3 }
        else if b[p] == 0x78 || b[p] == 0x58 || b[p] == 0x23 { p += 1 } else { return nil }
        if p < b.count, b[p] == 0x2E { p += 1 }
        if p < b.count, b[p] == 0x20 { p += 1 }
        let digitsStart = p
        while p < b.count, p - digitsStart < 7, ASCII.isDigit(b[p]) { p += 1 }
        let n = p - digitsStart
        guard (1...6).contains(n), p == b.count || !ASCII.isAlnum(b[p]) else { return nil }
        return p
    }

    @inline(__always) static func isURIByte(_ c: UInt8) -> Bool {
        ASCII.isDigit(c) || c == 0x2B || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29
    }

    /// RFC 3966 numbers: global (`+` and a plan-valid number) or local digits (7–15).
    static func isTelURI(_ t: Bytes) -> Bool {
        var end = t.count
        while end > 0, !ASCII.isDigit(t[end - 1]) { end -= 1 }
        guard end > 0 else { return false }
        let number = ASCII.slice(t, 0, end)
        guard let s = Shape(number) else { return false }
        if isWindowPhone(s, number) || isRunPhone(s) { return true }
        guard !s.plus else { return false }
        return (7...15).contains(s.digits)
    }
}

// MARK: - Number plans

extension PhoneNumberPlans {
    /// `table` parsed once: entry `cc * 10 + first digit` is the length mask, 0 for codes nobody was assigned.
    static let masks: [UInt16] = {
        var masks = [UInt16](repeating: 0, count: 10_000)
        let text = UnsafeBufferPointer(start: table.utf8Start, count: table.utf8CodeUnitCount)
        var k = 0
        func number(radix: Int) -> Int {
            while k < text.count, text[k] == 0x20 || text[k] == 0x0A { k += 1 }
            var value = 0
            while k < text.count, ASCII.isHex(text[k]) {
                let c = text[k]
                value = value * radix + (ASCII.isDigit(c) ? Int(c - 48) : Int(ASCII.lower(c) - 87))
                k += 1
            }
            return value
        }
        while k < text.count {
            let cc = number(radix: 10)
            guard cc > 0, cc < 1000 else { break }
            for d in 0..<10 { masks[cc * 10 + d] = UInt16(number(radix: 16)) }
        }
        return masks
    }()

    static func isCountryCode(_ cc: Int) -> Bool {
        guard cc > 0, cc < 1000 else { return false }
        for d in 0..<10 where masks[cc * 10 + d] != 0 { return true }
        return false
    }

    /// The plan of `cc` has national significant numbers of `length` digits starting with `first`.
    static func allows(_ cc: Int, first: Int, length: Int) -> Bool {
        guard cc > 0, cc < 1000, (4...17).contains(length) else { return false }
        return masks[cc * 10 + first] & (1 << UInt16(length - 4)) != 0
    }
}

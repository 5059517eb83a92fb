/// National identifiers (`national_id`), plus the US SSN written as nine bare digits.
/// A shape with a check character or checksum and strict grouping stands alone
/// (UK NINO, Canadian SIN, Aadhaar, Spanish DNI/NIE, codice fiscale, Singapore
/// NRIC/FIN, Brazilian CPF as `ddd.ddd.ddd-dd`, Finnish HETU, Chinese resident
/// identity number, French NIR when spaced, Korean RRN with its check digit, South
/// African identity number, Mexican CURP, Belgian national number as
/// `yy.mm.dd-sss.cc`, Pakistani CNIC `ddddd-ddddddd-d` by its grouping alone, Argentine CUIT, Chilean RUT printed
/// with its dots, HKID with its check in parentheses, Malaysian MyKad); a shape that could be anything needs a cue word within
/// 40 bytes before it, or a `.nationalID` field hint (bare SSN, SIN and Aadhaar, NHS,
/// PESEL, Dutch BSN, US ITIN and passport, Indian PAN, Australian TFN and Medicare,
/// bare CPF and NIR, Swedish personnummer, Norwegian fødselsnummer, bare Belgian national
/// number, Turkish T.C. Kimlik No, bare RUT, Indonesian NIK, German Steuer-ID, driver's licences). The newer
/// countries' checks are in NationalIDChecks.swift.
enum NationalIDRecognizer {
    typealias Bytes = ASCII.Bytes

    /// Every identifier has a digit within its first seven bytes: the scan hops from digit run to digit run
    /// and looks back for the token's start (`AB 12 34 56 C`, `X1234567L`, `RSSMRA85…`).
    static func scan(_ b: Bytes, hint: PIIFieldHint, into sink: inout PIISink) {
        var d = ASCII.nextDigit(b, from: 0)
        while d < b.count {
            var next = d + 1
            while next < b.count, ASCII.isDigit(b[next]) { next += 1 }
            if worthTrying(b, d, next), let start = tokenStart(b, digitsAt: d) {
                // "SIN 130…": the two capitals before a digit group may be a word, not a spaced NINO's letters.
                if let (kind, matchEnd) = match(b, start, hint: hint) ?? (start == d - 3 ? match(b, d, hint: hint) : nil) {
                    if sink.wants(kind) { sink.report(kind, matchEnd.start, matchEnd.end) }
                    if !sink.wants(.nationalID) && !sink.wants(.ssn) { return }
                    next = max(next, matchEnd.end)
                }
            }
            d = ASCII.nextDigit(b, from: next)
        }
    }

    /// Whether the digit run `b[d..<next]` can open an identifier, by its length: 2–8 digits need capitals before
    /// them (NINO, NIE, NRIC, PAN, codice fiscale) or, for 3–4, a next group (SIN, NHS, ITIN, Aadhaar); 8–12 may stand.
    @inline(__always) static func worthTrying(_ b: Bytes, _ d: Int, _ next: Int) -> Bool {
        let n = next - d
        if n >= 8 { return n <= 13 || n == 15 || n == 16 || n == 17 || n == 18 } // 16: an Indonesian NIK after its cue
        // Six digits and a separator: a HETU, an RRN or a personnummer. One digit and a space: a spaced NIR.
        if n == 6 || n == 1, next + 2 < b.count, ASCII.isDigit(b[next + 1]) {
            if n == 6, contains("+-ABCDEFYXWVU", b[next]) { return true }
            if n == 1, b[next] == 0x20, b[d] == 0x31 || b[d] == 0x32, ASCII.isDigit(b[next + 2]) { return true }
        }
        // "85.07.30-033.28" (a Belgian national number), "35202-1234567-1" (a Pakistani CNIC), "20-12345678-6" (a CUIT),
        // "12.345.678-5" and "9.068.119-2" (a Chilean RUT), "7108521-K" (a bare RUT).
        if n <= 2 || n == 5 || n == 7, next + 1 < b.count, ASCII.isDigit(b[next + 1]) || n == 7 && b[next + 1] | 0x20 == 0x6B {
            if b[next] == 0x2E, n <= 2 { return true }
            if b[next] == 0x2D, n == 2 || n == 5 || n == 7 { return true }
        }
        // "12AB34567": a French passport number (after its cue).
        if n == 2, next + 2 < b.count, ASCII.isUpper(b[next]), ASCII.isUpper(b[next + 1]), ASCII.isDigit(b[next + 2]) { return true }
        guard n >= 2, n != 5 else { return false }
        if d > 0, ASCII.isUpper(b[d - 1]) || d >= 3 && b[d - 1] == 0x20 && ASCII.isUpper(b[d - 2]) { return true }
        return n <= 4 && next + 1 < b.count && (b[next] == 0x20 || b[next] == 0x2D || n == 3 && b[next] == 0x2E) && ASCII.isDigit(b[next + 1])
    }

    /// Where a candidate whose first digits are at `d` starts: at `d`, at up to six capitals before it, or at the
    /// two capitals of a spaced NINO. Nil when the token goes on something before it (ids, versions, paths, the
    /// earlier groups of a card number).
    static func tokenStart(_ b: Bytes, digitsAt d: Int) -> Int? {
        guard d > 0 else { return 0 }
        var s = d
        while s > 0, d - s < 6, ASCII.isUpper(b[s - 1]) { s -= 1 }
        if s < d { return s == 0 || !startGlue(b[s - 1]) ? s : nil }
        if d >= 3, b[d - 1] == 0x20, ASCII.isUpper(b[d - 2]), ASCII.isUpper(b[d - 3]), d == 3 || !startGlue(b[d - 4]) { return d - 3 }
        if startGlue(b[d - 1]) { return nil }
        if d >= 2, b[d - 1] == 0x20 || b[d - 1] == 0x3A, ASCII.isDigit(b[d - 2]) { return nil }
        if d >= 3, b[d - 1] == 0x20, b[d - 2] == 0x29, ASCII.isDigit(b[d - 3]) { return nil } // "(+61) 477 777 858": a phone's tail
        return d
    }

    /// Bytes that make what follows part of a larger token (ids, versions, paths, amounts).
    @inline(__always) static func startGlue(_ p: UInt8) -> Bool {
        ASCII.isAlnum(p) || p == 0x2E || p == 0x2D || p == 0x2F || p == 0x5F || p == 0x2B || p == 0x24 || p == 0x40 || p == 0x5C
    }

    /// The token ends at `e`: no letter, digit or continuing separator after it.
    @inline(__always) static func endsToken(_ b: Bytes, _ e: Int) -> Bool {
        guard e < b.count else { return true }
        let c = b[e]
        if ASCII.isAlnum(c) || c == 0x5F || c == 0x40 || c == 0x2F { return false }
        return !((c == 0x2D || c == 0x2E || c == 0x3A || c == 0x20) && e + 1 < b.count && ASCII.isDigit(b[e + 1]))
    }

    /// `t` has the shape: `d` a digit, `A` a capital letter, every other byte itself.
    static func shaped(_ b: Bytes, _ at: Int, _ shape: StaticString) -> Bool {
        let n = shape.utf8CodeUnitCount
        guard at + n <= b.count else { return false }
        let p = shape.utf8Start
        for k in 0..<n {
            let c = b[at + k]
            switch p[k] {
            case 0x64: if !ASCII.isDigit(c) { return false }
            case 0x41: if !ASCII.isUpper(c) { return false }
            default: if c != p[k] { return false }
            }
        }
        return endsToken(b, at + n)
    }

    static let ssnCues = CueWords(["ssn", "ssns", "ss#", "ssn#", "social security", "soc sec", "social sec"])
    static let sinCues = CueWords(["sin#", "sin:", "sin is", "sin number", "sin no", "social insurance", "numéro d'assurance sociale"])

    /// A SIN cue: one of `sinCues`, "SIN" / "NAS" in capitals, or "sin" right before the number (elsewhere in lower
    /// case they are Spanish "without" and Portuguese "in the": "Llama sin costo al 900 123 456").
    static func sinCue(_ b: Bytes, _ i: Int, _ hint: PIIFieldHint) -> Bool {
        if cue(b, i, hint, sinCues) { return true }
        var q = i
        while q > 0, i - q < 3, b[q - 1] == 0x20 || b[q - 1] == 0x3A || b[q - 1] == 0x23 { q -= 1 }
        if q < i, q >= 3, ASCII.equals(b, q - 3, q, "sin"), q == 3 || !ASCII.isAlpha(b[q - 4]) { return true }
        var p = max(0, i - 40)
        while p + 3 <= i {
            if isSINInCapitals(b, at: p) { return true }
            p += 1
        }
        return false
    }

    /// "SIN" or "NAS" in capitals as a whole word at `p` (the phone recogniser reads it too, as a word naming another number).
    @inline(__always) static func isSINInCapitals(_ b: Bytes, at p: Int) -> Bool {
        guard p + 3 <= b.count, b[p] == 0x53 && b[p + 1] == 0x49 && b[p + 2] == 0x4E || b[p] == 0x4E && b[p + 1] == 0x41 && b[p + 2] == 0x53
        else { return false }
        return (p == 0 || !ASCII.isAlpha(b[p - 1])) && (p + 3 == b.count || !ASCII.isAlpha(b[p + 3]))
    }
    static let aadhaarCues = CueWords(["aadhaar", "aadhar", "adhaar", "uidai"])
    static let nhsCues = CueWords(["nhs", "nhs#", "nhs no", "nhs number", "chi"])
    static let peselCues = CueWords(["pesel"])
    static let passportCues = CueWords(["passport", "passports", "passport#", "passport no", "pass no", "pasaporte", "passeport",
                                        "reisepass", "paspoort", "passaporto", "passaporte", "paszport", "pass-nr"])
    static let panCues = CueWords(["pan", "pan#", "permanent account number", "income tax"])
    static let itinCues = CueWords(["itin", "taxpayer", "tax id", "tin"])
    static let bsnCues = CueWords(["bsn", "bsn-nummer", "burgerservicenummer", "sofinummer", "sofi-nummer", "citizen service number"])

    static func cue(_ b: Bytes, _ i: Int, _ hint: PIIFieldHint, _ cues: CueWords) -> Bool {
        hint == .nationalID || cues.any(b, from: i - 40, to: i)
    }

    /// The kind and span of an identifier starting at `i`.
    static func match(_ b: Bytes, _ i: Int, hint: PIIFieldHint) -> (PIIKind, (start: Int, end: Int))? {
        var e = i
        while e < b.count, e - i < 18, ASCII.isAlnum(b[e]) { e += 1 }
        if let (kind, end) = match(b, i, e, hint: hint) { return (kind, (i, end)) }
        if isPassportShape(b, i, e), cue(b, i, hint, passportCues) { return (.nationalID, (i, e)) }
        return licenceEnd(b, i).map { (.nationalID, (i, $0)) }
    }

    /// A passport number after its cue. Each country has its own format ("X1234567" India, "AB123456" Canada,
    /// "12AB34567" France, "C01X00T47" Germany, "E12345678" China), so the cue carries it and the shape only has to be
    /// a passport's: 6–9 capitals and digits, at least five digits, at most three letters, and one letter at least
    /// unless it is the nine digits of a US or UK passport ("valid until 20250101" is a date).
    static func isPassportShape(_ b: Bytes, _ i: Int, _ e: Int) -> Bool {
        let n = e - i
        guard n >= 6, n <= 9, endsToken(b, e) else { return false }
        var digits = 0
        for k in i..<e {
            if ASCII.isDigit(b[k]) { digits += 1 } else if !ASCII.isUpper(b[k]) { return false }
        }
        return digits >= 5 && n - digits <= 3 && (digits < n || n == 9)
    }

    static let licenceCues = CueWords([
        "driver's license", "driver’s license", "drivers license", "driver license", "driver's licence", "driving licence",
        "driving license", "license no", "licence no", "license number", "licence number", "license#", "licence#", "dl#",
        "dl no", "führerschein", "führerscheinnummer", "permis de conduire", "carnet de conducir", "licencia de conducir",
        "rijbewijs", "patente di guida", "prawo jazdy", "cnh",
    ])

    /// A driver's licence number after its cue: every state and country has its own format, so the cue carries it and the
    /// shape only has to be an identifier's: 5–14 digits and up to ten capitals in at most 18 bytes ("D1234567",
    /// "123456789", "MORGA753116SM9IJ"), dash-joined groups only beside a letter ("S530-4123-5432"; "2024-05-01" is a
    /// date, "555-123-4567" a phone).
    static func licenceEnd(_ b: Bytes, _ i: Int) -> Int? {
        var k = i, digits = 0, letters = 0, dashes = 0
        while k < b.count, k - i < 19 {
            let c = b[k]
            if ASCII.isDigit(c) {
                digits += 1
            } else if ASCII.isUpper(c) {
                letters += 1
            } else if c == 0x2D, k > i, k + 1 < b.count, ASCII.isAlnum(b[k + 1]) {
                dashes += 1
            } else {
                break
            }
            k += 1
        }
        guard k - i <= 18, (5...14).contains(digits), letters <= 10, dashes == 0 || letters > 0, endsToken(b, k),
              licenceCues.any(b, from: i - 40, to: i) else { return nil }
        return k
    }

    /// The kind and end of an identifier starting at `i`; `e` ends its first alphanumeric piece.
    static func match(_ b: Bytes, _ i: Int, _ e: Int, hint: PIIFieldHint) -> (PIIKind, Int)? {
        let n = e - i
        if ASCII.isUpper(b[i]) {
            if n == 2, shaped(b, i, "AA dd dd dd A"), isNINO(b, i, letterAt: i + 12) { return (.nationalID, i + 13) }
            guard endsToken(b, e) else { return nil }
            switch n {
            case 7: // HKID with its check in parentheses: "A123456(3)"
                if shaped(b, i, "Adddddd(d)") || shaped(b, i, "Adddddd(A)"), isHKID(b, i, letters: 1) { return (.nationalID, i + 10) }
            case 8:
                if shaped(b, i, "AAdddddd(d)") || shaped(b, i, "AAdddddd(A)"), isHKID(b, i, letters: 2) { return (.nationalID, i + 11) }
            case 9:
                if shaped(b, i, "AAddddddA"), isNINO(b, i, letterAt: i + 8) { return (.nationalID, e) }
                if shaped(b, i, "AdddddddA"), isNIE(b, i) || isNRIC(b, i) { return (.nationalID, e) }
                if shaped(b, i, "Adddddddd"), cue(b, i, hint, passportCues) { return (.nationalID, e) } // US passport (since 2021)
            case 10:
                if shaped(b, i, "AAAAAddddA"), isPANEntity(b[i + 3]), cue(b, i, hint, panCues) { return (.nationalID, e) }
            case 16:
                if shaped(b, i, "AAAAAAddAddAdddA"), isCodiceFiscale(b, i) { return (.nationalID, e) }
            case 18:
                if isCURP(b, i) { return (.nationalID, e) }
            default: break
            }
            return nil
        }
        // Starts with a digit.
        if n == 9, shaped(b, i, "ddddddddA"), isDNI(b, i, letterAt: i + 8) { return (.nationalID, e) }
        if n == 8, shaped(b, i, "dddddddd-A"), isDNI(b, i, letterAt: i + 9) { return (.nationalID, e + 2) }
        if n == 6 || n == 11, isHETU(b, i) { return (.nationalID, i + 11) } // "131052-308T", "010594Y9032"
        if n == 6 {
            if shaped(b, i, "dddddd-dd-dddd"), isMyKad(b, i) { return (.nationalID, i + 14) }
            if shaped(b, i, "dddddd-ddddddd"), isRRN(b, i, checked: true) || cue(b, i, hint, rrnCues) && isRRN(b, i, checked: false) {
                return (.nationalID, i + 14)
            }
            if shaped(b, i, "dddddd-dddd") || shaped(b, i, "dddddd+dddd"), isPersonnummer(b, i), cue(b, i, hint, nordicCues) {
                return (.nationalID, i + 11)
            }
            return nil
        }
        if n == 18, endsToken(b, e), isChineseID(b, i) { return (.nationalID, e) }
        if n == 2 {
            if shaped(b, i, "dd.dd.dd-ddd.dd") { return isBelgianNN(b, i) ? (.nationalID, i + 15) : nil }
            if shaped(b, i, "dd-dddddddd-d") { return isCUIT(b, i) ? (.nationalID, i + 13) : nil }
            if let end = dottedRUTEnd(b, i, head: 2) { return (.nationalID, end) }
            if shaped(b, i, "dd ddd ddd ddd"), isSteuerID(b, i), cue(b, i, hint, steuerCues) { return (.nationalID, i + 14) }
            return nil
        }
        if n == 1, let end = dottedRUTEnd(b, i, head: 1) { return (.nationalID, end) }
        // A bare RUT, "12345678-5" or "7108521-K", after its cue.
        if n == 7 || n == 8, e + 1 < b.count, b[e] == 0x2D, endsToken(b, e + 2), cue(b, i, hint, rutCues),
           isRUT(b, i, e, check: b[e + 1] | 0x20 == 0x6B ? 0x4B : b[e + 1]) {
            return (.nationalID, e + 2)
        }
        // Pakistan's CNIC: a province digit 1–7 opens it; no check digit, but nothing else is written 5-7-1 with dashes.
        if n == 5 { return shaped(b, i, "ddddd-ddddddd-d") && b[i] >= 0x31 && b[i] <= 0x37 ? (.nationalID, i + 15) : nil }
        if n == 1 {
            return shaped(b, i, "d dd dd dd ddd ddd dd") && isNIR(b, i) ? (.nationalID, i + 21) : nil
        }
        if n == 3 {
            if i + 4 < b.count, b[i + 3] == 0x2E { return shaped(b, i, "ddd.ddd.ddd-dd") && isCPF(b, i) ? (.nationalID, i + 14) : nil }
            guard i + 4 < b.count, b[i + 3] == 0x20 || b[i + 3] == 0x2D else { return nil }
            // A Luhn-valid 3-3-3 after a phone cue ("Mi teléfono es 661 569 749") is a phone number unless a SIN cue says otherwise;
            // after a word naming another number ("Order no. 612 345 678": one in ten such numbers passes Luhn) it is that number.
            // One starting with 0 only after a SIN cue.
            if b[i + 3] == 0x2D ? shaped(b, i, "ddd-ddd-ddd") : shaped(b, i, "ddd ddd ddd"), isSIN(b, i, cued: true),
               b[i] != 0x30 && !PhoneRecognizer.hasCue(b, before: i) && !PhoneRecognizer.hasAntiCue(b, before: i) || sinCue(b, i, hint) {
                return (.nationalID, i + 11)
            }
            // An ITIN is shaped like an SSN with area 9xx: without a cue it is more likely a mistyped or test SSN.
            if shaped(b, i, "ddd-dd-dddd") || shaped(b, i, "ddd dd dddd"), isITIN(b, i), cue(b, i, hint, itinCues) {
                return (.nationalID, i + 11)
            }
            if b[i + 3] == 0x2D ? shaped(b, i, "ddd-ddd-dddd") : shaped(b, i, "ddd ddd dddd"), isNHS(b, i), cue(b, i, hint, nhsCues) {
                return (.nationalID, i + 12)
            }
            if b[i + 3] == 0x2D ? shaped(b, i, "ddd-ddd-ddd") : shaped(b, i, "ddd ddd ddd"), isTFN(b, i), cue(b, i, hint, tfnCues) {
                return (.nationalID, i + 11)
            }
            return nil
        }
        if n == 4 {
            guard i + 5 < b.count, b[i + 4] == 0x20 || b[i + 4] == 0x2D else { return nil }
            if b[i + 4] == 0x2D ? shaped(b, i, "dddd-dddd-dddd") : shaped(b, i, "dddd dddd dddd"), isAadhaar(b, i) { return (.nationalID, i + 14) }
            if shaped(b, i, "dddd ddddd d"), isMedicare(b, i), cue(b, i, hint, medicareCues) { return (.nationalID, i + 12) }
            return nil
        }
        guard endsToken(b, e), ASCII.decimal(b, i, e) != nil else { return nil }
        switch n {
        case 9:
            if isBareSSN(b, i), cue(b, i, hint, ssnCues) { return (.ssn, e) }
            if isSIN(b, i, cued: true), sinCue(b, i, hint) { return (.nationalID, e) }
            if isITIN(b, i), cue(b, i, hint, itinCues) { return (.nationalID, e) }
            if isBSN(b, i), cue(b, i, hint, bsnCues) { return (.nationalID, e) }
            if cue(b, i, hint, passportCues) { return (.nationalID, e) } // US passport
            if isTFN(b, i), cue(b, i, hint, tfnCues) { return (.nationalID, e) }
        case 10:
            if isNHS(b, i), cue(b, i, hint, nhsCues) { return (.nationalID, e) }
            if isMedicare(b, i), cue(b, i, hint, medicareCues) { return (.nationalID, e) }
        case 11:
            if isPESEL(b, i), cue(b, i, hint, peselCues) { return (.nationalID, e) }
            if isCPF(b, i), cue(b, i, hint, cpfCues) { return (.nationalID, e) }
            if isFodselsnummer(b, i), cue(b, i, hint, nordicCues) { return (.nationalID, e) }
            if isBelgianNN(b, i), cue(b, i, hint, belgianCues) { return (.nationalID, e) }
            if isTurkishID(b, i), cue(b, i, hint, turkishCues) { return (.nationalID, e) }
            if isSteuerID(b, i), cue(b, i, hint, steuerCues) { return (.nationalID, e) }
        case 12: if isAadhaar(b, i), cue(b, i, hint, aadhaarCues) { return (.nationalID, e) }
        // A Luhn-valid thirteen digits from 4 may be an old Visa card: then only with a cue.
        case 13: if isSouthAfricanID(b, i), b[i] != 0x34 || cue(b, i, hint, identityCues) { return (.nationalID, e) }
        case 15: if isNIR(b, i), cue(b, i, hint, nirCues) { return (.nationalID, e) }
        case 16: if isNIK(b, i), cue(b, i, hint, nikCues) { return (.nationalID, e) }
        default: break
        }
        return nil
    }

    /// The end of a Chilean RUT printed with its dots, "12.345.678-5" or "9.068.119-K" (`head` digits first), if its
    /// check character is right: printed so, nothing else has that shape.
    static func dottedRUTEnd(_ b: Bytes, _ i: Int, head: Int) -> Int? {
        let dash = i + head + 8 // "d.ddd.ddd" or "dd.ddd.ddd", then "-"
        guard dash + 2 <= b.count, ASCII.matches(ASCII.slice(b, i + head, dash + 1), ".ddd.ddd-") else { return nil }
        let check = b[dash + 1] | 0x20 == 0x6B ? 0x4B : b[dash + 1]
        guard ASCII.isDigit(check) || check == 0x4B, endsToken(b, dash + 2), isRUT(b, i, dash, check: check) else { return nil }
        return dash + 2
    }

    /// The digits at `i`, skipping one separator after each group (the caller checked the shape).
    static func digits(_ b: Bytes, _ i: Int, _ count: Int, into out: UnsafeMutablePointer<Int>) {
        var k = i, taken = 0
        while taken < count {
            if ASCII.isDigit(b[k]) { out[taken] = Int(b[k] - 48); taken += 1 }
            k += 1
        }
    }

    static func withDigits<R>(_ b: Bytes, _ i: Int, _ count: Int, _ body: (UnsafeMutablePointer<Int>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { d in
            digits(b, i, count, into: d.baseAddress!)
            return body(d.baseAddress!)
        }
    }

    // MARK: - United Kingdom

    /// NINO prefix: first letter not D F I Q U V, second not D F I O Q U V, not BG GB KN NK NT TN ZZ; suffix A–D.
    static func isNINO(_ b: Bytes, _ i: Int, letterAt s: Int) -> Bool {
        let a = b[i], c = b[i + 1]
        if contains("DFIQUV", a) || contains("DFIOQUV", c) { return false }
        let bad: StaticString = "BGGBKNNKNTTNZZ"
        for k in stride(from: 0, to: bad.utf8CodeUnitCount, by: 2) where bad.utf8Start[k] == a && bad.utf8Start[k + 1] == c { return false }
        return (65...68).contains(b[s])
    }

    static func contains(_ set: StaticString, _ c: UInt8) -> Bool {
        for k in 0..<set.utf8CodeUnitCount where set.utf8Start[k] == c { return true }
        return false
    }

    /// NHS number: weights 10…2 over nine digits; 11 − (sum mod 11) is the tenth (11 → 0; 10 never issued).
    static func isNHS(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 10) { d in
            var sum = 0
            for k in 0..<9 { sum += d[k] * (10 - k) }
            let check = (11 - sum % 11) % 11
            return check != 10 && check == d[9]
        }
    }

    // MARK: - North America

    /// Canadian SIN: Luhn over nine digits; none start with 0 or 8. After a SIN cue one starting with 0 counts too:
    /// those are the ones forms and training material print ("SIN 046 454 286"), and the cue says what it is.
    static func isSIN(_ b: Bytes, _ i: Int, cued: Bool = false) -> Bool {
        withDigits(b, i, 9) { d in
            guard d[0] != 0 || cued, d[0] != 8 else { return false }
            var sum = 0
            for k in 0..<9 {
                let v = k % 2 == 1 ? d[k] * 2 : d[k]
                sum += v > 9 ? v - 9 : v
            }
            return sum % 10 == 0
        }
    }

    /// US ITIN: 9xx, group 50–65, 70–88, 90–92 or 94–99.
    static func isITIN(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 5) { d in
            let group = d[3] * 10 + d[4]
            return d[0] == 9 && ((50...65).contains(group) || (70...88).contains(group) || (90...92).contains(group) || group >= 94)
        }
    }

    /// Nine bare digits under the SSA's rules (see DigitRunRecognizer.isSSN).
    static func isBareSSN(_ b: Bytes, _ i: Int) -> Bool {
        guard let area = ASCII.decimal(b, i, i + 3), let group = ASCII.decimal(b, i + 3, i + 5), let serial = ASCII.decimal(b, i + 5, i + 9)
        else { return false }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    // MARK: - India

    /// Aadhaar: twelve digits, the first 2–9, Verhoeff check digit.
    static func isAadhaar(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 12) { d in
            guard d[0] >= 2 else { return false }
            var c = 0
            for k in 0..<12 { c = Int(verhoeffD[c * 10 + Int(verhoeffP[(k % 8) * 10 + d[11 - k]])]) }
            return c == 0
        }
    }

    static let verhoeffD: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 0, 6, 7, 8, 9, 5, 2, 3, 4, 0, 1, 7, 8, 9, 5, 6, 3, 4, 0, 1, 2, 8, 9, 5, 6, 7,
        4, 0, 1, 2, 3, 9, 5, 6, 7, 8, 5, 9, 8, 7, 6, 0, 4, 3, 2, 1, 6, 5, 9, 8, 7, 1, 0, 4, 3, 2, 7, 6, 5, 9, 8, 2, 1, 0, 4, 3,
        8, 7, 6, 5, 9, 3, 2, 1, 0, 4, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    ]
    static let verhoeffP: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 5, 7, 6, 2, 8, 3, 0, 9, 4, 5, 8, 0, 3, 7, 9, 6, 1, 4, 2, 8, 9, 1, 6, 0, 4, 3, 5, 2, 7,
        9, 4, 5, 3, 1, 2, 6, 8, 7, 0, 4, 2, 8, 6, 5, 7, 3, 9, 0, 1, 2, 7, 9, 3, 8, 0, 6, 4, 1, 5, 7, 0, 4, 6, 9, 1, 3, 2, 5, 8,
    ]

    /// PAN's fourth letter says who holds it: Person, Company, HUF, Firm, AOP, Trust, BOI, Local authority, Juridical, Government.
    static func isPANEntity(_ c: UInt8) -> Bool { contains("PCHFATBLJG", c) }

    // MARK: - Europe

    static let dniLetters: StaticString = "TRWAGMYFPDXBNJZSQVHLCKE"

    /// Spanish DNI: eight digits and the letter for their value mod 23.
    static func isDNI(_ b: Bytes, _ i: Int, letterAt s: Int) -> Bool {
        guard let value = ASCII.decimal(b, i, i + 8) else { return false }
        return dniLetters.utf8Start[value % 23] == b[s]
    }

    /// Spanish NIE: X, Y or Z (0, 1, 2), seven digits, the DNI letter of the eight-digit value.
    static func isNIE(_ b: Bytes, _ i: Int) -> Bool {
        guard b[i] == 0x58 || b[i] == 0x59 || b[i] == 0x5A, let value = ASCII.decimal(b, i + 1, i + 8) else { return false }
        return dniLetters.utf8Start[(Int(b[i] - 0x58) * 10_000_000 + value) % 23] == b[i + 8]
    }

    /// The Dutch burgerservicenummer's "elfproef": 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11 (and not 0).
    static func isBSN(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 9) { d in
            var sum = -d[8]
            for k in 0..<8 { sum += (9 - k) * d[k] }
            return sum != 0 && sum % 11 == 0
        }
    }

    /// Polish PESEL: weights 1 3 7 9 1 3 7 9 1 3; the eleventh digit makes the sum a multiple of ten; a real month.
    static func isPESEL(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            let weights = (1, 3, 7, 9)
            var sum = 0
            for k in 0..<10 {
                let w = k % 4 == 0 ? weights.0 : k % 4 == 1 ? weights.1 : k % 4 == 2 ? weights.2 : weights.3
                sum += d[k] * w
            }
            let month = (d[2] * 10 + d[3]) % 20, day = d[4] * 10 + d[5]
            return (10 - sum % 10) % 10 == d[10] && (1...12).contains(month) && (1...31).contains(day)
        }
    }

    /// Italian codice fiscale: letters at odd places (1st, 3rd …) count by a table, at even places by their
    /// value; the sum mod 26 is the last letter. The ninth letter is a month code.
    static func isCodiceFiscale(_ b: Bytes, _ i: Int) -> Bool {
        guard contains("ABCDEHLMPRST", b[i + 8]) else { return false }
        var sum = 0
        for k in 0..<15 {
            let c = b[i + k]
            let v = ASCII.isDigit(c) ? Int(c - 48) : Int(c - 65)
            sum += k % 2 == 0 ? Int(cfOdd[v]) : v
        }
        return Int(b[i + 15]) - 65 == sum % 26
    }

    /// The odd-place values of 0–9 (as A–J) and A–Z.
    static let cfOdd: [UInt8] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]

    // MARK: - Singapore

    /// NRIC (S, T) and FIN (F, G): weights 2 7 6 5 4 3 2, +4 for T and G, then a letter table by sum mod 11.
    static func isNRIC(_ b: Bytes, _ i: Int) -> Bool {
        let p = b[i]
        guard p == 0x53 || p == 0x54 || p == 0x46 || p == 0x47 else { return false }
        let weights: StaticString = "2765432"
        var sum = p == 0x54 || p == 0x47 ? 4 : 0
        for k in 0..<7 { sum += Int(b[i + 1 + k] - 48) * Int(weights.utf8Start[k] - 48) }
        let table: StaticString = p == 0x53 || p == 0x54 ? "JZIHGFEDCBA" : "XWUTRQPNMLK"
        return table.utf8Start[sum % 11] == b[i + 8]
    }
}

/// Check digits and shapes of the national identifiers beyond those in NationalIDRecognizer.swift:
/// Australia (TFN, Medicare), Brazil (CPF), Finland (HETU), China (resident identity number),
/// France (NIR), South Korea (RRN), Sweden (personnummer), Norway (fødselsnummer), South Africa
/// (identity number), Mexico (CURP), Belgium (national number), Turkey (T.C. Kimlik No), Argentina
/// (CUIT/CUIL), Chile (RUT), Hong Kong (HKID), Malaysia (MyKad), Indonesia (NIK), Germany (Steuer-ID).
/// Pure: bytes in, a verdict out; the caller has checked the shape's bytes.
extension NationalIDRecognizer {
    static let tfnCues = CueWords(["tfn", "tax file number", "tax file no"])
    static let medicareCues = CueWords(["medicare"])
    static let cpfCues = CueWords(["cpf", "cadastro de pessoas"])
    static let rrnCues = CueWords(["rrn", "resident registration", "jumin"])
    static let nordicCues = CueWords(["personnummer", "personnr", "personal identity number", "samordningsnummer", "fødselsnummer",
                                      "fodselsnummer", "national identity number", "national id"])
    static let nirCues = CueWords(["nir", "insee", "sécurité sociale", "securite sociale", "sécu", "secu", "carte vitale", "social security"])
    static let identityCues = CueWords(["id number", "id no", "identity number", "id nr", "rsa id", "sa id", "national id"])

    // MARK: - Australia

    /// Tax file number: nine digits, weights 1 4 3 7 5 8 6 9 10, the sum a multiple of 11.
    static func isTFN(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 9) { d in
            let weights = [1, 4, 3, 7, 5, 8, 6, 9, 10]
            var sum = 0
            for k in 0..<9 { sum += d[k] * weights[k] }
            return sum % 11 == 0 && sum != 0
        }
    }

    /// Medicare card number: ten digits, the first 2–6; weights 1 3 7 9 1 3 7 9 over the first eight give the ninth
    /// (the tenth is the card's issue number).
    static func isMedicare(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 10) { d in
            guard (2...6).contains(d[0]) else { return false }
            let weights = [1, 3, 7, 9, 1, 3, 7, 9]
            var sum = 0
            for k in 0..<8 { sum += d[k] * weights[k] }
            return sum % 10 == d[8]
        }
    }

    // MARK: - Brazil

    /// CPF: eleven digits, two mod-11 check digits (weights 10…2, then 11…2); eleven equal digits pass the
    /// arithmetic but are never issued.
    static func isCPF(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            var same = true
            for k in 1..<11 where d[k] != d[0] { same = false }
            guard !same else { return false }
            var sum = 0
            for k in 0..<9 { sum += d[k] * (10 - k) }
            guard (sum * 10 % 11) % 10 == d[9] else { return false }
            sum = 0
            for k in 0..<10 { sum += d[k] * (11 - k) }
            return (sum * 10 % 11) % 10 == d[10]
        }
    }

    // MARK: - Dates inside identifiers

    /// Day and month at `at` (DDMM) or (MMDD) are a real calendar day (29 February passes in any year).
    static func isDayMonth(day: Int, month: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    static func two(_ b: Bytes, _ at: Int) -> Int { Int(b[at] - 48) * 10 + Int(b[at + 1] - 48) }

    // MARK: - Finland

    /// HETU `DDMMYYCNNNZ`: a date, the century sign (+ 1800s; - and Y X W V U 1900s; A and B–F 2000s), an individual
    /// number 002–899 and a check character, `DDMMYYNNN` mod 31 in "0123456789ABCDEFHJKLMNPRSTUVWXY".
    static func isHETU(_ b: Bytes, _ i: Int) -> Bool {
        guard i + 11 <= b.count, contains("+-ABCDEFYXWVU", b[i + 6]) else { return false }
        for k in [0, 1, 2, 3, 4, 5, 7, 8, 9] where !ASCII.isDigit(b[i + k]) { return false }
        guard isDayMonth(day: two(b, i), month: two(b, i + 2)), let serial = ASCII.decimal(b, i + 7, i + 10), (2...899).contains(serial),
              let date = ASCII.decimal(b, i, i + 6) else { return false }
        let table: StaticString = "0123456789ABCDEFHJKLMNPRSTUVWXY"
        return table.utf8Start[(date * 1000 + serial) % 31] == b[i + 10] && endsToken(b, i + 11)
    }

    // MARK: - China

    /// Resident identity number: a six-digit region (first digit 1–8), a birth date YYYYMMDD (1900–2099), a
    /// sequence and an ISO 7064 MOD 11-2 check character (a digit or X).
    static func isChineseID(_ b: Bytes, _ i: Int) -> Bool {
        guard i + 18 <= b.count else { return false }
        for k in 0..<17 where !ASCII.isDigit(b[i + k]) { return false }
        let last = b[i + 17]
        guard ASCII.isDigit(last) || last == 0x58 || last == 0x78, (0x31...0x38).contains(b[i]) else { return false }
        let century = two(b, i + 6)
        guard century == 19 || century == 20, isDayMonth(day: two(b, i + 12), month: two(b, i + 10)) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for k in 0..<17 { sum += Int(b[i + k] - 48) * weights[k] }
        let checks: StaticString = "10X98765432"
        return checks.utf8Start[sum % 11] == (last == 0x78 ? 0x58 : last)
    }

    // MARK: - France

    /// NIR (numéro de sécurité sociale), fifteen digits: sex 1 or 2, year, month (01–12, or 20 and 30–42, 50–99 when
    /// unknown), department, commune, order, and a key 97 − (the first thirteen mod 97). Corsica's 2A/2B are not read.
    static func isNIR(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 15) { d in
            guard d[0] == 1 || d[0] == 2 else { return false }
            let month = d[3] * 10 + d[4]
            guard (1...12).contains(month) || month == 20 || (30...42).contains(month) || month >= 50 else { return false }
            var value = 0
            for k in 0..<13 { value = value * 10 + d[k] }
            return 97 - value % 97 == d[13] * 10 + d[14]
        }
    }

    // MARK: - South Korea

    /// RRN `YYMMDD-GNNNNNN`: a birth date, a sex/century digit 1–8, and (before October 2020) a check digit from
    /// weights 2…9, 2…5. Numbers issued since carry no check digit, so those need a cue.
    static func isRRN(_ b: Bytes, _ i: Int, checked: Bool) -> Bool {
        guard isDayMonth(day: two(b, i + 4), month: two(b, i + 2)), (0x31...0x38).contains(b[i + 7]) else { return false }
        guard checked else { return true }
        let weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
        var sum = 0, k = 0
        for at in [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12] {
            sum += Int(b[i + at] - 48) * weights[k]
            k += 1
        }
        return (11 - sum % 11) % 10 == Int(b[i + 13] - 48)
    }

    // MARK: - Sweden, Norway

    /// Swedish personnummer `YYMMDD-NNNN` (or `+` past a hundred years; coordination numbers add 60 to the day):
    /// Luhn over the ten digits.
    static func isPersonnummer(_ b: Bytes, _ i: Int) -> Bool {
        let day = two(b, i + 4) > 60 ? two(b, i + 4) - 60 : two(b, i + 4)
        return isDayMonth(day: day, month: two(b, i + 2)) && DigitRunRecognizer.passesLuhn(ASCII.slice(b, i, i + 11)) // the sign is skipped
    }

    /// Norwegian fødselsnummer, eleven digits `DDMMYYIIICC` (D-numbers add 40 to the day): two mod-11 check digits.
    static func isFodselsnummer(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            let rawDay = d[0] * 10 + d[1]
            guard isDayMonth(day: rawDay > 40 ? rawDay - 40 : rawDay, month: d[2] * 10 + d[3]) else { return false }
            let w1 = [3, 7, 6, 1, 8, 9, 4, 5, 2], w2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
            var s1 = 0, s2 = 0
            for k in 0..<9 { s1 += d[k] * w1[k] }
            let k1 = (11 - s1 % 11) % 11
            guard k1 != 10, k1 == d[9] else { return false }
            for k in 0..<10 { s2 += d[k] * w2[k] }
            let k2 = (11 - s2 % 11) % 11
            return k2 != 10 && k2 == d[10]
        }
    }

    // MARK: - South Africa

    /// Identity number `YYMMDDSSSSCAZ`: a birth date, citizenship 0–2, 8 or 9, and a Luhn check digit.
    static func isSouthAfricanID(_ b: Bytes, _ i: Int) -> Bool {
        isDayMonth(day: two(b, i + 4), month: two(b, i + 2)) && b[i + 10] <= 0x32 && (b[i + 11] == 0x38 || b[i + 11] == 0x39)
            && DigitRunRecognizer.passesLuhn(ASCII.slice(b, i, i + 13))
    }
}

// MARK: - Mexico, Belgium, Turkey, Pakistan

extension NationalIDRecognizer {
    static let belgianCues = CueWords(["rijksregisternummer", "rijksregister", "numéro national", "numero national", "national number",
                                       "niss", "insz", "registre national"])
    static let turkishCues = CueWords(["tc kimlik", "kimlik", "tckn", "tc no", "t.c."])

    /// CURP (Mexico), 18 characters: four letters, the birth date YYMMDD, H/M/X, two letters of the state, three
    /// consonants, a letter or digit, then a check digit: Σ value · (18 − position) over the first 17, value from
    /// "0…9A…NÑO…Z" (so O…Z count one more than their ASCII order), check = (10 − Σ mod 10) mod 10.
    static func isCURP(_ b: Bytes, _ i: Int) -> Bool {
        guard i + 18 <= b.count else { return false }
        for k in 0..<4 where !ASCII.isUpper(b[i + k]) { return false }
        for k in 4..<10 where !ASCII.isDigit(b[i + k]) { return false }
        guard (1...12).contains(two(b, i + 6)), (1...31).contains(two(b, i + 8)), contains("HMX", b[i + 10]) else { return false }
        for k in 11..<16 where !ASCII.isUpper(b[i + k]) { return false }
        for k in 13..<16 where contains("AEIOU", b[i + k]) { return false }
        guard ASCII.isAlnum(b[i + 16]), ASCII.isDigit(b[i + 17]) else { return false }
        var sum = 0
        for k in 0..<17 {
            let c = b[i + k]
            let value = ASCII.isDigit(c) ? Int(c - 48) : Int(c - 65) + 10 + (c > 0x4E ? 1 : 0)
            sum += value * (18 - k)
        }
        return (10 - sum % 10) % 10 == Int(b[i + 17] - 48)
    }

    /// Belgian national number, YYMMDD + serial (3) + check (2): 97 − (the first nine digits mod 97), with a 2 before
    /// them for people born since 2000; month and day may be 00 (unknown birth date).
    static func isBelgianNN(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            guard d[2] * 10 + d[3] <= 12, d[4] * 10 + d[5] <= 31 else { return false }
            var base = 0
            for k in 0..<9 { base = base * 10 + d[k] }
            let check = d[9] * 10 + d[10]
            return 97 - base % 97 == check || 97 - (2_000_000_000 + base) % 97 == check
        }
    }

    /// Turkish identity number (T.C. Kimlik No), eleven digits, the first not 0: the tenth is (7 · Σ odd places −
    /// Σ even places of the first nine) mod 10, the eleventh the sum of the first ten mod 10.
    static func isTurkishID(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            guard d[0] != 0 else { return false }
            let odd = d[0] + d[2] + d[4] + d[6] + d[8], even = d[1] + d[3] + d[5] + d[7]
            guard ((odd * 7 - even) % 10 + 10) % 10 == d[9] else { return false }
            var sum = 0
            for k in 0..<10 { sum += d[k] }
            return sum % 10 == d[10]
        }
    }

    // MARK: - Argentina, Chile

    static let rutCues = CueWords(["rut", "run", "rol único tributario", "rol unico tributario", "rol único nacional"])

    /// CUIT/CUIL `dd-dddddddd-d`: a type 20, 23, 24, 27 (people) or 30, 33, 34 (firms); weights 5 4 3 2 7 6 5 4 3 2,
    /// 11 − sum mod 11 is the check digit (11 → 0; 10 is never issued).
    static func isCUIT(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            let type = d[0] * 10 + d[1]
            guard [20, 23, 24, 27, 30, 33, 34].contains(type) else { return false }
            let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
            var sum = 0
            for k in 0..<10 { sum += d[k] * weights[k] }
            let check = (11 - sum % 11) % 11
            return check != 10 && check == d[10]
        }
    }

    /// Chilean RUT/RUN: the body's digits from the right weighted 2 3 4 5 6 7 2 3 …; 11 − sum mod 11 is the check
    /// character (11 → 0, 10 → K). `from..<to` is the body (dots skipped), `check` the byte after its dash.
    static func isRUT(_ b: Bytes, _ from: Int, _ to: Int, check: UInt8) -> Bool {
        var sum = 0, weight = 2, digits = 0, k = to
        while k > from {
            k -= 1
            guard b[k] != 0x2E else { continue }
            sum += Int(b[k] - 48) * weight
            weight = weight == 7 ? 2 : weight + 1
            digits += 1
        }
        guard (7...8).contains(digits) else { return false }
        let v = 11 - sum % 11
        return check == (v == 11 ? 0x30 : v == 10 ? 0x4B : UInt8(48 + v))
    }

    // MARK: - Hong Kong, Malaysia, Indonesia

    static let nikCues = CueWords(["nik", "nomor induk kependudukan", "ktp", "no. ktp", "no ktp"])

    /// HKID `A123456(3)` or `AB123456(9)`: letters as 10–35 (a lone letter after a space, 36), weights 9 8 7 … 2 over
    /// the eight places; 11 − sum mod 11 is the check (10 → A, 11 → 0). `letters` is 1 or 2.
    static func isHKID(_ b: Bytes, _ i: Int, letters: Int) -> Bool {
        var sum = letters == 1 ? 36 * 9 : 0, weight = letters == 1 ? 8 : 9
        for k in 0..<(letters + 6) {
            let c = b[i + k]
            sum += (ASCII.isDigit(c) ? Int(c - 48) : Int(c) - 55) * weight
            weight -= 1
        }
        let v = (11 - sum % 11) % 11, check = b[i + letters + 7]
        return check == (v == 10 ? 0x41 : UInt8(48 + v))
    }

    /// MyKad `YYMMDD-PB-###G`: a birth date and a place-of-birth code (states 01–16, abroad 21–59, 60–68, 71–72,
    /// 74–79, 82–93, 98–99; never 00, 17–20, 69–70, 73, 80–81, 94–97).
    static func isMyKad(_ b: Bytes, _ i: Int) -> Bool {
        guard isDayMonth(day: two(b, i + 4), month: two(b, i + 2)) else { return false }
        let place = two(b, i + 7)
        return (1...16).contains(place) || (21...68).contains(place) || (71...72).contains(place) || (74...79).contains(place)
            || (82...93).contains(place) || place >= 98
    }

    /// Indonesian NIK: sixteen digits, a province code 11–94, then district and sub-district, a birth date
    /// DDMMYY (women's days + 40), four serial digits not all 0.
    static func isNIK(_ b: Bytes, _ i: Int) -> Bool {
        let province = two(b, i), day = two(b, i + 6) % 40, month = two(b, i + 8)
        return (11...94).contains(province) && two(b, i + 6) <= 71 && isDayMonth(day: day, month: month)
            && ASCII.decimal(b, i + 12, i + 16) != 0
    }

    // MARK: - Germany

    static let steuerCues = CueWords(["steuer-id", "steuerid", "steueridentifikationsnummer", "steuer-identifikationsnummer",
                                      "identifikationsnummer", "idnr", "steuernummer"])

    /// Steuer-ID: eleven digits, the first not 0; in the first ten exactly one digit appears two or three times
    /// and the rest at most once; the eleventh is the ISO 7064 MOD 11,10 check digit.
    static func isSteuerID(_ b: Bytes, _ i: Int) -> Bool {
        withDigits(b, i, 11) { d in
            guard d[0] != 0 else { return false }
            var counts = [Int](repeating: 0, count: 10), product = 10
            for k in 0..<10 {
                counts[d[k]] += 1
                var sum = (d[k] + product) % 10
                if sum == 0 { sum = 10 }
                product = sum * 2 % 11
            }
            let repeated = counts.filter { $0 >= 2 }
            guard repeated.count == 1, repeated[0] <= 3, counts.allSatisfy({ $0 <= 3 }) else { return false }
            return (11 - product) % 10 == d[10]
        }
    }
}

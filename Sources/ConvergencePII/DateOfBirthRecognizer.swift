#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dates of birth: a valid calendar date (year 1900 … this year) with a birth cue
/// ("born", "DOB", "date of birth", "geboren", "née le", "fecha de nacimiento", "nascido em",
/// "data urodzenia", "født", "syntynyt", "doğum tarihi" …)
/// within 36 bytes before it or 24 after it, or any such date under a
/// `.dateOfBirth` field hint. Dates alone are everywhere and are never flagged.
/// Forms: 1985-03-14, 1985/03/14, 14/03/1985, 03/14/1985, 14.03.1985, 14-03-85,
/// 14 March 1985, 14th of March, 1985, 14-Mar-1985, 14. März 1985, 12th of June '79, 29-Feb-00,
/// 14 de marzo de 1985, March 14, 1985 (English, German, French, Spanish and Italian month names).
enum DateOfBirthRecognizer {
    typealias Bytes = ASCII.Bytes

    static func scan(_ b: Bytes, hint: PIIFieldHint, into sink: inout PIISink) {
        var i = ASCII.nextDigit(b, from: 0)
        while i < b.count {
            if i == 0 || !glued(b[i - 1]), let (start, end) = date(b, at: i), hint == .dateOfBirth || hasCue(b, start, end) {
                sink.report(.dateOfBirth, start, end)
                if !sink.wants(.dateOfBirth) { return }
                i = ASCII.nextDigit(b, from: end)
                continue
            }
            i += 1
            while i < b.count, ASCII.isDigit(b[i]) { i += 1 }
            i = ASCII.nextDigit(b, from: i)
        }
    }

    @inline(__always) static func glued(_ p: UInt8) -> Bool {
        ASCII.isAlnum(p) || p == 0x2E || p == 0x2D || p == 0x2F || p == 0x5F || p == 0x2B || p == 0x24
    }

    static let cues = CueWords([
        "born", "birth", "birthday", "birthdate", "bday", "b-day", "dob", "d.o.b", "d.o.b.", "geboren", "geb.", "geburtsdatum",
        "geburtstag", "née", "né", "naissance", "nacimiento", "nacido", "nacida", "nato", "nata", "nascita", "nee",
        "nascido", "nascida", "nascimento", "geboortedatum", "urodzony", "urodzona", "urodzenia", "født", "född", "fødd",
        "syntynyt", "syntymäaika", "doğum",
        // Danish, Norwegian, Swedish, Spanish, Indonesian, Czech.
        "fødselsdato", "fødselsdag", "födelsedatum", "födelsedag", "nací", "naci", "lahir", "narozen", "narozena", "narození",
        "narodil", "narodila", "doğdum", "doğdu", "urodziłam", "urodziłem", "urodził", "urodziła", "nasci", "nasceu",
    ])

    /// A birth cue near the date; "b." only right before it and after "(" or ", " ("Ada (b. 14 March 1985)", not "plan b.").
    static func hasCue(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        if start >= 3, b[start - 1] == 0x20, b[start - 2] == 0x2E, ASCII.lower(b[start - 3]) == 0x62,
           start == 3 || b[start - 4] == 0x28 || start >= 5 && b[start - 4] == 0x20 && b[start - 5] == 0x2C {
            return true
        }
        guard cues.near(b, start, end, window: 36, after: 24) || scriptCueNear(b, start, end) else { return false }
        // Apps, brands, firms and ideas are "born" and have birthdays too ("Our app was born on 3 March 2014", "La marque est
        // née le 10 mai 1946", "Product birthday: … 12/12/2012"): such a word shortly before the date, and no word for a
        // person there, outweighs a verb cue; a label ("date of birth", "DOB") still counts.
        if thingWords.any(b, from: start - 40, to: start), !personWords.any(b, from: start - 40, to: start),
           !labelCues.near(b, start, end, window: 36, after: 0) {
            return false
        }
        return true
    }

    static let thingWords = CueWords([
        "app", "application", "project", "company", "brand", "product", "theory", "idea", "startup", "business", "firm", "band",
        "club", "website", "platform", "software", "game", "series", "marque", "entreprise", "société", "projet", "marchio",
        "azienda", "progetto", "empresa", "marca", "proyecto", "bedrijf", "merk", "firma", "marke", "unternehmen", "produkt",
        "produto", "prodotto", "produit", "producto", "spółka", "společnost", "aplikacja", "aplicación", "applicazione",
        // What a firm has instead of a birth: "Happy birthday to us! Founded on 12 March 1998, Brightwave turns 26".
        "founded", "established", "incorporated", "launched", "anniversary", "gegründet", "fondée", "fondé", "fundada", "fundado",
        "fondata", "fondato", "opgericht",
    ])

    static let personWords = CueWords([
        "he", "she", "his", "her", "founder", "ceo", "son", "daughter", "wife", "husband", "baby", "child", "patient", "mr", "mrs",
        "ms", "dr", "elle", "lui", "lei", "er", "sie", "hij", "zij", "ella", "ele", "ela", "fondateur", "fondatore",
        "fundador", "oprichter", "gründer",
    ])

    /// A label asks for the date of birth itself: what stands before it cannot be the thing born.
    static let labelCues = CueWords([
        "dob", "d.o.b", "birthdate", "date of birth", "geburtsdatum", "geboortedatum", "fødselsdato", "födelsedatum", "urodzenia",
        "narození", "syntymäaika", "data de nascimento", "fecha de nacimiento", "date de naissance", "data di nascita",
        "doğum tarihi",
    ])

    /// Birth cues of Japanese, Chinese, Korean, Russian and Hindi (生年月日, 誕生日, 出生, 생년월일, 출생, дата рождения,
    /// родился, г.р., जन्म …) within 36 bytes before the date or 24 after it ("1969年4月27日出生", "02.10.1975 г.р.");
    /// Korean 생 only right after it ("2001년 1월 19일생": in 학생 it means student).
    static let scriptCues: [StaticString] = [
        "生年月日", "誕生日", "生日", "出生", "生まれ", "생년월일", "생일", "출생", "рождения", "родился", "родилась", "г.р",
        "जन्म",
    ]

    static func scriptCueNear(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        if ASCII.hasPrefix(b, at: end, "생") { return true }
        var p = max(0, start - 36)
        let last = min(b.count, end + 24)
        while p < last {
            if p == start { p = end }
            if p < last, b[p] >= 0xD0 {
                for cue in scriptCues where ASCII.hasPrefix(b, at: p, cue) { return true }
            }
            p += 1
        }
        return false
    }

    /// Japanese eras and the Gregorian year of their first year (year n of an era is `first + n - 1`).
    static let eras: [(StaticString, Int)] = [("令和", 2019), ("平成", 1989), ("昭和", 1926), ("大正", 1912)]

    /// "1985年3月4日" (Japanese, Chinese) or "1985년 3월 4일" (Korean) after the year at `k`: where it ends, if valid.
    static func cjkDate(_ b: Bytes, year: Int, after k0: Int) -> Int? {
        var k = k0
        let korean: Bool
        if ASCII.hasPrefix(b, at: k, "年") { korean = false } else if ASCII.hasPrefix(b, at: k, "년") { korean = true } else { return nil }
        k += 3
        if korean, k < b.count, b[k] == 0x20 { k += 1 }
        guard let month = number(b, &k, max: 2), ASCII.hasPrefix(b, at: k, korean ? "월" : "月") else { return nil }
        k += 3
        if korean, k < b.count, b[k] == 0x20 { k += 1 }
        guard let day = number(b, &k, max: 2), ASCII.hasPrefix(b, at: k, korean ? "일" : "日") else { return nil }
        k += 3
        return isValid(day, month, year) ? k : nil
    }

    /// "19850304": eight digits, year first, right after a birth cue ("DOB 19850304"; a cue further off, as in
    /// "birthday promo 20240101", is not enough for a bare number).
    static func compactDate(_ b: Bytes, _ i: Int) -> Int? {
        // Most digit runs are shorter: the ninth byte from `i` ends this one or it is no eight-digit run.
        guard i + 8 <= b.count, ASCII.isDigit(b[i + 4]), ASCII.isDigit(b[i + 7]), i + 8 == b.count || !ASCII.isDigit(b[i + 8]),
              endsDate(b, i + 8) else { return nil }
        guard let year = ASCII.decimal(b, i, i + 4), let month = ASCII.decimal(b, i + 4, i + 6), let day = ASCII.decimal(b, i + 6, i + 8),
              isValid(day, month, year), cues.any(b, from: i - 12, to: i) else { return nil }
        return i + 8
    }

    /// The span of a valid date that starts at the digit `i`, or whose month name comes just before it.
    static func date(_ b: Bytes, at i: Int) -> (Int, Int)? {
        if let end = compactDate(b, i) { return (i, end) }
        // A Japanese era year, as forms write a birth date: "昭和58年5月21日", "平成4年7月7日".
        if i >= 6, b[i - 6] >= 0xE5 {
            for (era, first) in eras where ASCII.hasPrefix(b, at: i - 6, era) {
                var k = i
                guard let n = number(b, &k, max: 2), n >= 1, let end = cjkDate(b, year: first + n - 1, after: k) else { return nil }
                return (i - 6, end)
            }
        }
        var k = i
        guard let first = number(b, &k, max: 4) else { return nil }
        let firstLength = k - i
        if firstLength == 4 { // year first: 1985-03-14, 1985/3/14, 1985.03.14
            if k < b.count, b[k] >= 0xE5, let end = cjkDate(b, year: first, after: k) { return (i, end) }
            guard k < b.count, isDateSeparator(b[k]) else { return nil }
            let sep = b[k]
            k += 1
            guard let month = number(b, &k, max: 2), k < b.count, b[k] == sep else { return nil }
            k += 1
            guard let day = number(b, &k, max: 2), endsDate(b, k), isValid(day, month, first) else { return nil }
            return (i, k)
        }
        guard firstLength <= 2 else { return nil }
        if k < b.count, isDateSeparator(b[k]), k + 1 < b.count, ASCII.isDigit(b[k + 1]) { // 14/03/1985, 03/14/1985, 14.03.85
            let sep = b[k]
            k += 1
            guard let second = number(b, &k, max: 2), k < b.count, b[k] == sep else { return nil }
            k += 1
            let yearStart = k
            guard let y = number(b, &k, max: 4), k - yearStart == 4 || k - yearStart == 2, endsDate(b, k) else { return nil }
            let year = k - yearStart == 4 ? y : inPast(twoDigitYear: y)
            return isValid(first, second, year) || isValid(second, first, year) ? (i, k) : nil
        }
        // Czech and Slovak space the parts after their full stops: "23. 4. 1944", "8. 12. 1979".
        if k + 2 < b.count, b[k] == 0x2E, b[k + 1] == 0x20, ASCII.isDigit(b[k + 2]) {
            var m = k + 2
            if let month = number(b, &m, max: 2), m + 2 < b.count, b[m] == 0x2E, b[m + 1] == 0x20 {
                m += 2
                if let y = year(b, &m), isValid(first, month, y) { return (i, m) }
            }
        }
        if let end = dayThenMonthName(b, day: first, after: k) { return (i, end) }
        // "March 14, 1985": the year after the day is cheaper to rule out than the month name before it.
        if let end = yearAfterDay(b, after: k), let start = monthNameBefore(b, i), let (month, _) = monthName(b, at: start),
           isValid(first, month, end.year) {
            return (start, end.end)
        }
        return nil
    }

    @inline(__always) static func isDateSeparator(_ c: UInt8) -> Bool { c == 0x2D || c == 0x2F || c == 0x2E }

    /// Up to `max` digits at `k` (a longer run is no date part); advances `k`.
    static func number(_ b: Bytes, _ k: inout Int, max: Int) -> Int? {
        var value = 0, n = 0
        while k < b.count, ASCII.isDigit(b[k]) {
            n += 1
            if n > max { return nil }
            value = value * 10 + Int(b[k] - 48)
            k += 1
        }
        return n == 0 ? nil : value
    }

    /// Nothing after the date continues it (`1985-03-14T…` times are fine, `14.03.1985.2` and `1985-03-142` are not).
    static func endsDate(_ b: Bytes, _ k: Int) -> Bool {
        guard k < b.count else { return true }
        let c = b[k]
        if c == 0x54, k + 1 < b.count, ASCII.isDigit(b[k + 1]) { return true }
        if ASCII.isAlnum(c) || c == 0x5F { return false }
        return !((isDateSeparator(c) || c == 0x3A) && k + 1 < b.count && ASCII.isDigit(b[k + 1]))
    }

    /// "14 March 1985", "14th of March, 1985", "14-Mar-1985", "14. März 1985", "14 de marzo de 1985".
    static func dayThenMonthName(_ b: Bytes, day: Int, after: Int) -> Int? {
        var k = ordinalSuffix(b, after)
        if k < b.count, b[k] == 0x2E { k += 1 }
        guard k < b.count, b[k] == 0x20 || b[k] == 0x2D else { return nil }
        let dash = b[k] == 0x2D
        k += 1
        if !dash { k = skipWord(b, k, "of"); k = skipWord(b, k, "de") }
        guard let (month, monthEnd) = monthName(b, at: k) else { return nil }
        k = monthEnd
        if dash {
            guard k < b.count, b[k] == 0x2D else { return nil }
            k += 1
        } else {
            if k < b.count, b[k] == 0x2C { k += 1 }
            guard k < b.count, b[k] == 0x20 else { return nil }
            k = skipWord(b, k + 1, "de")
        }
        var m = k // `year` moves past the digits it read, also when it finds no year
        let y: Int
        if let full = year(b, &m) {
            y = full
            k = m
        } else if let short = shortYear(b, &k, bare: dash) {
            y = short
        } else {
            return nil
        }
        return isValid(day, month, y) ? k : nil
    }

    /// A two-digit year as people write it after a month name: "12th of June '79", "29-Feb-00" (bare only after a
    /// dash); the century is the one that puts it in the past.
    static func shortYear(_ b: Bytes, _ k: inout Int, bare: Bool) -> Int? {
        var m = k
        if m < b.count, b[m] == 0x27 {
            m += 1
        } else if m + 2 < b.count, b[m] == 0xE2, b[m + 1] == 0x80, b[m + 2] == 0x99 { // ’
            m += 3
        } else if !bare {
            return nil
        }
        let start = m
        guard let y = number(b, &m, max: 2), m - start == 2, endsDate(b, m) else { return nil }
        k = m
        return inPast(twoDigitYear: y)
    }

    /// The century that puts a two-digit year in the past ("85" is 1985, "07" 2007).
    @inline(__always) static func inPast(twoDigitYear y: Int) -> Int { 2000 + y <= currentYear ? 2000 + y : 1900 + y }

    /// The year in "March 14, 1985", "Mar 14th 1985" (`after` follows the day) and where it ends.
    static func yearAfterDay(_ b: Bytes, after: Int) -> (year: Int, end: Int)? {
        var k = ordinalSuffix(b, after)
        if k < b.count, b[k] == 0x2C { k += 1 }
        guard k < b.count, b[k] == 0x20 else { return nil }
        k += 1
        return year(b, &k).map { ($0, k) }
    }

    /// Where the month name just before the digit `i` starts ("March 14"), if there is one.
    static func monthNameBefore(_ b: Bytes, _ i: Int) -> Int? {
        guard i >= 4, b[i - 1] == 0x20 else { return nil }
        var s = i - 1
        if b[s - 1] == 0x2E { s -= 1 } // "Mar. 14"
        while s > 0, i - s <= 14, isWordByte(b[s - 1]) { s -= 1 }
        guard s < i - 1, s == 0 || !isWordByte(b[s - 1]) else { return nil }
        return s
    }

    /// A four-digit year at `k` that ends the date; advances `k`.
    static func year(_ b: Bytes, _ k: inout Int) -> Int? {
        let start = k
        guard let y = number(b, &k, max: 4), k - start == 4, endsDate(b, k) else { return nil }
        return y
    }

    /// Past "st", "nd", "rd" or "th" at `k`, if there.
    static func ordinalSuffix(_ b: Bytes, _ k: Int) -> Int {
        guard k + 1 < b.count, k + 2 == b.count || !ASCII.isAlpha(b[k + 2]) else { return k }
        let pair = UInt16(ASCII.lower(b[k])) << 8 | UInt16(ASCII.lower(b[k + 1]))
        return pair == 0x7374 || pair == 0x6E64 || pair == 0x7264 || pair == 0x7468 ? k + 2 : k
    }

    /// Past `word` and one space, if they are at `k`.
    static func skipWord(_ b: Bytes, _ k: Int, _ word: StaticString) -> Int {
        let n = word.utf8CodeUnitCount
        guard k < b.count, ASCII.lower(b[k]) == word.utf8Start[0] else { return k }
        return ASCII.hasPrefix(b, at: k, word) && k + n < b.count && b[k + n] == 0x20 ? k + n + 1 : k
    }

    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool { ASCII.isAlpha(c) || c >= 0x80 }

    /// The month a name at `k` stands for, and where the name (and an abbreviation's '.') ends.
    static func monthName(_ b: Bytes, at k: Int) -> (Int, Int)? {
        guard k + 2 < b.count else { return nil }
        if b[k] >= 0xC3 { // Czech června, července, října, února; Turkish şubat
            for (name, month) in monthsFromAccent where ASCII.hasPrefix(b, at: k, name) {
                let e = k + name.utf8CodeUnitCount
                if e == b.count || !isWordByte(b[e]) { return (Int(month), e) }
            }
            return nil
        }
        let first = ASCII.lower(b[k]) &- 97, second = ASCII.lower(b[k + 1]) &- 97
        guard first < 26, second < 26 || b[k + 1] >= 0x80, monthPairs[Int(first)] & (1 << min(second, 26)) != 0 else { return nil }
        var e = k + 2
        while e < b.count, e - k <= 12, isWordByte(b[e]) { e += 1 }
        guard e - k >= 3, e - k <= 12 else { return nil }
        for m in Int(monthsFrom[Int(first)])..<Int(monthsFrom[Int(first) + 1]) where ASCII.equals(b, k, e, monthsByLetter[m].0) {
            return (Int(monthsByLetter[m].1), e < b.count && b[e] == 0x2E && e - k <= 4 ? e + 1 : e)
        }
        return nil
    }

    /// Bit `s` of `monthPairs[f]`: some month name starts with letters f, s (bit 26: f and a non-ASCII byte).
    static let monthPairs: [UInt32] = (0..<26).map { f in
        months.reduce(0) { bits, m in
            m.0.utf8Start[0] - 97 == f ? bits | 1 << min(UInt32(m.0.utf8Start[1] &- 97), 26) : bits
        }
    }

    /// `months` sorted by first letter; the names starting with letter `l` are `monthsFrom[l]..<monthsFrom[l + 1]`.
    static let monthsByLetter: [(StaticString, UInt8)] = months.sorted { $0.0.utf8Start[0] < $1.0.utf8Start[0] }
    static let monthsFrom: [UInt8] = (0...26).map { letter in
        UInt8(monthsByLetter.firstIndex { Int($0.0.utf8Start[0]) - 97 >= letter } ?? monthsByLetter.count)
    }

    static let months: [(StaticString, UInt8)] = [
        ("january", 1), ("february", 2), ("march", 3), ("april", 4), ("may", 5), ("june", 6), ("july", 7), ("august", 8),
        ("september", 9), ("october", 10), ("november", 11), ("december", 12),
        ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("jun", 6), ("jul", 7), ("aug", 8), ("sep", 9), ("sept", 9), ("oct", 10),
        ("nov", 11), ("dec", 12),
        ("januar", 1), ("jänner", 1), ("februar", 2), ("märz", 3), ("maerz", 3), ("mai", 5), ("juni", 6), ("juli", 7),
        ("oktober", 10), ("dezember", 12), ("okt", 10), ("dez", 12),
        ("janvier", 1), ("février", 2), ("fevrier", 2), ("mars", 3), ("avril", 4), ("juin", 6), ("juillet", 7), ("août", 8),
        ("aout", 8), ("septembre", 9), ("octobre", 10), ("novembre", 11), ("décembre", 12), ("decembre", 12),
        ("enero", 1), ("febrero", 2), ("marzo", 3), ("abril", 4), ("mayo", 5), ("junio", 6), ("julio", 7), ("agosto", 8),
        ("septiembre", 9), ("setiembre", 9), ("octubre", 10), ("noviembre", 11), ("diciembre", 12),
        ("gennaio", 1), ("febbraio", 2), ("aprile", 4), ("maggio", 5), ("giugno", 6), ("luglio", 7), ("settembre", 9),
        ("ottobre", 10), ("dicembre", 12),
        // Portuguese, Dutch, Scandinavian, Indonesian; Polish and Czech in the genitive a date uses; Turkish. Names that
        // start with a letter outside ASCII (Czech června, října; Turkish şubat) are in `monthsFromAccent`.
        ("janeiro", 1), ("fevereiro", 2), ("março", 3), ("marco", 3), ("maio", 5), ("junho", 6), ("julho", 7), ("setembro", 9),
        ("outubro", 10), ("dezembro", 12), ("januari", 1), ("februari", 2), ("maart", 3), ("mei", 5), ("augustus", 8),
        ("maj", 5), ("augusti", 8), ("maret", 3), ("agustus", 8), ("desember", 12),
        ("stycznia", 1), ("lutego", 2), ("marca", 3), ("kwietnia", 4), ("maja", 5), ("czerwca", 6), ("lipca", 7), ("sierpnia", 8),
        ("września", 9), ("października", 10), ("listopada", 11), ("grudnia", 12),
        ("ledna", 1), ("března", 3), ("dubna", 4), ("května", 5), ("srpna", 8), ("září", 9), ("listopadu", 11), ("prosince", 12),
        ("ocak", 1), ("mart", 3), ("nisan", 4), ("mayıs", 5), ("haziran", 6), ("temmuz", 7), ("ağustos", 8), ("eylül", 9),
        ("ekim", 10), ("kasım", 11), ("aralık", 12),
        // The same written without their accents, as chat does.
        ("unora", 2), ("brezna", 3), ("kvetna", 5), ("cervna", 6), ("cervence", 7), ("zari", 9), ("rijna", 10),
        ("wrzesnia", 9), ("pazdziernika", 10), ("subat", 2), ("mayis", 5), ("agustos", 8), ("eylul", 9), ("kasim", 11),
        ("aralik", 12),
    ]

    /// Month names whose first letter is outside ASCII (compared as written; the capital too where a date uses it).
    static let monthsFromAccent: [(StaticString, UInt8)] = [
        ("\u{10D}ervna", 6), ("\u{10D}ervence", 7), ("\u{159}\u{ED}jna", 10), ("\u{FA}nora", 2), ("\u{15F}ubat", 2), ("\u{15E}ubat", 2),
        // Russian, in the genitive a date uses ("14 марта 1982").
        ("января", 1), ("февраля", 2), ("марта", 3), ("апреля", 4), ("мая", 5), ("июня", 6), ("июля", 7), ("августа", 8),
        ("сентября", 9), ("октября", 10), ("ноября", 11), ("декабря", 12),
    ]

    static func isValid(_ day: Int, _ month: Int, _ year: Int) -> Bool {
        guard (1900...currentYear).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = month == 2 ? (leap ? 29 : 28) : (month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31)
        return day <= days
    }

    /// This year (UTC, to within a day at New Year): no one is born in the future.
    static let currentYear: Int = 1970 + Int(time(nil)) / 31_556_952
}

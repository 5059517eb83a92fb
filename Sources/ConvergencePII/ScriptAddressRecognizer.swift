/// Street addresses written in Cyrillic, Greek, Chinese, Japanese, Korean, Arabic, Hebrew and Devanagari,
/// found from their numbers like the Latin ones (PostalAddressRecognizer): each ASCII digit run is weighed
/// with the words of its own script around it.
/// - Chinese: a road character before the number and 号/號 after it (建国路88号, 信義路五段7號).
/// - Japanese: a prefecture, city, ward, town or village character before a block number (西新宿2-8-1,
///   北1条西2丁目, 東塩小路町721-1).
/// - Korean: a road name (…로, …길) and its number after a city, district or county (강남구 테헤란로 152).
/// - Cyrillic: a street type (ул., улица, проспект, пер., бульвар, вул. …) and a house number after it,
///   across the street's name (ул. Тверская, д. 7; Невский проспект, 28).
/// - Greek: a street type (οδός, Λεωφόρος …) before the name and number, or a name and number before a
///   Greek postcode (Εγνατία 120, 546 30 Θεσσαλονίκη).
/// - Arabic and Hebrew: a street word (شارع, طريق, רחוב, שדרות …) and a number within a few words.
/// - Devanagari: a six-digit PIN after a city, with a street word or a house number before it.
/// A city, district or region alone is no address (北京市, 강남구, Москва).
enum ScriptAddressRecognizer {
    typealias Bytes = ASCII.Bytes
    typealias Script = ScriptText.Script

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        var i = ASCII.nextDigit(b, from: 0)
        while i < b.count {
            var end = i
            while end < b.count, ASCII.isDigit(b[end]) { end += 1 }
            if end - i <= 6, let (start, stop) = address(b, i, end) {
                sink.report(.postalAddress, start, stop)
                if !sink.wants(.postalAddress) { return }
                i = ASCII.nextDigit(b, from: max(stop, end))
                continue
            }
            i = ASCII.nextDigit(b, from: end)
        }
        // Arabic-Indic and Persian digits (٤٥, ۱۲): "خیابان ولیعصر، کوچه نسترن، پلاک ۱۲".
        var k = ASCII.next(0xDB, in: b, from: 0)
        k = min(k, ASCII.next(0xD9, in: b, from: 0))
        while k + 1 < b.count {
            var end = k
            while end + 1 < b.count, isEasternDigit(b, end) { end += 2 }
            if end > k, end - k <= 12, let (start, stop) = streetWord(b, k, end, .arabic) {
                sink.report(.postalAddress, start, stop)
                if !sink.wants(.postalAddress) { return }
            }
            k = end + 1
            while k + 1 < b.count, !isEasternDigit(b, k) { k += 1 }
        }
    }

    /// ٠–٩ (U+0660–0669, D9 A0–A9) or ۰–۹ (U+06F0–06F9, DB B0–B9) at `k`.
    @inline(__always) static func isEasternDigit(_ b: Bytes, _ k: Int) -> Bool {
        (b[k] == 0xD9 && b[k + 1] &- 0xA0 < 10) || (b[k] == 0xDB && b[k + 1] &- 0xB0 < 10)
    }

    /// The address around the digits `b[from..<to]`, if the words of some script make one.
    static func address(_ b: Bytes, _ from: Int, _ to: Int) -> (Int, Int)? {
        // The script of the text just before the number, across a space, a comma, a closing quote or '№'.
        var p = from
        while p > 0, from - p < 8, b[p - 1] == 0x20 || b[p - 1] == 0x2C || b[p - 1] == 0x2E { p -= 1 }
        if p > 2, b[p - 3] == 0xE2, b[p - 2] == 0x80, b[p - 1] == 0x9C || b[p - 1] == 0x9D { p -= 3 } // “ ”
        if p > 1, b[p - 2] == 0xC2, b[p - 1] == 0xBB { p -= 2 } // »
        if p > 2, b[p - 1] == 0x96, b[p - 2] == 0x84, b[p - 3] == 0xE2 { // № and a closing quote before it: бул. „Витоша“ № 45
            p -= 3
            while p > 0, b[p - 1] == 0x20 { p -= 1 }
            if p > 2, b[p - 3] == 0xE2, b[p - 2] == 0x80, b[p - 1] == 0x9C || b[p - 1] == 0x9D { p -= 3 }
            if p > 1, b[p - 2] == 0xC2, b[p - 1] == 0xBB { p -= 2 }
        }
        // A time or a ratio is no house number ("до 18:00").
        if to + 1 < b.count, b[to] == 0x3A, ASCII.isDigit(b[to + 1]) { return nil }
        if p > 0, b[p - 1] >= 0x80 {
            let (cp, _) = ScriptText.decodeBefore(b, p)
            let found: (Int, Int)?
            switch ScriptText.script(cp) {
            case .han, .kana: found = p == from ? cjk(b, from, to) : nil
            case .hangul: found = p < from ? korean(b, p, to) : nil
            case .cyrillic: found = cyrillic(b, p, to) ?? cyrillicPostcode(b, p, from, to)
            case .greek: found = greek(b, p, from, to)
            case .arabic, .hebrew: found = streetWord(b, from, to, ScriptText.script(cp))
            case .devanagari: found = to - from == 6 ? pin(b, p, from, to) : nil
            case .thai: found = p < from ? thaiStreet(b, p, to) : nil
            default: found = nil
            }
            if found != nil { return found }
        }
        // A number before the street word: "45 شارع جامعة الدول العربية", "25 שדרות …".
        if to + 1 < b.count, b[to] == 0x20 || b[to] == 0x2C {
            let q = b[to] == 0x2C && to + 2 < b.count && b[to + 1] == 0x20 ? to + 2 : to + 1
            guard b[q] >= 0x80 else { return nil }
            let script = ScriptText.script(ScriptText.decode(b, q).0)
            if script == .arabic || script == .hebrew {
                let e = ScriptText.wordEnd(b, q, script)
                if isStreetWord(b, q, e) { return (from, min(b.count, lineEnd(b, e, 60))) }
            }
            // "123/45 ถนนสุขุมวิท", "99 ซอยลาดพร้าว 15": a house number before a Thai road or lane.
            if script == .thai, startsThaiStreet(b, q) { return (from, min(b.count, lineEnd(b, q, 120, stopAtFullStop: false))) }
        }
        return nil
    }

    // MARK: Chinese and Japanese

    /// Digits right after Han or kana: a road character and 号 after (Chinese) or an administrative unit
    /// before and a block number after (Japanese).
    static func cjk(_ b: Bytes, _ from: Int, _ to: Int) -> (Int, Int)? {
        let (before, _) = ScriptText.decodeBefore(b, from)
        let start = cjkStart(b, from)
        let after = to < b.count ? ScriptText.decode(b, to).0 : 0
        // Chinese: 路 街 道 巷 弄 段 里 + digits + 号 號 弄.
        switch before {
        case 0x8DEF, 0x8857, 0x9053, 0x5DF7, 0x5F04, 0x6BB5, 0x91CC:
            if after == 0x53F7 || after == 0x865F || after == 0x5F04 { return (start, cjkEnd(b, to)) }
        default: break
        }
        // Japanese: 都 道 府 県 市 区 町 村 郡 in the run before, and a dash, 丁目, 番地, 番, 条 or 号 after.
        var unit = false, k = start
        while k < from, !unit {
            let (cp, n) = ScriptText.decode(b, k)
            switch cp {
            case 0x90FD, 0x9053, 0x5E9C, 0x770C, 0x5E02, 0x533A, 0x753A, 0x6751, 0x90E1: unit = true
            default: k += n
            }
        }
        guard unit else { return nil }
        let dashLength = to < b.count && b[to] == 0x2D ? 1 : (after == 0xFF0D || after == 0x2212 ? 3 : 0) // - － −
        let dashed = dashLength > 0 && to + dashLength < b.count && ASCII.isDigit(b[to + dashLength])
        guard dashed || after == 0x4E01 || after == 0x756A || after == 0x6761 || after == 0x53F7 else { return nil } // 丁 番 条 号
        return (start, cjkEnd(b, to))
    }

    /// Where the run of Han and kana before `from` starts (at most 40 characters back; digits and dashes
    /// inside it, as in 北1条西2丁目, belong to it).
    static func cjkStart(_ b: Bytes, _ from: Int) -> Int {
        var p = from, count = 0
        while p > 0, count < 40 {
            if ASCII.isDigit(b[p - 1]) || b[p - 1] == 0x2D { p -= 1; count += 1; continue }
            let (cp, n) = ScriptText.decodeBefore(b, p)
            let s = ScriptText.script(cp)
            guard s == .han || s == .kana else { break }
            p -= n
            count += 1
        }
        return p
    }

    /// Where the address goes on to after its number: digits, dashes, Han and kana (号, 丁目, 3栋502室), to 40 characters.
    static func cjkEnd(_ b: Bytes, _ to: Int) -> Int {
        var k = to, count = 0
        while k < b.count, count < 40 {
            if ASCII.isDigit(b[k]) || b[k] == 0x2D { k += 1; count += 1; continue }
            let (cp, n) = ScriptText.decode(b, k)
            let s = ScriptText.script(cp)
            guard s == .han || s == .kana else { break }
            k += n
            count += 1
        }
        return k
    }

    // MARK: Korean

    /// "테헤란로 152", "동성로2길 80", "역삼동 123-45" after a city, district or county word.
    static func korean(_ b: Bytes, _ wordEnd: Int, _ to: Int) -> (Int, Int)? {
        // The road's word: Hangul with digits inside (동성로2길).
        var ws = wordEnd
        while ws > 0, wordEnd - ws < 60 {
            if ASCII.isDigit(b[ws - 1]) { ws -= 1; continue }
            let (cp, n) = ScriptText.decodeBefore(b, ws)
            guard ScriptText.script(cp) == .hangul else { break }
            ws -= n
        }
        guard ws < wordEnd, wordEnd - ws >= 6 else { return nil }
        let last = ScriptText.decodeBefore(b, wordEnd).0
        let road = last == 0xB85C || last == 0xAE38 // 로 길
        let dong = last == 0xB3D9 && to + 1 < b.count && b[to] == 0x2D // 동 with a lot number 123-45
        guard road || dong else { return nil }
        // A city, district or county within the three words before.
        var p = ws, start = ws, words = 0, unit = false
        while words < 3, p > 1, b[p - 1] == 0x20 || b[p - 1] == 0x2C {
            var e = p - 1
            while e > 0, b[e - 1] == 0x20 || b[e - 1] == 0x2C { e -= 1 }
            let s = ScriptText.wordStart(b, endingAt: e, .hangul)
            guard s < e else { break }
            let unitChar = ScriptText.decodeBefore(b, e).0
            switch unitChar {
            case 0xC2DC, 0xB3C4, 0xAD6C, 0xAD70, 0xC74D, 0xBA74: unit = true; start = s // 시 도 구 군 읍 면
            default: break
            }
            p = s
            words += 1
        }
        guard unit else { return nil }
        var end = to
        if end + 1 < b.count, b[end] == 0x2D, ASCII.isDigit(b[end + 1]) { end += 1; while end < b.count, ASCII.isDigit(b[end]) { end += 1 } }
        return (start, end)
    }

    // MARK: Cyrillic

    /// A street type before the number, across the street's name and "д." / "дом": "ул. Тверская, д. 7",
    /// "Невский проспект, 28", "вул. Хрещатик, 22", "бул. „Витоша“ № 45".
    static func cyrillic(_ b: Bytes, _ p: Int, _ to: Int) -> (Int, Int)? {
        var k = p, words = 0, lower = 0
        while k > 0, words < 5, p - k < 90 {
            // One word back, with its full stop and the spaces, commas and quotes before it.
            var e = k
            while e > 0 {
                if b[e - 1] == 0x20 || b[e - 1] == 0x2C || b[e - 1] == 0x22 {
                    e -= 1
                } else if e > 1, b[e - 2] == 0xC2, b[e - 1] == 0xAB || b[e - 1] == 0xBB { // « » (not the л of D0 BB)
                    e -= 2
                } else if e > 2, b[e - 3] == 0xE2, b[e - 2] == 0x80, b[e - 1] == 0x9C || b[e - 1] == 0x9D || b[e - 1] == 0x9E { // “ ” „
                    e -= 3
                } else {
                    break
                }
            }
            var dot = false
            if e > 0, b[e - 1] == 0x2E { e -= 1; dot = true }
            let s = ScriptText.wordStart(b, endingAt: e, .cyrillic, hyphens: true)
            guard s < e else { return nil }
            let h = ScriptText.hash(b, s, e)
            if Tables.cyrillicStreetTypes.contains(h) || (dot && Tables.cyrillicShortTypes.contains(h)) {
                var end = to
                if end < b.count, ASCII.isAlpha(b[end]) || b[end] == 0x2F { end += 1; while end < b.count, ASCII.isDigit(b[end]) { end += 1 } }
                return (s, end)
            }
            // Between the type and the number: the street's name (capitalised, or up to two lower-case words:
            // "Булевар ослобођења 45"), or "д." / "дом" / "корп.".
            if !Tables.cyrillicHouseMarkers.contains(h), !ScriptText.isCapital(ScriptText.decode(b, s).0) {
                lower += 1
                guard lower <= 2 else { return nil }
            }
            k = s
            words += 1
        }
        return nil
    }

    /// "Кнез Михаилова 12, 11000 Београд": a capitalised street name, its number, a comma, a postcode of five or
    /// six digits and a capitalised city.
    static func cyrillicPostcode(_ b: Bytes, _ p: Int, _ from: Int, _ to: Int) -> (Int, Int)? {
        guard p == from - 1, to - from <= 4, to + 2 < b.count, b[to] == 0x2C, b[to + 1] == 0x20 else { return nil }
        var q = to + 2, digits = 0
        while q < b.count, ASCII.isDigit(b[q]) { q += 1; digits += 1 }
        guard digits == 5 || digits == 6, q + 2 < b.count, b[q] == 0x20, ScriptText.isCapital(ScriptText.decode(b, q + 1).0) else { return nil }
        let w = ScriptText.wordStart(b, endingAt: p, .cyrillic)
        guard w < p, ScriptText.isCapital(ScriptText.decode(b, w).0) else { return nil }
        return (w, ScriptText.wordEnd(b, q + 1, .cyrillic))
    }

    // MARK: Greek

    /// "Οδός Ερμού 15", "Λεωφ. Κηφισίας 280", or a street and number before a postcode ("Εγνατία 120, 546 30").
    static func greek(_ b: Bytes, _ p: Int, _ from: Int, _ to: Int) -> (Int, Int)? {
        guard p == from - 1, to - from <= 3 else { return nil } // "Ερμού 15": one space, a house number
        var k = p, start = -1, words = 0, typed = false
        while words < 4 {
            var e = k
            if e > 0, b[e - 1] == 0x2E { e -= 1 } // "Λεωφ."
            let w = ScriptText.wordStart(b, endingAt: e, .greek)
            guard w < e else { break }
            if Tables.greekStreetTypes.contains(ScriptText.hash(b, w, e)) { typed = true; start = w; break }
            let capital = ScriptText.isCapital(ScriptText.decode(b, w).0)
            if words == 0, !capital { return nil }
            if capital, start == -1 || start == k + 1 || words == 0 { start = w } // the street's capitalised words
            words += 1
            guard w > 1, b[w - 1] == 0x20 else { break }
            k = w - 1
        }
        guard start >= 0 else { return nil }
        if typed { return (start, to) }
        // A Greek postcode (three digits, a space, two digits) after the number, maybe after a city.
        var q = to
        var hops = 0
        while q < b.count, hops < 4 {
            while q < b.count, b[q] == 0x20 || b[q] == 0x2C { q += 1 }
            if q + 6 <= b.count, ASCII.isDigit(b[q]), ASCII.isDigit(b[q + 1]), ASCII.isDigit(b[q + 2]), b[q + 3] == 0x20,
               ASCII.isDigit(b[q + 4]), ASCII.isDigit(b[q + 5]), q + 6 == b.count || !ASCII.isDigit(b[q + 6]) {
                return (start, q + 6)
            }
            guard q < b.count, b[q] >= 0x80, ScriptText.script(ScriptText.decode(b, q).0) == .greek else { return nil }
            q = ScriptText.wordEnd(b, q, .greek)
            hops += 1
        }
        return nil
    }

    // MARK: Arabic and Hebrew

    /// A street word (شارع, طريق, خیابان, پلاک, רחוב, שדרות, דרך …, with Hebrew's and Arabic's glued prepositions) within the
    /// six words before the number.
    static func streetWord(_ b: Bytes, _ from: Int, _ to: Int, _ script: Script) -> (Int, Int)? {
        var k = from, words = 0
        while k > 0, words < 6 {
            // Spaces, commas and the Arabic comma and semicolon (D8 8C, D8 9B) between the words.
            while k > 0, b[k - 1] == 0x20 || b[k - 1] == 0x2C || (k > 1 && b[k - 2] == 0xD8 && (b[k - 1] == 0x8C || b[k - 1] == 0x9B)) {
                k -= b[k - 1] < 0x80 ? 1 : 2
            }
            let e = k
            let s = ScriptText.wordStart(b, endingAt: e > 0 && b[e - 1] == 0x27 ? e - 1 : e, script) // רח'
            guard s < e, e - s > 1 || b[s] != 0x27 else { return nil }
            if isStreetWord(b, s, e) { return (s, to) }
            k = s
            words += 1
        }
        return nil
    }

    static func isStreetWord(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
        if Tables.streetWords.contains(ScriptText.hash(b, s, e)) { return true }
        // Hebrew and Arabic glue a preposition to the word: ברחוב, לרחוב, بشارع.
        let (cp, n) = ScriptText.decode(b, s)
        switch cp {
        case 0x05D1, 0x05DC, 0x05D4, 0x05DE, 0x0628, 0x0644: return s + n < e && Tables.streetWords.contains(ScriptText.hash(b, s + n, e))
        default: return false
        }
    }

    // MARK: Thai

    /// A lane's or road's number after its Thai name: "ซอยสุขุมวิท 21", "ถนนพระราม 4" (the word before starts with the type).
    static func thaiStreet(_ b: Bytes, _ p: Int, _ to: Int) -> (Int, Int)? {
        var s = p
        while s > 0, p - s < 90 {
            if b[s - 1] == 0x2E { s -= 1; continue } // ซ.สุขุมวิท
            let (cp, n) = ScriptText.decodeBefore(b, s)
            guard ScriptText.script(cp) == .thai else { break }
            s -= n
        }
        return p - s > 9 && startsThaiStreet(b, s) ? (s, to) : nil // a name after the type: not "ซอย 5" alone
    }

    /// ถนน (road), ซอย (lane), หมู่ (village number), ตรอก (alley) or ซ. at `k`.
    static func startsThaiStreet(_ b: Bytes, _ k: Int) -> Bool {
        for type in Tables.thaiStreetTypes where ScriptText.hasPrefix(b, at: k, type) { return true }
        return false
    }

    // MARK: Devanagari

    /// An Indian PIN after a Devanagari city, with a street word or a comma-separated house number before it.
    static func pin(_ b: Bytes, _ p: Int, _ from: Int, _ to: Int) -> (Int, Int)? {
        guard b[from] != 0x30, b[from] != 0x39 else { return nil }
        var k = p, start = -1
        let floor = max(0, from - 160)
        while k > floor {
            let (cp, n) = ScriptText.decodeBefore(b, k)
            if ScriptText.script(cp) == .devanagari {
                let e = k
                let s = ScriptText.wordStart(b, endingAt: k, .devanagari, limit: 160, floor: floor)
                if Tables.devanagariStreetWords.contains(ScriptText.hash(b, s, e)) { start = s }
                k = s
                continue
            }
            if ASCII.isDigit(b[k - 1]), k < b.count, b[k] == 0x2C { // "12, महात्मा गांधी मार्ग"
                var s = k - 1
                while s > floor, ASCII.isDigit(b[s - 1]) || b[s - 1] == 0x2F { s -= 1 }
                start = s
            }
            k -= n
        }
        return start >= 0 ? (start, to) : nil
    }

    /// Where an address that started at `from` ends: the line's end or `limit` bytes on.
    static func lineEnd(_ b: Bytes, _ from: Int, _ limit: Int, stopAtFullStop: Bool = true) -> Int {
        var k = from
        while k < b.count, k - from < limit, b[k] != 0x0A, !(stopAtFullStop && b[k] == 0x2E) { k += 1 } // Thai abbreviates ถ. ซ.
        return k
    }

    enum Tables {
        static let cyrillicStreetTypes = ScriptText.hashSet([
            "улица", "ул", "проспект", "пр-т", "просп", "переулок", "пер", "бульвар", "б-р", "бул", "шоссе", "набережная", "наб",
            "площадь", "пл", "проезд", "тупик", "аллея", "вулиця", "вул", "провулок", "пров", "майдан", "булевард", "булевар",
            "трг", "кеј", "булевар", "микрорайон", "мкр", "переулка", "улице", "улицы", "проспекте",
        ])
        /// Abbreviations that are street types only with their full stop ("г." is a city, not counted).
        static let cyrillicShortTypes = ScriptText.hashSet(["ш", "мкр", "ул", "пр", "пер", "наб", "пл", "бул", "вул"])
        /// Words between a street's name and its number: house, building, block.
        static let cyrillicHouseMarkers = ScriptText.hashSet(["д", "дом", "буд", "будинок", "корп", "корпус", "стр", "строение"])
        static let greekStreetTypes = ScriptText.hashSet([
            "οδός", "οδό", "οδού", "Λεωφόρος", "Λεωφόρο", "Λεωφόρου", "Λεωφ", "πλατεία", "πλατείας", "πάροδος", "Πάροδος",
        ])
        static let streetWords = ScriptText.hashSet([
            "شارع", "طريق", "جادة", "زقاق", "ميدان", "حي", "خیابان", "کوچه", "بلوار", "پلاک", "میدان", "بزرگراه", "کوی", "جاده",
            "רחוב", "רח", "רח'", "שדרות", "שד'", "דרך", "כיכר", "סמטת", "שדרת",
        ])
        static let thaiStreetTypes: [[UInt8]] = ["ถนน", "ซอย", "หมู่", "ตรอก", "ซ.", "ถ."].map { Array($0.utf8) }
        static let devanagariStreetWords = ScriptText.hashSet([
            "मार्ग", "रोड", "स्ट्रीट", "नगर", "सेक्टर", "कॉलोनी", "लेन", "प्लेस", "लाइन्स", "चौक", "मोहल्ला", "गली", "विहार", "पथ",
            "एन्क्लेव", "मकान", "फ्लैट", "बाज़ार", "बाजार",
        ])
    }
}

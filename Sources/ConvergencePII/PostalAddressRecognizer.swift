/// Street addresses, found from their house numbers: every digit run that can be a
/// house number is tried against a few word grammars in a bounded window around it —
/// English ("221B Baker Street"), French ("12 rue de la Paix"), German, Dutch and
/// Nordic ("Hauptstraße 5", "Keizersgracht 263"), Romance and Polish ("Calle Mayor 12",
/// "ul. Marszałkowska 10") — then extended over unit, city, region and postcode. Postcodes
/// with a city ("Springfield, IL 62704", "London SW1A 1AA", "Ottawa K1A 0B1"), "PO Box 12"
/// and "〒100-0001" count on their own. A city or country alone is not an address.
enum PostalAddressRecognizer {
    typealias Bytes = ASCII.Bytes
    typealias V = StreetVocabulary

    /// A word and what separates it from the position it was looked for from.
    struct Word {
        let start: Int
        let end: Int
        let comma: Bool
        let dot: Bool
        var count: Int { end - start }
    }

    /// Bounds that keep every look-around constant-size (linear time overall).
    static let maxWord = 40, maxGap = 4

    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool {
        (c | 0x20) &- 97 < 26 || c &- 48 < 10 || c >= 0x80 || c == 0x2D || c == 0x27 || c == 0x2F // no calls: debug builds
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// `nonASCII`: the text has bytes ≥ 0x80 (only then can it hold "〒").
    static func scan(_ b: Bytes, hint: PIIFieldHint, nonASCII: Bool, into sink: inout PIISink) {
        if hint == .postalAddress, let (start, end) = hinted(b) {
            sink.report(.postalAddress, start, end)
            return
        }
        var i = 0
        while i < b.count {
            i = nextCandidate(b, i, postmark: nonASCII)
            guard i < b.count else { return }
            let c = b[i]
            if c == 0xE3 {
                if let end = japanesePostmark(b, i) {
                    sink.report(.postalAddress, i, end)
                    if !sink.wants(.postalAddress) { return }
                    i = end
                } else {
                    i += 1
                }
                continue
            }
            var j = i + 1
            while j < b.count, ASCII.isDigit(b[j]) { j += 1 }
            if j - i <= 2, j < b.count, b[j] == 0x2D, let end = japaneseBlock(b, i, j) {
                sink.report(.postalAddress, i, end)
                if !sink.wants(.postalAddress) { return }
                i = end
                continue
            }
            // An Irish Eircode's routing key glues its digits to a letter ("A98 F2H6"): looked at before the glued run is dropped.
            if j - i <= 2, i >= 1, ASCII.isUpper(b[i - 1]), let (start, end) = eircode(b, i, j) {
                sink.report(.postalAddress, start, end)
                if !sink.wants(.postalAddress) { return }
                i = end
                continue
            }
            if isCandidateRun(b, i, j), let (start, end) = match(b, i, j) {
                sink.report(.postalAddress, start, end)
                if !sink.wants(.postalAddress) { return }
                i = max(end, j)
                continue
            }
            i = j
        }
    }

    /// The first digit (or, with `postmark`, 0xE3) at or after `from`, eight bytes per step (SWAR).
    @inline(__always) static func nextCandidate(_ b: Bytes, _ from: Int, postmark: Bool) -> Int {
        var i = from
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= b.count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let digits = word ^ (ones &* 0x30) // digits become bytes 0…9
                var hit = (digits &- ones &* 10) & ~digits & highs // some byte < 10 (exact when zero)
                if postmark {
                    let mark = word ^ (ones &* 0xE3)
                    hit |= (mark &- ones) & ~mark & highs
                }
                if hit != 0 { break }
                i += 8
            }
        }
        while i < b.count, !ASCII.isDigit(b[i]), !(postmark && b[i] == 0xE3) { i += 1 }
        return i
    }

    /// Digit runs that cannot be a house number, postcode or box number: glued to a word ("Q3", "user_12"),
    /// after "$", "#", "+", "-", ".", ":", "/" or a non-ASCII byte ("€5"), longer than six digits, or a decimal or time.
    @inline(__always) static func isCandidateRun(_ b: Bytes, _ i: Int, _ j: Int) -> Bool {
        guard j - i <= 6 else { return false }
        if i > 0 {
            let p = b[i - 1]
            // A six-digit Indian PIN after a dash ("Mumbai-400069"); pinAfterDash wants a city or state before it.
            if p == 0x2D, j - i == 6, i >= 2, ASCII.isAlpha(b[i - 2]) || b[i - 2] == 0x20 { return true }
            // "Atatürk Bulvarı No:142": a number sign and a colon glued to the number.
            if p == 0x3A, i >= 3, b[i - 3] | 0x20 == 0x6E, b[i - 2] | 0x20 == 0x6F || b[i - 2] | 0x20 == 0x72,
               i == 3 || !ASCII.isAlpha(b[i - 4]) { return j - i <= 5 }
            if ASCII.isAlpha(p) || p == 0x5F || p == 0x24 || p == 0x23 || p == 0x2B || p == 0x2D || p == 0x2E || p == 0x3A
                || p == 0x2F || p >= 0x80 { return false }
        }
        if j + 1 < b.count, b[j] == 0x2E || b[j] == 0x2C || b[j] == 0x3A, ASCII.isDigit(b[j + 1]) { return false }
        return true
    }

    // MARK: Words

    /// The word after `from`: one to `maxGap` bytes of spaces with at most one comma or full stop, then word bytes.
    /// A quote at a word's edge is no part of it: SQL and code quote their values ("VALUES ('Flat 2, 19 Cathedral Road',
    /// 'Cardiff')"), where an apostrophe inside a word is the word's ("O'Connell Street").
    static func next(_ b: Bytes, _ from: Int) -> Word? {
        var k = from, comma = false, dot = false
        while k < b.count, k - from < maxGap {
            let c = b[k]
            if isSpace(c) || c == 0x27 {
            } else if c == 0x2C, !comma, !dot { comma = true
            } else if c == 0x2E, !comma, !dot { dot = true
            } else { break }
            k += 1
        }
        guard k > from, k < b.count, isWordByte(b[k]) else { return nil }
        let start = k
        while k < b.count, isWordByte(b[k]) {
            k += 1
            if k - start > maxWord { return nil }
        }
        if k - start > 1, b[k - 1] == 0x27 { k -= 1 }
        return Word(start: start, end: k, comma: comma, dot: dot)
    }

    /// The word before `before`, with what separates the two (a `dot` right after the word: an abbreviation).
    static func previous(_ b: Bytes, _ before: Int) -> Word? {
        var k = before, comma = false, dot = false
        while k > 0, before - k < maxGap {
            let c = b[k - 1]
            if isSpace(c) {
            } else if c == 0x2C, !comma, !dot { comma = true
            } else if c == 0x2E, !comma, !dot { dot = true
            } else { break }
            k -= 1
        }
        guard k < before, k > 0, isWordByte(b[k - 1]) else { return nil }
        let end = k
        while k > 0, isWordByte(b[k - 1]) {
            k -= 1
            if end - k > maxWord { return nil }
        }
        if end - k > 1, b[k] == 0x27 { k += 1 } // "'Av. Corrientes 1450"
        return Word(start: k, end: end, comma: comma, dot: dot)
    }

    @inline(__always) static func has(_ set: WordSet, _ b: Bytes, _ w: Word) -> Bool { set.contains(b, w.start, w.end) }

    @inline(__always) static func equals(_ b: Bytes, _ w: Word, _ s: StaticString) -> Bool { ASCII.equals(b, w.start, w.end, s) }

    /// An upper-case letter, ASCII or Latin-1/Latin Extended-A ("É", "Ł", "Ž").
    static func isCapital(_ b: Bytes, _ k: Int) -> Bool {
        let c = b[k]
        if ASCII.isUpper(c) { return true }
        guard c == 0xC3 || c == 0xC4 || c == 0xC5, k + 1 < b.count else { return false }
        let d = b[k + 1]
        if c == 0xC3 { return (0x80...0x9E).contains(d) && d != 0x97 }
        let scalar = (Int(c & 0x1F) << 6) | Int(d & 0x3F)
        let oddIsUpper = (0x139...0x148).contains(scalar) || (0x179...0x17E).contains(scalar)
        return (scalar & 1 == 1) == oddIsUpper
    }

    /// Capitalised, or an elided article before a capital ("l'Opéra", "d'Italia").
    static func isCapitalWord(_ b: Bytes, _ w: Word) -> Bool {
        isCapital(b, w.start) || (w.count >= 3 && ASCII.isAlpha(b[w.start]) && b[w.start + 1] == 0x27 && isCapital(b, w.start + 2))
    }

    static func isAllUpper(_ b: Bytes, _ w: Word) -> Bool {
        for k in w.start..<w.end where !ASCII.isUpper(b[k]) { return false }
        return true
    }

    static func isAllDigits(_ b: Bytes, _ w: Word) -> Bool {
        for k in w.start..<w.end where !ASCII.isDigit(b[k]) { return false }
        return true
    }

    /// "5th", "42nd", "3rd", "1st": a street name ("55 W 55th St"), never a house number.
    static func isOrdinal(_ b: Bytes, _ w: Word) -> Bool {
        guard w.count >= 3, ASCII.isDigit(b[w.start]) else { return false }
        var k = w.start
        while k < w.end, ASCII.isDigit(b[k]) { k += 1 }
        return w.end - k == 2 && (ASCII.equals(b, k, w.end, "st") || ASCII.equals(b, k, w.end, "nd")
                                  || ASCII.equals(b, k, w.end, "rd") || ASCII.equals(b, k, w.end, "th"))
    }

    // MARK: House numbers

    /// Where the house number starting with digits `b[i..<j]` ends ("12", "221B", "12-14"), nil when
    /// the run is a price, decimal, time, ordinal or part of a larger token.
    static func houseNumberEnd(_ b: Bytes, _ i: Int, _ j: Int) -> Int? {
        guard j - i <= 5, b[i] != 0x30 || j - i >= 3 else { return nil } // "0123 Elm St", not "05".
        var k = j
        if k < b.count {
            let c = b[k]
            if ASCII.isAlpha(c) {
                k += 1 // "221B"; two letters ("5th", "10am", "3rd") is not a house number
            } else if c == 0x2F, k + 2 < b.count, ASCII.isAlpha(b[k + 1]), !isWordByte(b[k + 2]) {
                k += 2 // a letter after a slash: "Via Cavour 5/A", "ul. Długa 12/b"
            } else if c == 0xE2, k + 3 < b.count, b[k + 1] == 0x80, b[k + 2] == 0x93, ASCII.isDigit(b[k + 3]) {
                // A range written with an en dash: "Schulgasse 2–4".
                k += 3
                let rangeStart = k
                while k < b.count, ASCII.isDigit(b[k]) { k += 1 }
                if k - rangeStart > 4 { return nil }
            } else if c == 0x2D || c == 0x2F, k + 1 < b.count, ASCII.isDigit(b[k + 1]) {
                // "12-14", "88/3": and one group more for a stair and a door ("Mariahilfer Straße 88/3/14").
                for _ in 0..<2 where k + 1 < b.count && (b[k] == 0x2D || b[k] == 0x2F) && ASCII.isDigit(b[k + 1]) {
                    k += 1
                    let rangeStart = k
                    while k < b.count, ASCII.isDigit(b[k]) { k += 1 }
                    if k - rangeStart > 4 { return nil }
                }
            } else if c == 0x2D, k + 1 < b.count, ASCII.isUpper(b[k + 1]) {
                // A Dutch floor after a dash: "Keizersgracht 452-III", "Prinsengracht 12-A" (up to three capitals).
                var e = k + 1
                while e < b.count, e - k <= 4, ASCII.isUpper(b[e]) { e += 1 }
                guard e - k <= 4, e == b.count || !ASCII.isAlpha(b[e]) else { return nil }
                k = e
            } else if c == 0x25 || c >= 0x80 {
                return nil // 5%, 5€, 5°
            }
        }
        if k < b.count, isWordByte(b[k]) { return nil }
        return k
    }

    /// Where a PO box number ends: up to six digits, then perhaps a dash and the office's postcode (Kenya's
    /// "30772-00100"); nil when it runs on into a larger token.
    static func boxNumberEnd(_ b: Bytes, _ i: Int, _ j: Int) -> Int? {
        guard j - i <= 6 else { return nil }
        var k = j
        if k + 1 < b.count, b[k] == 0x2D, ASCII.isDigit(b[k + 1]) {
            k += 1
            let codeStart = k
            while k < b.count, ASCII.isDigit(b[k]) { k += 1 }
            guard k - codeStart <= 6 else { return nil }
        }
        return k < b.count && isWordByte(b[k]) ? nil : k
    }

    /// Lower-case "gate" after a capitalised name ending in s: "Karl Johans gate".
    static func isGenitiveType(_ b: Bytes, _ w: Word) -> Bool {
        guard has(V.genitiveTypes, b, w), ASCII.isLower(b[w.start]), let name = previous(b, w.start), !name.comma, !name.dot else {
            return false
        }
        // A genitive of a name, not an English plural ("the Terminals gate 5"): the word is in no dictionary.
        return isCapitalWord(b, name) && name.count >= 3 && b[name.end - 1] == 0x73
            && NameGazetteer.flags(b, name.start, name.end) & NameGazetteer.Flag.word == 0
    }

    /// A short number before a landmark type that cannot be an hour: a letter after it ("18B Fairview Heights"), or
    /// past 12 before a name no dictionary holds ("at 14 Parkside Gardens"; "at 5 Central Park" stays a time).
    static func houseNumberNoHour(_ b: Bytes, _ i: Int, _ j: Int, _ numberEnd: Int, names: Word, type: Int) -> Bool {
        if numberEnd > j, ASCII.isAlpha(b[j]), b[j] != 0x61, b[j] != 0x70 { return true } // not "5a", "5p" (chat times)
        guard let value = ASCII.decimal(b, i, j), value > 12 else { return false }
        var w: Word? = names, words = 0
        while let word = w, word.end < type {
            if isOrdinaryWord(b, word) || !isCapital(b, word.start) { return false }
            words += 1
            w = next(b, word.end)
        }
        return words > 0
    }

    /// A year in prose: "in 2019 Google Street View launched".
    static func isYear(_ b: Bytes, _ i: Int, _ j: Int) -> Bool {
        guard j - i == 4, let value = ASCII.decimal(b, i, j) else { return false }
        return (1800...2099).contains(value)
    }

    // MARK: Matching

    /// The address around the digit run `b[i..<j]`, if any.
    static func match(_ b: Bytes, _ i: Int, _ j: Int) -> (Int, Int)? {
        var before = previous(b, i) ?? signBeforeColon(b, i)
        // "P.O. Box 30772-00100 Nairobi": a box number may carry its office's postcode after a dash.
        // Post-office boxes, also of other languages: "Caixa Postal 2045", "Postfach 1234", "Apartado 789", "Casilla 123".
        if let box = before, let start = equals(b, box, "box") ? postOfficeBox(b, box) : foreignBox(b, box),
           let numberEnd = boxNumberEnd(b, i, j) {
            return (start, tail(b, numberEnd))
        }
        // "Rua das Flores, nº 123": the street is the word before the number sign.
        if let sign = before, !sign.comma, has(V.numberSigns, b, sign), let street = previous(b, sign.start), isCapitalWord(b, street) {
            before = street
        }
        if let numberEnd = houseNumberEnd(b, i, j) {
            if let w = before, !w.comma, isCapital(b, w.start) || w.dot {
                // "Calle 72 # 10-34", "Cra. 15 No. 93A-62": a Colombian way, its number, the cross street's and the distance.
                if has(V.colombianTypes, b, w), let end = colombianPlate(b, numberEnd) { return (w.start, tail(b, end)) }
                // "House No. 12, Street 5", "Plot 45, Admiralty Way": a plot, then the street it is on.
                if isCapital(b, w.start), has(V.plotWords, b, w), let (end, weak) = streetAfterPlot(b, numberEnd) {
                    // A landmark type ("Plot 45, Victoria Park") or a unit that also numbers chapters and lots ("Unit 6,
                    // Silk Road") needs a city, region or postcode after the street.
                    let full = tail(b, end)
                    if full > end || !weak && !has(V.unitWords, b, w) { return (w.start, full) }
                }
            }
            var labelled = false, cued = false, yearCue = false
            if let w = before {
                let bare = !w.comma && !w.dot
                labelled = bare && has(V.labels, b, w) && !isGenitiveType(b, w)
                cued = bare && !isCapital(b, w.start) && has(V.cues, b, w)
                yearCue = j - i == 4 && has(V.yearCues, b, w)
            }
            // Cheap rejections first: most numbers in prose have a lower-case word after and none capitalised before.
            let following = next(b, numberEnd)
            // A tab after the number separates a table's columns ("9472<TAB>BOX DRAWINGS LIGHT HORIZONTAL"), not a street.
            if !labelled, let after = following, !after.dot, b[numberEnd] != 0x09 {
                let capitalAfter = isCapital(b, after.start)
                if (capitalAfter || cued || ASCII.isDigit(b[after.start])) && !after.comma, !(yearCue && isYear(b, i, j)),
                   let (core, weak, plural) = english(b, after, lowerCase: cued), followsWell(b, core) {
                    // After a capitalised word mid-sentence the number may name a product or a sequel ("Python 3 Course
                    // Street", "War 2 Memorial Drive"); "at 5 Central Park" is a time and a place. Then a city, region
                    // or postcode must follow.
                    let end = tail(b, core)
                    // A plural type ("4821 Smith Ports") reads as a headline's count ("100 Easy Ways to …") unless a
                    // cue comes before, something of an address after, or it stands alone as a field's value.
                    if plural, end == core, !cued, !(before == nil && (next(b, core).map { $0.comma || $0.dot } ?? true)) {
                        return nil
                    }
                    // A year is rarely a house number ("2011 Nathan Ridge", "2005-2009 Jong Soo Park" in copyright lines)
                    // unless the type is no landmark word ("2024 Summer Camp") and an address cue comes before ("moved to
                    // 1890 Oak Street") or the street is the whole text.
                    let year = isYear(b, i, j) && (weak || !cued && !(before == nil && next(b, core) == nil))
                    let timeAndPlace = weak && j - i < 3 && !houseNumberNoHour(b, i, j, numberEnd, names: after, type: core)
                    if end > core || !((before.map { isTitleWord(b, $0) } ?? false) || timeAndPlace || year) { return (i, end) }
                }
                if let core = french(b, after), followsWell(b, core) { return (i, tail(b, core)) }
                // Not after a capitalised word ("Season 2 Finale, District 9" numbers an episode) but Số, Nhà, Tại.
                if capitalAfter, !(before.map { !$0.comma && !$0.dot && isCapital(b, $0.start) && !has(V.vietnameseLeads, b, $0) } ?? false),
                   let core = vietnamese(b, after) { return (before.map { has(V.vietnameseLeads, b, $0) ? $0.start : i } ?? i, tail(b, core)) }
            }
            if !labelled, let w = before, isCapitalWord(b, w) || has(V.lowerCaseSeparateTypes, b, w) || isGenitiveType(b, w), !isYear(b, i, j) {
                if followsWell(b, following), let start = numberLast(b, w) { return (start, tail(b, numberEnd)) }
                if let code = following, code.comma, let start = nameNumberPostcode(b, w, code) { return (start, tail(b, numberEnd)) }
                // A flat, floor or box between the number and the postcode: "Meir 78 bus 2, 2000 Antwerpen", "Friedrich-Ebert-Ring
                // 110, Whg. 7, 67059 Ludwigshafen", "Palackého 8, 3. patro, 370 01 České Budějovice".
                if let unitEnd = europeanUnitEnd(b, numberEnd), let code = next(b, unitEnd), code.comma,
                   let start = nameNumberPostcode(b, w, code) {
                    return (start, tail(b, unitEnd))
                }
            }
        }
        // Postcodes: one digit opens a UK or Canadian inward code ("1AA", "0B1"), otherwise three digits or more.
        guard j - i == 1 ? j < b.count && ASCII.isUpper(b[j]) : j - i >= 3,
              let region = pinAfterDash(b, i, j) ?? before, !region.dot, ASCII.isUpper(b[region.start]) else { return nil }
        return postcodeWithCity(b, i, j, region)
    }

    /// After a Colombian way's number: "#" or a number sign, then the cross street's number (perhaps with a letter) and
    /// a dash and the house's distance from the corner ("# 10-34", "No. 93A-62"). Where that ends, or nil.
    static func colombianPlate(_ b: Bytes, _ numberEnd: Int) -> Int? {
        var k = numberEnd
        while k < b.count, k - numberEnd < 2, b[k] == 0x20 { k += 1 }
        guard k < b.count else { return nil }
        if b[k] == 0x23 {
            k += 1
        } else if let sign = next(b, numberEnd), !sign.comma, !sign.dot, has(V.numberSigns, b, sign) {
            k = sign.end
            if k < b.count, b[k] == 0x2E { k += 1 }
        } else {
            return nil
        }
        while k < b.count, k - numberEnd < 10, b[k] == 0x20 { k += 1 }
        let cross = k
        while k < b.count, k - cross < 3, ASCII.isDigit(b[k]) { k += 1 }
        guard k > cross else { return nil }
        if k < b.count, ASCII.isUpper(b[k]) { k += 1 } // "93A"
        if k < b.count, b[k] == 0x20 { k += 1 }
        guard k < b.count, b[k] == 0x2D else { return nil }
        k += 1
        if k < b.count, b[k] == 0x20 { k += 1 }
        let house = k
        while k < b.count, k - house < 3, ASCII.isDigit(b[k]) { k += 1 }
        guard k > house, k == b.count || !isWordByte(b[k]) else { return nil }
        return k
    }

    /// After a plot's number and a comma, the street it is on: a numbered one ("House 12, Road 5", "House No. 12,
    /// Street 5", as Pakistan and Bangladesh write them) or a named one ("Plot 45, Admiralty Way"), perhaps after the
    /// building's or estate's name ("Unit 1802, One Serendra, 11th Avenue"). Where it ends, or nil.
    static func streetAfterPlot(_ b: Bytes, _ numberEnd: Int, buildingSkipped: Bool = false) -> (end: Int, weak: Bool)? {
        guard let s = next(b, numberEnd), s.comma, isCapital(b, s.start) || isOrdinal(b, s) else { return nil }
        if let street = streetOnly(b, s) { return street }
        guard !buildingSkipped else { return nil }
        // One to three capitalised words, then the street after the next comma.
        var end = s.end
        for _ in 0..<2 {
            guard let w = next(b, end), !w.comma, !w.dot, isCapitalWord(b, w) || ASCII.isDigit(b[w.start]) else { break }
            end = w.end
        }
        return streetAfterPlot(b, end, buildingSkipped: true)
    }

    /// The street named by the word `s` on: a numbered way and its number, or a name and a type (`weak`: a landmark type,
    /// "Park", "Course").
    static func streetOnly(_ b: Bytes, _ s: Word) -> (end: Int, weak: Bool)? {
        if has(V.numberedWays, b, s) {
            guard let n = next(b, s.end), !n.comma, !n.dot, n.count <= 4, ASCII.isDigit(b[n.start]) else { return nil }
            var digits = n.start
            while digits < n.end, ASCII.isDigit(b[digits]) { digits += 1 }
            return houseNumberEnd(b, n.start, digits) == n.end ? (n.end, false) : nil
        }
        guard let (core, weak, plural) = english(b, Word(start: s.start, end: s.end, comma: false, dot: false), lowerCase: false),
              !plural, followsWell(b, core) else { return nil }
        return (core, weak)
    }

    /// A number sign written with a colon before the number: "Atatürk Cad. No: 45", "Hauptstraße Nr.: 5".
    static func signBeforeColon(_ b: Bytes, _ i: Int) -> Word? {
        var k = i
        if k > 0, b[k - 1] == 0x20 { k -= 1 }
        guard k > 0, b[k - 1] == 0x3A, let sign = previous(b, k - 1) ?? wordEndingAt(b, k - 1), has(V.numberSigns, b, sign) else { return nil }
        return Word(start: sign.start, end: sign.end, comma: false, dot: false)
    }

    /// The letters ending right at `end` ("No" of "No:"), when no separator stands between.
    static func wordEndingAt(_ b: Bytes, _ end: Int) -> Word? {
        var s = end
        while s > 0, end - s <= maxWord, ASCII.isAlpha(b[s - 1]) { s -= 1 }
        return s < end ? Word(start: s, end: end, comma: false, dot: false) : nil
    }

    /// The word before an Indian PIN written after a dash, as Indian addresses often are: "Kolkata - 700016",
    /// "Mumbai-400069". Only a six-digit run qualifies; the city or state list decides the rest.
    static func pinAfterDash(_ b: Bytes, _ i: Int, _ j: Int) -> Word? {
        guard j - i == 6 else { return nil }
        var k = i
        if k > 0, b[k - 1] == 0x20 { k -= 1 }
        guard k > 0, b[k - 1] == 0x2D else { return nil }
        let dash = k - 1
        if dash > 0, b[dash - 1] != 0x20 { // glued: "Mumbai-400069"
            guard let w = wordEndingAt(b, dash), w.start == 0 || !isWordByte(b[w.start - 1]) else { return nil }
            return w
        }
        guard let w = previous(b, dash), !w.comma, !w.dot else { return nil }
        return w
    }

    /// A capitalised word right before, not opening a sentence: "Python 3", "War 2", but not "Visit 10".
    static func isTitleWord(_ b: Bytes, _ w: Word) -> Bool {
        guard !w.comma, !w.dot, isCapital(b, w.start), !has(V.units, b, w) else { return false }
        var k = w.start
        while k > 0, isSpace(b[k - 1]) { k -= 1 }
        return k > 0 && !(b[k - 1] == 0x2E || b[k - 1] == 0x21 || b[k - 1] == 0x3F || b[k - 1] == 0x3A || b[k - 1] == 0x22)
    }

    /// A street of any name with its postcode and city: "Damrak 1, 1012 LG Amsterdam", "Kungsgatan 4, 111 43 Stockholm".
    static func nameNumberPostcode(_ b: Bytes, _ name: Word, _ code: Word) -> Int? {
        guard !name.comma, !name.dot, !code.dot, ASCII.isDigit(b[code.start]), !has(V.notNames, b, name), !has(V.months, b, name),
              let codeEnd = postcode(b, code), let city = next(b, codeEnd), !city.comma, !city.dot, isCapitalWord(b, city) else { return nil }
        // A four-digit postcode that reads as a year (Belgian, Swiss, Danish: "Meir 78, 2000 Antwerpen") only before a city
        // of those countries, or after a street with a street suffix, and no English word: "Chapter 12, 2019 Edition",
        // "Windows 10, 2004 Update", "Econometrica 47, 1979 Wiley" and "Rioja 12, 2015 Reserva" are no addresses.
        // Two ordinary words around the numbers are a product, a chart or a count: "Python 3, 10000 Downloads".
        if isOrdinaryWord(b, name), isOrdinaryWord(b, city) { return nil }
        if code.count == 4, isYear(b, code.start, code.end),
           isOrdinaryWord(b, name) || isOrdinaryWord(b, city) || !(has(V.fourDigitPostcodeCities, b, city) || hasStreetSuffix(b, name)) {
            return nil
        }
        return name.start
    }

    @inline(__always) static func isOrdinaryWord(_ b: Bytes, _ w: Word) -> Bool {
        NameGazetteer.flags(b, w.start, w.end) & NameGazetteer.Flag.word != 0
    }

    /// English: number, one to four name words, a street type: "221B Baker Street", "1600 Pennsylvania Ave NW".
    /// Returns where the street ends. `lowerCase` (after "at", "to" …): "at 5 main street" too, with a full type word.
    /// `weak`: the type is also a landmark word ("Park", "Falls", "Square"), see `StreetVocabulary.landmarkTypes`.
    static func english(_ b: Bytes, _ first: Word, lowerCase: Bool) -> (end: Int, weak: Bool, plural: Bool)? {
        var at = first.start, names = 0, lastLength = 0
        for n in 0..<5 {
            guard let w = n == 0 ? first : next(b, at), !w.comma else { return nil }
            if w.dot && (names == 0 || lastLength > 3) { return nil } // a sentence's full stop; "W. 55th" and "St. James" pass
            let capital = isCapital(b, w.start)
            if capital, names == 0, has(V.selfNamed, b, w) { return (abbreviationEnd(b, w), false, false) }
            // A romanised Korean road after its building number ("20 Jungang-ro, Suwon-si"); weak, so a short number
            // needs the district or city after it.
            if capital, names == 0, w.count >= 5, isKoreanRoad(b, w) { return (w.end, true, false) }
            if names > 0, capital, has(V.pluralTypes, b, w) { return (w.end, false, true) }
            if names > 0, capital ? has(V.englishTypes, b, w) : lowerCase && has(V.lowerCaseTypes, b, w) {
                var type = w
                if let second = next(b, abbreviationEnd(b, w)), !second.comma, !second.dot, isCapital(b, second.start),
                   has(V.englishTypes, b, second) {
                    type = second // "Grove Hill Road"
                }
                return (abbreviationEnd(b, type), has(V.landmarkTypes, b, type), false)
            }
            guard ((capital || lowerCase && ASCII.isLower(b[w.start])) && !has(V.notNames, b, w)) || isOrdinal(b, w) else { return nil }
            names += 1
            lastLength = w.count
            at = w.end
        }
        return nil
    }

    /// A type abbreviation keeps its full stop ("St.", "Ave.").
    static func abbreviationEnd(_ b: Bytes, _ w: Word) -> Int {
        w.count <= 4 && w.end < b.count && b[w.end] == 0x2E ? w.end + 1 : w.end
    }

    /// French: number, optional "bis"/"ter", a type, then a name with at least one capitalised word: "12 rue de la Paix".
    static func french(_ b: Bytes, _ first: Word) -> Int? {
        var type = first
        if equals(b, type, "bis") || equals(b, type, "ter") {
            guard let w = next(b, type.end), !w.comma, !w.dot else { return nil }
            type = w
        }
        // English writes other languages' streets number first too, capitalised and right after the number: "7 Rua do
        // Carmo", "12 Via Garibaldi" (not "sent 2 via email", nor "born 11/11/1990, Via Garibaldi 45": a date, then a street
        // written the Italian way).
        guard has(V.frenchTypes, b, type) || !first.comma && !first.dot && isCapital(b, type.start) && has(V.romanceTypesAfterNumber, b, type)
        else { return nil }
        var at = type.end < b.count && b[type.end] == 0x2E ? type.end + 1 : type.end
        let needsParticle = !isCapital(b, type.start) && has(V.frenchAmbiguous, b, type)
        var end: Int?
        for n in 0..<5 {
            guard let w = next(b, at), !w.comma, !w.dot else { break }
            if has(V.particles, b, w) {
                at = w.end
                continue
            }
            // "place de la Concorde", and "avenue Victor Hugo", "cours Mirabeau": a name right after these three.
            let named = n == 0 && has(V.frenchNamedDirectly, b, type) && isCapitalWord(b, w)
            guard !(needsParticle && n == 0 && !named), isCapitalWord(b, w), !has(V.notNames, b, w) else { break }
            at = w.end
            end = w.end
        }
        return end
    }

    /// Vietnam names a street without a type word, then its ward or district: "128 Nguyễn Trãi, Quận 1", "45 Le Loi,
    /// Phuong Ben Thanh", "12 Tran Hung Dao, P.7", "9 Hai Ba Trung, District 3". The number, one to five capitalised
    /// words and a comma before the unit and its number or name; returns where the street's name ends.
    static func vietnamese(_ b: Bytes, _ first: Word) -> Int? {
        var at = first.start, end = -1, named = false
        for n in 0..<6 {
            guard let w = n == 0 ? first : next(b, at) else { return nil }
            if w.comma {
                // A street of ordinary English words only ("5 Enterprise Accounts, Q.3", "2 Bedrooms, District 7") is none.
                guard end > 0, named else { return nil }
                return numberedUnitEnd(b, w) ?? vietnameseUnitEnd(b, w) != nil ? end : nil
            }
            guard !w.dot, n < 5, isCapitalWord(b, w), !has(V.notNames, b, w) else { return nil }
            if !named { named = !isOrdinaryWord(b, w) }
            end = w.end
            at = w.end
        }
        return nil
    }

    /// Number-last forms; returns where the street name starts: "Hauptstraße 5", "Berliner Str. 12", "Am Markt 3",
    /// "Calle Mayor 12", "Via Roma, 10", "ul. Marszałkowska 10".
    static func numberLast(_ b: Bytes, _ w: Word) -> Int? {
        if hasStreetSuffix(b, w) { return w.start }
        if has(V.separateTypes, b, w) || has(V.lowerCaseSeparateTypes, b, w) || isGenitiveType(b, w), !w.dot || has(V.abbreviatedSeparateTypes, b, w),
           let name = previous(b, w.start), !name.comma, !name.dot, isCapitalWord(b, name) {
            var start = name.start
            for _ in 0..<2 { // "Karl Johans gata 1"
                guard let more = previous(b, start), !more.comma, !more.dot, isCapitalWord(b, more), !has(V.notNames, b, more) else { break }
                start = more.start
            }
            return start
        }
        guard !w.dot, let beforeName = previous(b, w.start) else { return nil }
        if !beforeName.comma, !beforeName.dot {
            let article = beforeName
            if equals(b, article, "am") || equals(b, article, "zum") || equals(b, article, "zur") {
                return isCapital(b, article.start) ? article.start : nil
            }
            if equals(b, article, "der") || equals(b, article, "dem") || equals(b, article, "den"),
               let preposition = previous(b, article.start), !preposition.comma, !preposition.dot, isCapital(b, preposition.start),
               equals(b, preposition, "an") || equals(b, preposition, "auf") || equals(b, preposition, "unter") || equals(b, preposition, "in") {
                return preposition.start
            }
        }
        return romancePrefix(b, beforeName, nameEnd: w.end)
    }

    /// Walks back from `first`, the word before the name's last word, over capitalised words and particles to a prefix type.
    static func romancePrefix(_ b: Bytes, _ first: Word, nameEnd: Int) -> Int? {
        var w = first
        for n in 0..<5 {
            guard let q = n == 0 ? first : previous(b, w.start), !q.comma else { return nil }
            if has(V.prefixTypes, b, q) {
                let abbreviated = q.dot || b[q.end - 1] == 0x2F
                if has(V.prefixNeedsCapital, b, q), !(isCapital(b, q.start) || abbreviated) { return nil }
                if has(V.prefixNeedsDot, b, q), !abbreviated { return nil }
                if equals(b, q, "via"), !isCapital(b, q.start), !isStreetName(b, from: q.end, to: nameEnd) { return nil }
                return q.start
            }
            guard !q.dot, isCapitalWord(b, q) || has(V.particles, b, q) else { return nil }
            w = q
        }
        return nil
    }

    /// After a lower-case "via", which is also English's "by way of": the words up to `to` name a street only when none
    /// is an acronym or an ordinary English word ("via Roma 10", "via Garibaldi 5"; not "via USB 3", "via Windows Update 2").
    static func isStreetName(_ b: Bytes, from: Int, to: Int) -> Bool {
        var at = from
        while at < to, let w = next(b, at), w.end <= to {
            if isCapital(b, w.start) {
                if w.count > 1, isAllUpper(b, w) { return false }
                let f = NameGazetteer.flags(b, w.start, w.end)
                if f & NameGazetteer.Flag.word != 0, f & NameGazetteer.Flag.name == 0 { return false }
            }
            at = w.end
        }
        return true
    }

    /// "Hauptstraße", "Keizersgracht", "Drottninggatan": a known suffix after at least two letters.
    /// Only "…str" may carry a full stop ("Hauptstr. 5"); after any other word it ends a sentence.
    static func hasStreetSuffix(_ b: Bytes, _ w: Word) -> Bool {
        if w.dot { return w.count >= 5 && ASCII.hasPrefix(b, at: w.end - 3, "str") }
        if w.count >= 5, isKoreanRoad(b, w) { return true }
        switch ASCII.lower(b[w.end - 1]) { // the suffixes' last bytes ("ß" ends in 0x9F)
        case 0x61, 0x64, 0x65, 0x67, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x72, 0x74, 0x75, 0x7A, 0x9F: break
        default: return false
        }
        for n in 3...8 where w.count >= n + 2 && V.suffixes.contains(b, w.end - n, w.end) { return true } // "straße" is 7 bytes
        // Danish "…gade" but not "Brigade", "Renegade".
        if w.count >= 7, ASCII.hasPrefix(b, at: w.end - 4, "gade") {
            let before = ASCII.lower(b[w.end - 5])
            return before != 0x69 && before != 0x65
        }
        return false
    }

    /// Korean road names, romanised: "Teheran-ro 152", "Sejong-daero 110", "Insadong-gil 12" (a name of two letters or
    /// more, a hyphen, then ro, daero or gil).
    static func isKoreanRoad(_ b: Bytes, _ w: Word) -> Bool {
        var dash = w.end - 1
        while dash > w.start, b[dash] != 0x2D, w.end - dash <= 6 { dash -= 1 }
        guard b[dash] == 0x2D, dash - w.start >= 2 else { return false }
        return ASCII.equals(b, dash + 1, w.end, "ro") || ASCII.equals(b, dash + 1, w.end, "daero") || ASCII.equals(b, dash + 1, w.end, "gil")
    }

    /// What may follow a street: the end, punctuation, a capitalised word, a number, a unit or a
    /// function word ("… and", "… in"). Any other lower-case word makes it prose ("9 Supreme Court justices").
    static func followsWell(_ b: Bytes, _ end: Int) -> Bool {
        if b[end - 1] == 0x2E { return true } // "15 Church Rd. closes": the word after an abbreviation may be anything
        return followsWell(b, next(b, end))
    }

    static func followsWell(_ b: Bytes, _ following: Word?) -> Bool {
        guard let w = following else { return true }
        if w.comma || w.dot || ASCII.isDigit(b[w.start]) || isCapital(b, w.start) { return true }
        if w.count == 1, b[w.start] == 0x2D { return true } // "Av. Paulista, 1578 - Bela Vista"
        return has(V.followers, b, w) || has(V.units, b, w) || isVerb(b, w)
    }

    /// A verb after the street: the address is what the clause is about ("The parcel from 42 Maple Street
    /// arrived", "Our office at 350 Fifth Avenue opens at nine"), where a noun after it makes the street a
    /// modifier in prose ("9 Supreme Court justices", "3 Main Street shops").
    static func isVerb(_ b: Bytes, _ w: Word) -> Bool {
        if has(V.verbs, b, w) { return true }
        guard w.count >= 5, b[w.end - 2] == 0x65, b[w.end - 1] == 0x64 else { return false } // "-ed"
        for k in w.start..<w.end where !ASCII.isLower(b[k]) { return false }
        return !has(V.notPastForms, b, w)
    }

    // MARK: After the street

    /// Extends a street over direction, unit, city, region and postcode: ", Springfield, IL 62704".
    static func tail(_ b: Bytes, _ from: Int) -> Int {
        var end = from, first = true, lastCity = false, lastPostcode = false, cityWords = 0
        for _ in 0..<8 {
            // "#12"; a flat, floor or staircase as European addresses write them ("scala B, int. 7", "Whg. 4", "2. OG").
            if let unitEnd = hashUnit(b, end) ?? europeanUnitEnd(b, end) {
                end = unitEnd
                continue
            }
            guard let w = next(b, end), !w.dot else { break }
            defer { first = false }
            if first, !w.comma, isCapital(b, w.start), has(V.directions, b, w), isAllUpper(b, w) || w.count > 2 {
                end = w.end
                continue
            }
            if let unitEnd = numberedUnitEnd(b, w) ?? vietnameseUnitEnd(b, w) { // "Ward 6", "District 3", "Quận 10", "P.7"
                end = unitEnd
                lastCity = false
                continue
            }
            if has(V.units, b, w), let id = next(b, w.end), !id.comma, id.count <= 6, !has(V.followers, b, id) {
                end = id.end
                lastCity = false
                continue
            }
            // Dublin's postal districts: "Dublin 2", "Dublin 6W".
            if lastCity, !w.comma, w.count <= 3, ASCII.isDigit(b[w.start]), let city = previous(b, w.start), equals(b, city, "dublin") {
                end = w.end
                lastCity = false
                continue
            }
            if let postcodeEnd = postcode(b, w) ?? eircodeAt(b, w) { // "Dublin 2, D02 X285" too
                end = postcodeEnd
                lastPostcode = true
                lastCity = false
                continue
            }
            if isAllUpper(b, w), has(V.regions, b, w), w.comma || lastCity || first {
                end = w.end
                lastCity = false
                continue
            }
            if isCapitalWord(b, w), !has(V.notNames, b, w), w.comma || lastPostcode || (lastCity && cityWords < 3) {
                cityWords = lastCity && !w.comma ? cityWords + 1 : 1
                end = w.end
                lastCity = true
                lastPostcode = false
                continue
            }
            break
        }
        return end
    }

    /// A flat, floor or box as European addresses write it after the house number, perhaps after a comma: a unit word and
    /// its number ("bus 2", "Whg. 7", "Top 4", "int. 5", "apto 503"), a floor ("3. patro", "2. OG", "3º andar", "1er étage")
    /// or one that stands alone ("r/c"). Where it ends, or nil.
    static func europeanUnitEnd(_ b: Bytes, _ numberEnd: Int) -> Int? {
        guard let w = next(b, numberEnd), !w.dot else { return nil }
        if has(V.unitsAlone, b, w) { return w.end }
        if has(V.europeanUnits, b, w) {
            var k = w.end
            if k < b.count, b[k] == 0x2E { k += 1 }
            guard let id = next(b, k), !id.comma, !id.dot, id.count <= 4, ASCII.isAlnum(b[id.start]),
                  isAllDigits(b, id) || ASCII.isDigit(b[id.start]) || id.count == 1 else { return nil }
            return id.end
        }
        // A floor: one or two digits, an ordinal mark ("3.", "3º", "1er"), and the floor word.
        var k = w.start
        while k < w.end, k - w.start < 2, ASCII.isDigit(b[k]) { k += 1 }
        guard k > w.start else { return nil }
        if k == w.end, k < b.count, b[k] == 0x2E { k += 1 } else if ASCII.hasPrefix(b, at: k, "\u{BA}") || ASCII.hasPrefix(b, at: k, "\u{B0}") {
            k += 2
        } else if ASCII.equals(b, k, w.end, "er") || ASCII.equals(b, k, w.end, "e") {
            k = w.end
        } else {
            return nil
        }
        guard let floor = next(b, k), !floor.comma, !floor.dot, has(V.floorWords, b, floor) else { return nil }
        return floor.end
    }

    /// "Ward 6", "District 3": an English unit word, capitalised, and a number of up to three digits. Where it ends, or nil.
    static func numberedUnitEnd(_ b: Bytes, _ w: Word) -> Int? {
        guard isCapital(b, w.start), has(V.numberedUnits, b, w), let id = next(b, w.end), !id.comma, !id.dot, id.count <= 3,
              isAllDigits(b, id) else { return nil }
        return id.end
    }

    /// A Vietnamese ward or district word `w` and what it names: "Quận 10", "P.7", "Q. 3", "Phường Bến Nghé" (a name: up to
    /// four capitalised words), "phường 4" (the full words in lower case too). Where it ends, or nil.
    static func vietnameseUnitEnd(_ b: Bytes, _ w: Word) -> Int? {
        guard isCapital(b, w.start) || w.count > 1, has(V.vietnameseUnits, b, w) else { return nil }
        if w.count == 1 {
            guard w.end + 1 < b.count, b[w.end] == 0x2E else { return nil }
            var k = w.end + 1
            if b[k] == 0x20 { k += 1 }
            let digits = k
            while k < b.count, k - digits < 3, ASCII.isDigit(b[k]) { k += 1 }
            return k > digits ? k : nil
        }
        guard let id = next(b, w.end), !id.comma, !id.dot else { return nil }
        if ASCII.isDigit(b[id.start]) { return id.count <= 3 ? id.end : nil }
        var end = w.end
        for _ in 0..<4 {
            guard let n = next(b, end), !n.comma, !n.dot, isCapitalWord(b, n), !has(V.notNames, b, n) else { break }
            end = n.end
        }
        return end > w.end ? end : nil
    }

    /// "#12" after a street.
    static func hashUnit(_ b: Bytes, _ from: Int) -> Int? {
        var k = from
        while k < b.count, k - from < 2, b[k] == 0x20 { k += 1 }
        guard k > from, k + 1 < b.count, b[k] == 0x23, ASCII.isAlnum(b[k + 1]) else { return nil }
        k += 1
        let start = k
        while k < b.count, ASCII.isAlnum(b[k]), k - start < 6 { k += 1 }
        return k < b.count && isWordByte(b[k]) ? nil : k
    }

    /// Where the postcode starting with word `w` ends: 5 or 6 digits, ZIP+4, "1012 AB", "111 51", "100-0001",
    /// "00-950", a UK or Canadian postcode; a bare 4-digit code (AU, AT, CH, BE, DK, NO) too.
    static func postcode(_ b: Bytes, _ w: Word) -> Int? {
        let n = w.count, slice = ASCII.slice(b, w.start, w.end)
        if isAllDigits(b, w) {
            switch n {
            case 5, 6: return w.end
            case 4:
                if let letters = next(b, w.end), !letters.comma, !letters.dot, letters.count == 2, isAllUpper(b, letters),
                   !equals(b, letters, "sa"), !equals(b, letters, "sd"), !equals(b, letters, "ss") {
                    return letters.end // Dutch "1012 AB"
                }
                return w.end
            case 3:
                if let rest = next(b, w.end), !rest.comma, !rest.dot, rest.count == 2 || rest.count == 3, isAllDigits(b, rest) {
                    return rest.end // "111 51", "400 001"
                }
                return nil
            default: return nil
            }
        }
        if ASCII.matches(slice, "ddddd-dddd") || ASCII.matches(slice, "ddd-dddd") || ASCII.matches(slice, "dd-ddd") { return w.end }
        if let inward = next(b, w.end), !inward.comma, !inward.dot {
            if isUKOutward(b, w), isUKInward(b, inward) { return inward.end }
            if isCanadianHalf(b, w, letterFirst: true), isCanadianHalf(b, inward, letterFirst: false) { return inward.end }
        }
        return nil
    }

    /// A9, A99, A9A, AA9, AA99, AA9A (upper case).
    static func isUKOutward(_ b: Bytes, _ w: Word) -> Bool {
        guard (2...4).contains(w.count), ASCII.isUpper(b[w.start]) else { return false }
        var k = w.start + 1
        if ASCII.isUpper(b[k]) { k += 1 }
        guard k < w.end, ASCII.isDigit(b[k]) else { return false }
        k += 1
        if k < w.end, ASCII.isDigit(b[k]) || ASCII.isUpper(b[k]) { k += 1 }
        return k == w.end
    }

    /// 9AA, the letters never C, I, K, M, O or V.
    static func isUKInward(_ b: Bytes, _ w: Word) -> Bool {
        func letter(_ c: UInt8) -> Bool { ASCII.isUpper(c) && c != 0x43 && c != 0x49 && c != 0x4B && c != 0x4D && c != 0x4F && c != 0x56 }
        return w.count == 3 && ASCII.isDigit(b[w.start]) && letter(b[w.start + 1]) && letter(b[w.start + 2])
    }

    /// "K1A" (letterFirst) or "0B1".
    static func isCanadianHalf(_ b: Bytes, _ w: Word, letterFirst: Bool) -> Bool {
        guard w.count == 3 else { return false }
        let a = b[w.start], m = b[w.start + 1], z = b[w.start + 2]
        return letterFirst ? ASCII.isUpper(a) && ASCII.isDigit(m) && ASCII.isUpper(z) : ASCII.isDigit(a) && ASCII.isUpper(m) && ASCII.isDigit(z)
    }

    // MARK: Without a street

    /// "PO Box 123", "P.O. Box 123", "Post Office Box 123": where it starts.
    static func foreignBox(_ b: Bytes, _ box: Word) -> Int? {
        guard !box.comma, !box.dot, isCapital(b, box.start) else { return nil }
        if equals(b, box, "postfach") || equals(b, box, "apartado") || equals(b, box, "casilla") { return box.start }
        guard equals(b, box, "postal"), let w = previous(b, box.start), !w.comma, equals(b, w, "caixa") else { return nil }
        return w.start
    }

    static func postOfficeBox(_ b: Bytes, _ box: Word) -> Int? {
        guard !box.comma, !box.dot, let w = previous(b, box.start), !w.comma else { return nil }
        if equals(b, w, "po") { return w.start }
        guard let first = previous(b, w.start), !first.comma else { return nil }
        if equals(b, w, "o"), equals(b, first, "p") { return first.start }
        if equals(b, w, "office"), equals(b, first, "post") { return first.start }
        return nil
    }

    /// A postcode after a city: "Springfield, IL 62704", "Sydney NSW 2000", "London SW1A 1AA", "Ottawa, ON K1A 0B1".
    /// `b[i..<j]` is a digit run: the ZIP, or the digit opening a UK or Canadian inward code.
    static func postcodeWithCity(_ b: Bytes, _ i: Int, _ j: Int, _ region: Word) -> (Int, Int)? {
        guard let code = wordAt(b, i) else { return nil }
        let slice = ASCII.slice(b, code.start, code.end)
        if j - i == 5, j == code.end, !region.comma, isAllUpper(b, region), has(V.militaryRegions, b, region),
           let office = previous(b, region.start), !office.comma, !office.dot, isAllUpper(b, office), has(V.militaryPostOffices, b, office) {
            return (office.start, code.end) // "APO AE 09012": the "city" and "state" of US military mail
        }
        if j - i == 5, j == code.end, has(V.fiveDigitPostcodeCities, b, region) { return (region.start, code.end) } // "Seoul 06236"
        if j - i == 5 || j - i == 4 {
            // A ZIP after a US state or Canadian province, 4 digits after an Australian state. A two-letter code needs
            // the comma of "Springfield, IL 62704": "Fix PR 29972", "Check IN 12345" are not addresses.
            guard j == code.end || ASCII.matches(slice, "ddddd-dddd"), !region.comma, isAllUpper(b, region), has(V.regions, b, region),
                  j - i == 5 ? region.count == 2 : has(V.australianStates, b, region),
                  let start = cityStart(b, region.start, commaRequired: region.count == 2)
            else { return nil }
            return (start, code.end)
        }
        if j - i == 6 || (j - i == 3 && ASCII.matches(slice, "ddd-dddd")), code.end == j || j - i == 3,
           has(V.postcodeCities, b, region) || j - i == 6 && has(V.indianStates, b, region) {
            return (region.start, code.end) // "Mumbai 400001", "Tokyo 163-8001", "Haryana 122015"
        }
        guard j - i == 1, !region.comma else { return nil }
        if isUKInward(b, code), isUKOutward(b, region), let start = cityStart(b, region.start, commaRequired: false) {
            return (start, code.end)
        }
        if isCanadianHalf(b, code, letterFirst: false), isCanadianHalf(b, region, letterFirst: true) {
            if let province = previous(b, region.start), !province.dot, isAllUpper(b, province), has(V.regions, b, province),
               let start = cityStart(b, province.start, commaRequired: false) {
                return (start, code.end)
            }
            if let start = cityStart(b, region.start, commaRequired: false) { return (start, code.end) }
        }
        return nil
    }

    /// An Irish Eircode after its town or county, or its label: "Bray, Co. Wicklow A98 F2H6", "Kilmallock, Co. Limerick,
    /// V35 KX82", "Eircode: D02 X285". An Eircode names one address, so it is an address with the place before it. The
    /// routing key is a letter and two digits ("D6W" too), the identifier four of the digits and 16 letters Eircodes
    /// use. `b[i..<j]`: the key's digits. Returns the span from the place (or the code), or nil.
    static func eircode(_ b: Bytes, _ i: Int, _ j: Int) -> (Int, Int)? {
        let keyStart = i - 1
        guard keyStart == 0 || !isWordByte(b[keyStart - 1]), let k = eircodeEnd(b, keyStart) else { return nil }
        var before = keyStart
        while before > 0, b[before - 1] == 0x20 { before -= 1 }
        if before > 0, b[before - 1] == 0x3A, let label = wordEndingAt(b, before - 1), equals(b, label, "eircode") {
            return (keyStart, k)
        }
        guard let start = cityStart(b, keyStart, commaRequired: false) else { return nil }
        return (start, k)
    }

    /// Where the Eircode starting at `keyStart` ends: one of the 139 routing keys, an optional space, then four
    /// characters of its alphabet, at least one a letter (so "Volvo V60 2019" and "Ireland U21 2025" are none).
    static func eircodeEnd(_ b: Bytes, _ keyStart: Int) -> Int? {
        guard keyStart + 3 <= b.count else { return nil }
        let key = (Int(b[keyStart]) << 16) | (Int(b[keyStart + 1]) << 8) | Int(b[keyStart + 2])
        guard V.eircodeRoutingKeys.contains(key) else { return nil }
        var k = keyStart + 3
        if k < b.count, b[k] == 0x20 { k += 1 }
        let id = k
        var letters = 0
        while k < b.count, k - id < 4 {
            let c = b[k]
            if ASCII.isUpper(c), UInt32(0x1EA_A4BD) >> UInt32(c - 0x41) & 1 != 0 { // A C D E F H K N P R T V W X Y
                letters += 1
            } else if !ASCII.isDigit(c) {
                break
            }
            k += 1
        }
        guard k - id == 4, letters > 0, k == b.count || !isWordByte(b[k]) else { return nil }
        return k
    }

    /// An Eircode as a word of the tail ("Dublin 2, D02 X285"): where it ends, or nil.
    static func eircodeAt(_ b: Bytes, _ w: Word) -> Int? {
        w.count == 3 && ASCII.isUpper(b[w.start]) ? eircodeEnd(b, w.start) : nil
    }

    static func wordAt(_ b: Bytes, _ i: Int) -> Word? {
        var k = i
        while k < b.count, isWordByte(b[k]), k - i <= maxWord { k += 1 }
        return k - i > maxWord ? nil : Word(start: i, end: k, comma: false, dot: false)
    }

    /// The start of the one to three capitalised words (the city) before `before`.
    static func cityStart(_ b: Bytes, _ before: Int, commaRequired: Bool) -> Int? {
        guard let city = previous(b, before), !city.dot, !commaRequired || city.comma, isCapitalWord(b, city),
              !has(V.labels, b, city), !has(V.notNames, b, city) else { return nil }
        var start = city.start
        for _ in 0..<2 {
            guard let w = previous(b, start), !w.comma, !w.dot, isCapitalWord(b, w), !has(V.notNames, b, w) else { break }
            start = w.start
        }
        return start
    }

    /// "〒100-0001" (the Japanese postal mark, E3 80 92), optionally with a space.
    static func japanesePostmark(_ b: Bytes, _ i: Int) -> Int? {
        guard i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] == 0x92 else { return nil }
        var k = i + 3
        if k < b.count, b[k] == 0x20 { k += 1 }
        guard k + 8 <= b.count, ASCII.matches(ASCII.slice(b, k, k + 8), "ddd-dddd"), k + 8 == b.count || !ASCII.isDigit(b[k + 8]) else { return nil }
        return k + 8
    }

    /// "4-10-5 Nakagyo, 150-0002 Shibuya-ku, Tokyo", "3-5-12 Sakae, Naka-ku, Nagoya": a Japanese block address
    /// (chōme-ban-gō, two or three groups), a district of one or two capitalised words, then a postcode
    /// (ddd-dddd) or a ward or city with its suffix (-ku, -shi, -cho, -machi, -gun). Without either it is a score,
    /// a version or a date range ("3-1-2 Tigers"), not an address. Returns the end, past a ward and a city.
    static func japaneseBlock(_ b: Bytes, _ i: Int, _ j: Int) -> Int? {
        guard i == 0 || !(ASCII.isAlnum(b[i - 1]) || b[i - 1] == 0x2D || b[i - 1] == 0x2E) else { return nil }
        var k = j, groups = 1
        while groups < 3, k + 1 < b.count, b[k] == 0x2D, ASCII.isDigit(b[k + 1]) {
            var e = k + 1
            while e < b.count, ASCII.isDigit(b[e]) { e += 1 }
            guard e - k - 1 <= 3 else { return nil }
            k = e
            groups += 1
        }
        guard groups >= 2, k + 1 < b.count, b[k] == 0x20 else { return nil }
        var w = k + 1, words = 0
        while words < 2, w < b.count, ASCII.isUpper(b[w]) {
            let e = capitalisedEnd(b, w)
            guard e - w >= 3 else { return nil }
            words += 1
            w = e
            guard w + 1 < b.count, b[w] == 0x20, ASCII.isUpper(b[w + 1]) else { break }
            w += 1
        }
        guard words > 0, w + 2 < b.count, b[w] == 0x2C, b[w + 1] == 0x20 else { return nil }
        let p = w + 2
        var end: Int
        if p + 8 <= b.count, ASCII.matches(ASCII.slice(b, p, p + 8), "ddd-dddd"), p + 8 == b.count || !ASCII.isDigit(b[p + 8]) {
            end = p + 8
            if end + 1 < b.count, b[end] == 0x20, let ward = japaneseWardEnd(b, end + 1) { end = ward }
        } else if let ward = japaneseWardEnd(b, p) {
            end = ward
        } else {
            return nil
        }
        // ", Tokyo": the city after the ward or postcode.
        if end + 2 < b.count, b[end] == 0x2C, b[end + 1] == 0x20, ASCII.isUpper(b[end + 2]) {
            let city = capitalisedEnd(b, end + 2)
            if city - end - 2 >= 3 { end = city }
        }
        return end
    }

    /// A capitalised word (letters and inner hyphens) from `start`: its end.
    static func capitalisedEnd(_ b: Bytes, _ start: Int) -> Int {
        var e = start + 1
        while e < b.count, ASCII.isLower(b[e]) || (b[e] == 0x2D && e + 1 < b.count && ASCII.isAlpha(b[e + 1])) { e += 1 }
        return e
    }

    /// "Shibuya-ku", "Yokohama-shi", "Kita-machi": a capitalised word ending in a Japanese ward or city suffix.
    static func japaneseWardEnd(_ b: Bytes, _ start: Int) -> Int? {
        guard start < b.count, ASCII.isUpper(b[start]) else { return nil }
        let e = capitalisedEnd(b, start)
        for suffix: StaticString in ["-ku", "-shi", "-cho", "-machi", "-gun"] {
            let n = suffix.utf8CodeUnitCount
            if e - start > n + 1, ASCII.equals(b, e - n, e, suffix) { return e }
        }
        return nil
    }

    // MARK: Field hint

    /// Under an address key: a number and a word, or a postcode, is enough. Spans the trimmed value.
    static func hinted(_ b: Bytes) -> (Int, Int)? {
        var start = 0, end = b.count
        while start < end, isSpace(b[start]) { start += 1 }
        while end > start, isSpace(b[end - 1]) { end -= 1 }
        var hasNumber = false, hasWord = false, k = start
        while k < end {
            guard isWordByte(b[k]) else { k += 1; continue }
            let w = k
            var letters = 0
            while k < end, isWordByte(b[k]) {
                if ASCII.isAlpha(b[k]) || b[k] >= 0x80 { letters += 1 }
                k += 1
            }
            if ASCII.isDigit(b[w]), k - w <= 10 { hasNumber = true } else if letters >= 2 { hasWord = true }
        }
        return hasNumber && hasWord ? (start, end) : nil
    }
}

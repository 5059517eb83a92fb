/// People's names without a model: runs of capitalised words weighed against the
/// name gazetteer (NameGazetteer) and the words around them. A run is a name when
/// the evidence adds up: a title before it ("Dr. Okafor"), a cue ("Dear Priya",
/// "my name is …", "Patient: …"), a known given name with a surname or another
/// unknown capitalised word ("Maria Kowalczyk"), two gazetteer names ("Zhang Wei"),
/// or a lone given name with a weaker cue ("met with Anna", "Anna signed").
/// Ordinary English words (Will, Rose, Grant), stop words (months, places,
/// companies, products) and place/organisation suffixes ("… Park", "… Blvd",
/// "… Inc") keep headings, products and street names out.
enum PersonNameRecognizer {
    typealias Bytes = ASCII.Bytes
    typealias Flag = NameGazetteer.Flag

    /// One word of a run of capitalised words.
    struct Token {
        var start = 0, end = 0 // end excludes a possessive 's
        var flags: UInt16 = 0
        var shape = Shape.capitalised
        var possessive = false
    }

    enum Shape { case capitalised, allCaps, initial, particle, lower, camel }

    static let maxTokens = 8, maxWord = 40

    /// A byte that continues a word: a letter or any byte of a multi-byte UTF-8 letter.
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { ASCII.isAlpha(c) || c >= 0x80 }

    /// A byte that glues a word into an identifier, a path or an address: then it is no name.
    @inline(__always) static func isGlue(_ c: UInt8) -> Bool {
        ASCII.isDigit(c) || c == 0x5F || c == 0x40 || c == 0x2F || c == 0x5C || c == 0x3D || c == 0x23 || c == 0x24
    }

    /// An upper-case letter at `k`: ASCII, Latin-1 (À–Þ) or Latin Extended-A (Ł, Š, Ž …).
    @inline(__always) static func isUpperAt(_ b: Bytes, _ k: Int) -> Bool {
        let c = b[k]
        if ASCII.isUpper(c) { return true }
        guard c == 0xC3 || c == 0xC4 || c == 0xC5, k + 1 < b.count else { return false }
        let d = b[k + 1]
        if c == 0xC3 { return d &- 0x80 < 0x1F && d != 0x97 }
        let code = (Int(c & 0x1F) << 6) | Int(d & 0x3F)
        if code < 0x138 || (code >= 0x14A && code < 0x178) { return code & 1 == 0 }
        return code & 1 == 1
    }

    /// The end of the word starting at `k`: letters, with ' and - inside (O'Brien, Jean-Luc).
    @inline(__always) static func wordEnd(_ b: Bytes, _ k: Int) -> Int {
        var e = k + 1
        while e < b.count, ASCII.isLower(b[e]) { e += 1 } // the common case first
        while e < b.count {
            if b[e] >= 0xC2, isPunctuationAt(b, e) {
                break
            } else if isLetter(b[e]) {
                e += 1
            } else if (b[e] == 0x27 || b[e] == 0x2D), e + 1 < b.count, isLetter(b[e + 1]) {
                e += 1
            } else {
                break
            }
        }
        return e
    }

    /// Quotes, dashes and the ellipsis of General Punctuation (E2 80 xx), and « » (C2 AB, C2 BB), end a word: "Grüße,
    /// Anneliese“". A right single quote before a letter is an apostrophe ("O’Brien", "Anna’s").
    @inline(__always) static func isPunctuationAt(_ b: Bytes, _ k: Int) -> Bool {
        guard k + 1 < b.count else { return false }
        if b[k] == 0xC2 { return b[k + 1] == 0xAB || b[k + 1] == 0xBB }
        guard b[k] == 0xE2, b[k + 1] == 0x80, k + 2 < b.count else { return false }
        return !(b[k + 2] == 0x99 && k + 3 < b.count && isLetter(b[k + 3]))
    }

    /// A quote or dash of `isPunctuationAt` ends right before `i`: "„Maria, …", "«Sofía».
    @inline(__always) static func isQuoteBefore(_ b: Bytes, _ i: Int) -> Bool {
        b[i - 1] >= 0x80 && (i >= 3 && b[i - 3] == 0xE2 && isPunctuationAt(b, i - 3) || i >= 2 && b[i - 2] == 0xC2 && isPunctuationAt(b, i - 2))
    }

    static func scan(_ b: Bytes, hint: PIIFieldHint, into sink: inout PIISink) {
        if hint == .personName, scanField(b, into: &sink) { return } // the whole value is the name
        withUnsafeTemporaryAllocation(of: Token.self, capacity: maxTokens) { tokens in
            var i = 0
            let n = b.count
            while i < n {
                // Fast skip to the next capital: eight bytes at a time with no capital (A–Z) and no non-ASCII byte.
                if i + 8 <= n {
                    let x = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    let t = x & 0x7F7F_7F7F_7F7F_7F7F
                    let candidates = ((t &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(t &+ 0x2525_2525_2525_2525) | x) & 0x8080_8080_8080_8080
                    if candidates == 0 { i += 8; continue }
                    i += candidates.littleEndian.trailingZeroBitCount >> 3
                }
                guard ASCII.isUpper(b[i]) || (b[i] >= 0xC3 && b[i] <= 0xC5 && isUpperAt(b, i)) else { i += 1; continue }
                if i > 0, isLetter(b[i - 1]) && !isQuoteBefore(b, i) || isGlue(b[i - 1]) || b[i - 1] == 0x2E && i > 1 && ASCII.isAlnum(b[i - 2]) {
                    i += 1
                    continue
                }
                let (count, next) = readRun(b, i, tokens)
                // "SILVA/JOAO MR", "Passenger O'BRIEN/SEAN MR": a run stops at a slash; a passenger list's surname ends there.
                if count == 0, next < b.count, b[next] == 0x2F {
                    var ws = next
                    while ws > i, ASCII.isUpper(b[ws - 1]) || b[ws - 1] == 0x2D || b[ws - 1] == 0x27 { ws -= 1 }
                    if ws == i || b[ws - 1] == 0x20, let (end, after) = airlineName(b, ws) {
                        sink.report(.personName, ws, end)
                        if !sink.wants(.personName) { return }
                        i = after
                        continue
                    }
                }
                let named = count > 0 ? beforeJobTitle(b, tokens, count).flatMap { evaluate(b, tokens, $0) } : nil
                if count > 0,
                   let (start, end) = named ?? evaluate(b, tokens, count) ?? evaluateTail(b, tokens, count) ?? evaluateHead(b, tokens, count)
                       ?? citedAuthor(b, tokens, count),
                   !isHoliday(b, start, end), !isScriptureVerse(b, start, end), !isFirm(b, tokens, count, start, end),
                   !isPlaceNamedAfter(b, tokens, count, start) {
                    sink.report(.personName, start, end)
                    if !sink.wants(.personName) { return }
                }
                i = max(next, i + 1)
            }
        }
    }

    /// Airline and travel systems write a passenger as SURNAME/GIVEN NAMES TITLE ("SILVA/JOAO MR", "SATO/YUKI MS",
    /// "SMITH/JOHN PAUL MSTR"): capitals, a slash, capitals, and one of the titles they use. Returns where the name
    /// ends (before the title) and where scanning goes on.
    static func airlineName(_ b: Bytes, _ i: Int) -> (Int, Int)? {
        var k = i
        while k < b.count, ASCII.isUpper(b[k]) || (b[k] == 0x2D || b[k] == 0x27) && k > i { k += 1 }
        // Every word holds a vowel: "TCP/IP MR logs" is no passenger.
        func hasVowel(_ from: Int, _ to: Int) -> Bool {
            for c in b[from..<to] where c == 0x41 || c == 0x45 || c == 0x49 || c == 0x4F || c == 0x55 || c == 0x59 { return true }
            return false
        }
        guard k - i >= 2, k + 3 < b.count, b[k] == 0x2F, ASCII.isUpper(b[k + 1]), hasVowel(i, k) else { return nil }
        k += 1
        var end = k
        for n in 0..<4 { // given names, then the title
            let w = k
            while k < b.count, ASCII.isUpper(b[k]) || (b[k] == 0x2D || b[k] == 0x27) && k > w { k += 1 }
            guard k - w >= 2, k == b.count || !isLetter(b[k]) && b[k] != 0x2F else { return nil }
            if n > 0, isPassengerTitle(b, w, k) { return (end, k) }
            guard hasVowel(w, k) else { return nil }
            end = k
            guard k + 1 < b.count, b[k] == 0x20, ASCII.isUpper(b[k + 1]) else { return nil }
            k += 1
        }
        return nil
    }

    @inline(__always) static func isPassengerTitle(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for title: StaticString in ["mr", "mrs", "ms", "miss", "mstr", "dr", "chd", "inf", "mx", "prof"]
        where ASCII.equals(b, from, to, title) { return true }
        return false
    }

    /// The name, or the name with the run's words before it ("Dr. Martens" after "The"), is a firm named after people,
    /// and nothing around it says a person is meant: a title or a cue before it ("Dear Mr. Ted Baker", "Customer Tom
    /// Ford"), a verb people do or a personal pronoun after it ("Marc Jacobs called about his invoice"). The firm may
    /// also sit inside the name between ordinary words before it and words that are no name or also a word after it
    /// ("My Calvin Klein order", "the Louis Vuitton Neverfull", "Ralph Lauren Polo"); a name after it keeps the person
    /// ("Morgan Stanley Jones").
    static func isFirm(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int, _ start: Int, _ end: Int) -> Bool {
        for k in 0..<count where tokens[k].start < start {
            if EponymousFirms.contains(b, tokens[k].start, end) { return true }
        }
        var last = count - 1 // the last token of the name, and the last one that is a name and no ordinary word
        while last > 0, tokens[last].end > end { last -= 1 }
        var lastName = last
        while lastName > 0, tokens[lastName].flags & Flag.name == 0 || tokens[lastName].flags & Flag.word != 0 { lastName -= 1 }
        var found = false
        search: for i in 0...last where tokens[i].start >= start {
            if i > 0, tokens[i - 1].start >= start, tokens[i - 1].flags & Flag.word == 0 { break } // only ordinary words before it
            for j in max(i, lastName)...last where EponymousFirms.contains(b, tokens[i].start, tokens[j].end) {
                found = true
                break search
            }
        }
        guard found else { return false }
        for k in 0..<count where tokens[k].start < start && tokens[k].flags & (Flag.title | Flag.cue) != 0 { return false }
        if cueBefore(b, tokens[0].start) >= 2 { return false }
        return !(personOnlyVerbAfter(b, end) || pronounAfter(b, end))
    }

    /// A capitalised or all-capitals word of the run has four letters or more (acronyms rarely do in pairs).
    static func hasLongWord(_ tokens: UnsafeMutableBufferPointer<Token>, from: Int, to: Int) -> Bool {
        for k in from..<to where tokens[k].end - tokens[k].start >= 4 && (tokens[k].shape == .allCaps || tokens[k].shape == .capitalised) {
            return true
        }
        return false
    }

    /// A book of the Bible named after a person, before its chapter and verse: "Matthew 5:9", "1 John 3:16".
    static func isScriptureVerse(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        guard end + 3 < b.count, b[end] == 0x20, ASCII.isDigit(b[end + 1]), scriptureBooks.contains(b, start, end) else { return false }
        var k = end + 1
        while k < b.count, k - end <= 4, ASCII.isDigit(b[k]) { k += 1 }
        return k + 1 < b.count && b[k] == 0x3A && ASCII.isDigit(b[k + 1])
    }

    static let scriptureBooks = WordSet("""
        matthew mark luke john james peter jude timothy titus philemon samuel daniel joshua ruth esther isaiah jeremiah \
        ezekiel hosea joel amos obadiah jonah micah nahum habakkuk zephaniah haggai zechariah malachi ezra nehemiah
        """)

    /// The name is a day's or a comet's: "St. Patrick's Day", "Halley's Comet", "Valentine's Day", "St. David’s Day", "Martin Luther King Jr. Day",
    /// and "Martin Luther King Day", where the run took the day in (Day is a surname too: "Doris Day").
    static func isHoliday(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        if end - start >= 15, ASCII.equals(b, end - 15, end, "luther king day") { return true }
        if end - start >= 13, ASCII.equals(b, end - 13, end, " king jr. day") { return true } // "Jr." inside the run
        let k: Int
        if let after = possessiveEnd(b, end) {
            k = after
        } else if end >= 2, end < b.count, b[end] == 0x2E, b[end - 2] == 0x4A, b[end - 1] == 0x72 { // "Martin Luther King Jr. Day"
            k = end + 1
        } else if ASCII.hasPrefix(b, at: end, " jr.") { // the same, with "Jr." kept out of the name
            k = end + 4
        } else {
            return false
        }
        guard k + 3 < b.count, b[k] == 0x20 else { return false }
        let e = wordEnd(b, k + 1)
        return ASCII.equals(b, k + 1, e, "day") && b[k + 1] == 0x44 || ASCII.equals(b, k + 1, e, "comet") // "Halley's Comet"
    }

    /// Where a possessive "'s" or "’s" starting at `end` ends, or nil.
    static func possessiveEnd(_ b: Bytes, _ end: Int) -> Int? {
        var k = end
        if k < b.count, b[k] == 0x27 {
            k += 1
        } else if k + 2 < b.count, b[k] == 0xE2, b[k + 1] == 0x80, b[k + 2] == 0x99 {
            k += 3
        } else {
            return nil
        }
        return k < b.count && b[k] == 0x73 ? k + 1 : nil
    }

    /// Reads the capitalised words from `start` joined by single spaces (with particles, initials and
    /// titles' full stops), at most `maxTokens`. Returns how many, and where scanning goes on.
    static func readRun(_ b: Bytes, _ start: Int, _ tokens: UnsafeMutableBufferPointer<Token>) -> (Int, Int) {
        var count = 0, p = start
        while count < maxTokens {
            var e = wordEnd(b, p), initials = false
            // Initials written together: "T.J. O'Sullivan", "J.R.R. Tolkien" (a capital, a full stop, a capital …).
            while e - p == 1 || initials, e + 1 < b.count, b[e] == 0x2E, ASCII.isUpper(b[e + 1]), e + 2 == b.count || !isLetter(b[e + 2]) {
                e += 2
                initials = true
            }
            if initials, e - p == 3, ASCII.equals(b, p, e, "p.o") { return (0, e) } // "P.O. Box"
            var t = Token(start: p, end: e)
            if e < b.count, isGlue(b[e]) || (b[e] == 0x2E || b[e] == 0x2D) && e + 1 < b.count && ASCII.isAlnum(b[e + 1]) {
                return (0, e) // an identifier, a file name, an e-mail address, a UUID's group ("CABA-8FAA")
            }
            if e - p > maxWord { return (0, e) }
            if e - p >= 3, b[e - 1] == 0x73 { // possessive 's or ’s
                if b[e - 2] == 0x27 {
                    t.end = e - 2
                } else if e - p >= 5, b[e - 2] == 0x99, b[e - 3] == 0x80, b[e - 4] == 0xE2 {
                    t.end = e - 4
                }
                t.possessive = t.end != e
            }
            t.shape = initials ? .initial : shape(b, p, t.end)
            var after = e
            if t.shape == .particle {
                t.flags = NameGazetteer.flags(b, p, e)
                if t.flags & Flag.particle == 0 { return (trimParticles(tokens, count), p) }
            } else {
                if t.shape == .capitalised || t.shape == .allCaps { t.flags = lookup(b, p, t.end) }
                if after < b.count, b[after] == 0x2E, t.shape == .initial || t.flags & Flag.title != 0 { after += 1 }
            }
            // A generational suffix after a name ("Bartholomew Finch Jr.", "Charles Whitfield III") is kept out of the name.
            if count > 0, tokens[count - 1].flags & Flag.name != 0, t.shape != .particle, isGenerationalSuffix(b, p, t.end) {
                t.shape = .particle
                t.flags = Flag.particle
                if after < b.count, b[after] == 0x2E { after += 1 }
            }
            // Irish and Scottish Gaelic "son of" / "daughter of" between a given name and the surname: "Oisín Mac Cárthaigh",
            // "Niamh Nic Aodha" (after a given name only: "Big Mac Meal" and "Apple Mac Pro" keep their Mac).
            if t.shape == .capitalised, count > 0, tokens[count - 1].flags & Flag.given != 0, e + 1 < b.count, b[e] == 0x20,
               isUpperAt(b, e + 1), isGaelicParticle(b, p, e) {
                t.shape = .particle
                t.flags = Flag.particle
            }
            tokens[count] = t
            count += 1
            // Another word of the run follows one space: a capitalised word, or a particle before one.
            guard !t.possessive, after + 1 < b.count, b[after] == 0x20 else { return (trimParticles(tokens, count), after) }
            let q = after + 1
            if isUpperAt(b, q) {
                p = q
                continue
            }
            if ASCII.isLower(b[q]), t.flags & (Flag.name | Flag.word) != Flag.word {
                var pe = q + 1
                while pe < b.count, pe - q <= 4, ASCII.isLower(b[pe]) { pe += 1 }
                // "van Dijk", "al-Hassan", and "de la Cruz": a second particle may follow the first.
                if pe - q <= 4, pe + 1 < b.count, b[pe] == 0x20 || b[pe] == 0x2D, isUpperAt(b, pe + 1) || ASCII.isLower(b[pe + 1]) {
                    p = q
                    continue
                }
            }
            return (trimParticles(tokens, count), after)
        }
        return (count, p)
    }

    /// The run names a street or a place after a person: a street type or an institution written before the name, in the run or as the
    /// word before it ("Via Giuseppe Garibaldi", "Camino de Vera", "rue Victor Hugo", "l'avenue Victor Hugo", "ul. Jana
    /// Pawła"), or a saint joined to the name by a hyphen ("l'église Saint-Pierre", "la Saint-Jean"). A person named
    /// after a saint keeps the given name first ("Georges Saint-Pierre").
    static func isPlaceNamedAfter(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int, _ start: Int) -> Bool {
        let first = tokens[0]
        if count >= 2, start >= first.start, isStreetTypeBefore(b, first.start, first.end, dotAfter: first.end < b.count && b[first.end] == 0x2E)
            || StreetVocabulary.placesBeforeName.contains(b, first.start, first.end) {
            return true
        }
        // A street written as one hyphenated word ends in its type: "Konrad-Adenauer-Platz", "Friedrich-Ebert-Straße".
        for k in 0..<count {
            var hyphen = tokens[k].end
            while hyphen > tokens[k].start, b[hyphen - 1] != 0x2D { hyphen -= 1 }
            // Three letters or more and not "per" (Swedish "Nils-Per", where the list's Russian "per." is a lane).
            if hyphen > tokens[k].start, tokens[k].end - hyphen >= 3, !ASCII.equals(b, hyphen, tokens[k].end, "per"),
               StreetVocabulary.separateTypes.contains(b, hyphen, tokens[k].end) {
                return true
            }
        }
        // The saint may follow an article the run opened with ("La Saint-Nicolas se fête …").
        let article = count >= 2 && (ASCII.equals(b, first.start, first.end, "la") || ASCII.equals(b, first.start, first.end, "le")
            || ASCII.equals(b, first.start, first.end, "el") || ASCII.equals(b, first.start, first.end, "the"))
        let saint = article ? tokens[1] : first
        var hyphen = saint.start
        while hyphen < saint.end, b[hyphen] != 0x2D { hyphen += 1 }
        if hyphen < saint.end, start <= saint.start, isSaint(b, saint.start, hyphen) { return true }
        // The word before the run, one space or ". " away, an elided article ("l'", "d'") stripped.
        var k = first.start
        guard k >= 3, b[k - 1] == 0x20 else { return false }
        k -= 1
        let dot = b[k - 1] == 0x2E
        if dot { k -= 1 }
        let end = k
        while k > 0, ASCII.isAlpha(b[k - 1]) || b[k - 1] >= 0x80 { k -= 1 }
        guard k < end, k == 0 || !ASCII.isAlnum(b[k - 1]) else { return false }
        // English "via" is a preposition ("patch from Jakub Jelinek via Dave"): only the capitalised Italian street.
        if ASCII.isLower(b[k]), ASCII.equals(b, k, end, "via") { return false }
        return isStreetTypeBefore(b, k, end, dotAfter: dot) || StreetVocabulary.placesBeforeName.contains(b, k, end)
    }

    /// A street type written before the street's name (short abbreviations only with their full stop: "ul.", "av.").
    @inline(__always) static func isStreetTypeBefore(_ b: Bytes, _ from: Int, _ to: Int, dotAfter: Bool) -> Bool {
        (to - from > 2 || dotAfter) && StreetVocabulary.typesBeforeName.contains(b, from, to)
    }

    /// A saint's title opening a run: what follows names a church, a feast or a place, not a person.
    static func isSaint(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for word: StaticString in ["san", "santa", "santo", "saint", "sainte", "st", "sankt", "s\u{E3}o", "sao", "sveti", "sv"]
        where ASCII.equals(b, from, to, word) { return true }
        return false
    }

    @inline(__always) static func isGenerationalSuffix(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        switch to - from {
        case 2: // Jr, Sr, II, IV
            return ASCII.equals(b, from, to, "jr") || ASCII.equals(b, from, to, "sr")
                || b[from] == 0x49 && (b[from + 1] == 0x49 || b[from + 1] == 0x56)
        case 3: return b[from] == 0x49 && b[from + 1] == 0x49 && b[from + 2] == 0x49 // III
        default: return false
        }
    }

    @inline(__always) static func isGaelicParticle(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        ASCII.equals(b, from, to, "mac") || ASCII.equals(b, from, to, "nic") || ASCII.equals(b, from, to, "mhic")
            || ASCII.equals(b, from, to, "ni") || ASCII.equals(b, from, to, "n\u{ED}") || ASCII.equals(b, from, to, "u\u{ED}")
    }

    /// The flags of a word; a hyphenated word not listed whole ("Sarah-Jane", "O'Connor-Smith", "al-Hassan")
    /// is a name when its parts are (a particle before the hyphen is skipped).
    @inline(__always) static func lookup(_ b: Bytes, _ from: Int, _ to: Int) -> UInt16 {
        let whole = NameGazetteer.flags(b, from, to)
        guard whole == 0 else { return whole }
        if hasAccentedLetter(b, from, to) { // "Sofía", "Müller", "Łukasz", "Nguyễn": listed without their accents
            // Not as an ordinary word: "Vía" is no English "via", and unknown it stays.
            let plain = NameGazetteer.flags(b, from, to, stripAccents: true)
            if plain != 0, plain & Flag.word == 0 { return plain }
        }
        var hyphen = from
        while hyphen < to, b[hyphen] != 0x2D { hyphen += 1 }
        guard hyphen < to else { return hasSurnameEnding(b, from, to) ? Flag.surname | Flag.byEnding : 0 }
        var last = to - 1
        while b[last] != 0x2D { last -= 1 }
        let head = NameGazetteer.flags(b, from, hyphen), tail = NameGazetteer.flags(b, last + 1, to)
        if head & Flag.particle != 0, ASCII.isLower(b[from]) { return tail & Flag.name }
        return head & Flag.name != 0 && tail & Flag.name != 0 ? (head | tail) & Flag.name : 0
    }

    /// A Latin-1, Latin Extended-A or Vietnamese letter in `b[from..<to]`: only then can the word be listed without its accents.
    @inline(__always) static func hasAccentedLetter(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for k in from..<to where b[k] &- 0xC3 < 3 || b[k] == 0xE1 { return true }
        return false
    }

    /// Endings that make a word no list knows a surname (it then counts as one: "Ludmila Kolesnikova", but a
    /// lone "Petrov" still needs a cue, and a place such as "Rostov" has no given name beside it): Slavic
    /// -ova/-ski/-enko/-ović, Romanian -escu, Nordic -sson/-dóttir, Finnish -nen, Greek -poulos/-idis,
    /// Armenian -yan, Georgian -shvili/-dze, Turkish -oğlu, Lithuanian -auskas. Each with the shortest length
    /// at which it is rarely anything else ("Kiev", "Kenyan" are too short to count).
    static let surnameEndings: [(ending: StaticString, minLength: Int)] = [
        ("ova", 6), ("eva", 6), ("ov", 6), ("ev", 6), ("enko", 6), ("chuk", 6), ("yuk", 6), ("iuk", 6), ("ski", 6),
        ("ska", 6), ("cki", 6), ("cka", 6), ("wicz", 7), ("czyk", 7), ("czak", 7), ("escu", 6), ("eanu", 6),
        ("ovic", 6), ("evic", 6), ("ovi\u{107}", 7), ("evi\u{107}", 7), ("sson", 6), ("dottir", 8), ("d\u{F3}ttir", 9),
        ("nen", 7), ("poulos", 8), ("opoulou", 9), ("idis", 7), ("akis", 7), ("yan", 7), ("shvili", 8), ("dze", 6),
        ("ovich", 8), ("evich", 8), ("ovna", 8), ("evna", 8), // patronymics, as Russian and Kazakh names carry them
        ("oglu", 6), ("o\u{11F}lu", 7), ("auskas", 8), ("evicius", 9), ("avicius", 9),
    ]

    /// The endings by their last byte, lower case: a word is compared with the few that share its last letter (a loop
    /// over all of them was most of the time the recogniser spent on a capitalised word no list holds).
    static let surnameEndingsByLastByte: [[(ending: StaticString, minLength: Int)]] = surnameEndings.reduce(into: Array(repeating: [], count: 256)) {
        $0[Int($1.ending.utf8Start[$1.ending.utf8CodeUnitCount - 1])].append($1)
    }

    @inline(__always) static func hasSurnameEnding(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        guard to - from >= 6 else { return false }
        for (ending, minLength) in surnameEndingsByLastByte[Int(ASCII.lower(b[to - 1]))] where to - from >= minLength {
            let n = ending.utf8CodeUnitCount
            if ASCII.equals(b, to - n, to, ending) { return true }
        }
        return false
    }

    /// A run never ends in a particle.
    @inline(__always) static func trimParticles(_ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int) -> Int {
        var c = count
        while c > 0, tokens[c - 1].shape == .particle { c -= 1 }
        return c
    }

    static func shape(_ b: Bytes, _ from: Int, _ to: Int) -> Shape {
        if ASCII.isLower(b[from]) {
            // "al-Hassan", "el-Amin": a particle glued to a capitalised name.
            if to - from > 3, b[from + 2] == 0x2D, isUpperAt(b, from + 3) { return .capitalised }
            return .particle
        }
        if to - from == 1 { return .initial }
        var k = from + 1
        while k < to, ASCII.isLower(b[k]) { k += 1 }
        if k == to { return .capitalised } // the common case, decided in one pass
        var uppers = 0, letters = 0, inner = false
        for k in from..<to where ASCII.isAlpha(b[k]) {
            letters += 1
            guard ASCII.isUpper(b[k]) else { continue }
            uppers += 1
            if k > from, b[k - 1] != 0x27, b[k - 1] != 0x2D, !(k - from == 2 && ASCII.equals(b, from, k, "mc")),
               !(k - from == 3 && ASCII.equals(b, from, k, "mac")), !(k - from == 2 && b[from + 1] &- 0x61 < 26 && isCapPrefix(b, from))
            {
                inner = true
            }
        }
        if uppers == letters, letters > 1 { return .allCaps }
        return inner ? .camel : .capitalised
    }

    /// DeShawn, LaToya, DiMaggio, LeBron: two-letter prefixes that take a capital after them.
    @inline(__always) static func isCapPrefix(_ b: Bytes, _ from: Int) -> Bool {
        ASCII.equals(b, from, from + 2, "de") || ASCII.equals(b, from, from + 2, "la") || ASCII.equals(b, from, from + 2, "le")
            || ASCII.equals(b, from, from + 2, "di") || ASCII.equals(b, from, from + 2, "du")
    }

    /// Evidence before `start`: 3 a title, 2 a strong cue ("dear", "name is", "patient:"), 1 a weak cue
    /// ("with", "and", "to"), 0 none. Looks back at most two words, 40 bytes.
    static func cueBefore(_ b: Bytes, _ start: Int) -> Int {
        if start >= 4, ASCII.hasPrefix(b, at: start - 4, "c/o ") { return 2 } // "c/o Müller": care of a person
        // A sign-off after a dash that closes a message ("call me on 07700 900 123 — Daniel."): a listed given name only, and
        // three words or more before the dash on its line ("Изходен код — Ada" labels a language, not a message).
        if start >= 5, b[start - 1] == 0x20, ASCII.hasPrefix(b, at: start - 5, " \u{2014}") || ASCII.hasPrefix(b, at: start - 5, " \u{2013}") {
            var spaces = 0, k = start - 5
            while k > 0, b[k - 1] != 0x0A, spaces < 3 {
                if b[k - 1] == 0x20 { spaces += 1 }
                k -= 1
            }
            return spaces >= 3 ? 1 : 0
        }
        guard let (ws, we) = wordBefore(b, start) else { return 0 }
        let f = NameGazetteer.flags(b, ws, we)
        if f & Flag.title != 0 { return 3 }
        if f & Flag.cue != 0 {
            // "im" is the list's "I'm" without its apostrophe, and German's "in dem" before every noun ("im Ausverkauf",
            // "im Geschäftsjahr"): as written so, only a listed given name after it.
            return we - ws == 2 && ASCII.equals(b, ws, we, "im") ? 1 : 2
        }
        if we < b.count, b[we] == 0x2C, ASCII.equals(b, ws, we, "best") { return 2 } // the sign-off "Best, Tom"
        // A form's name label of another language, with its colon: "Nom : Nkemelu", "Nachname: Okafor" (without it, "nome"
        // and "nom" are words of their prose).
        if foreignNameLabels.contains(b, ws, we), b[we..<start].contains(0x3A) { return 2 }
        let second: StaticString
        if ASCII.equals(b, ws, we, "is") {
            second = "name"
        } else if ASCII.equals(b, ws, we, "am") {
            second = "i"
        } else if ASCII.equals(b, ws, we, "me") {
            second = "call"
        } else if ASCII.equals(b, ws, we, "to") || ASCII.equals(b, ws, we, "with") || ASCII.equals(b, ws, we, "by") {
            // "Assigned to Chen Sun", "spoke with Aiko Mori", "signed by …": a verb that takes a person.
            guard let (ps, pe) = wordBefore(b, ws), isPersonVerb(b, ps, pe) else { return f & Flag.near != 0 ? 1 : 0 }
            return 2
        } else {
            return f & Flag.near != 0 ? 1 : 0
        }
        guard let (ps, pe) = wordBefore(b, ws) else { return 0 }
        return ASCII.equals(b, ps, pe, second) ? 2 : 0
    }

    static let foreignNameLabels = WordSet("""
        nom prénom prenom nombre apellido apellidos nome cognome sobrenome vorname nachname familienname naam voornaam \
        achternaam imię imie nazwisko jméno jmeno příjmení prijmeni soyad soyadı fornavn efternavn etternavn förnamn \
        fornamn efternamn etunimi sukunimi
        """)

    /// Verbs whose "to", "with" or "by" is followed by a person far more often than by anything else.
    static func isPersonVerb(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for verb: StaticString in ["assigned", "reassigned", "escalated", "talked", "spoke", "spoken", "speak", "talk", "met",
                                   "chatted", "married", "introduced", "referred", "delegated", "signed", "authored", "interviewed",
                                   "approved", "reviewed", "prepared"]
        where ASCII.equals(b, from, to, verb) { return true }
        return false
    }

    /// The word before `k` across at most 6 separator bytes (spaces, commas, colons, line breaks).
    @inline(__always) static func wordBefore(_ b: Bytes, _ k: Int) -> (Int, Int)? {
        var p = k, skipped = 0
        while p > 0, skipped < 6, b[p - 1] == 0x20 || b[p - 1] == 0x2C || b[p - 1] == 0x3A || b[p - 1] == 0x0A || b[p - 1] == 0x0D
            || b[p - 1] == 0x09 || b[p - 1] == 0x2D
        {
            p -= 1
            skipped += 1
        }
        let we = p
        while p > 0, we - p < 16, isLetter(b[p - 1]) || b[p - 1] == 0x27 { p -= 1 }
        guard p < we, p == 0 || !isLetter(b[p - 1]) else { return nil }
        return (p, we)
    }

    /// The run continues the sentence (a lower-case word or a comma before it), so its capital is not the sentence's.
    @inline(__always) static func isMidSentence(_ b: Bytes, _ start: Int) -> Bool {
        var p = start
        while p > 0, start - p < 4, b[p - 1] == 0x20 { p -= 1 }
        guard p > 0, p < start else { return false }
        let c = b[p - 1]
        return ASCII.isLower(c) || c == 0x2C
    }

    /// A listed given name addressed at the start of a message or a quote, a comma after it and the sentence going on in
    /// lower case: "Jamal, stop emailing me", "„Maria, bitte ruf an“" (not "Florence, Italy").
    static func isAddressedAtStart(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        guard end + 2 < b.count, b[end] == 0x2C, b[end + 1] == 0x20, ASCII.isLower(b[end + 2]) else { return false }
        guard start > 0 else { return true }
        let c = b[start - 1]
        if c == 0x22 || c == 0x27 || c == 0x28 { return true }
        if c == 0x0A { // a new line that starts a message, not one that wraps a sentence ("… (for\nAthena, where …")
            var k = start - 1
            while k > 0, b[k - 1] == 0x0D || b[k - 1] == 0x20 { k -= 1 }
            return k == 0 || b[k - 1] == 0x0A || b[k - 1] == 0x2E || b[k - 1] == 0x21 || b[k - 1] == 0x3F || b[k - 1] == 0x3A
        }
        // “ „ « ‘: a quote opening in UTF-8 (E2 80 9C, E2 80 9E, C2 AB, E2 80 98).
        return start >= 2 && b[start - 2] == 0xC2 && c == 0xAB || start >= 3 && b[start - 3] == 0xE2 && b[start - 2] == 0x80
            && (c == 0x9C || c == 0x9E || c == 0x98)
    }

    /// A cue after a lone given name: "Anna signed …", "Anna's laptop", "Anna (anna@…) wrote".
    @inline(__always) static func cueAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 1 < b.count, b[end] == 0x20 else { return false }
        if b[end + 1] == 0x28 { return true }
        guard ASCII.isLower(b[end + 1]) else { return false }
        let e = wordEnd(b, end + 1)
        return e - end <= 12 && NameGazetteer.flags(b, end + 1, e) & Flag.after != 0
    }

    /// A verb among the gazetteer's after-cues (not "and", "from" or a parenthesis, which follow languages and
    /// products as often: "Updated Irish and Turkish translations", "Add Shona (sn)").
    @inline(__always) static func verbAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard cueAfter(b, end), b[end + 1] != 0x28 else { return false }
        let e = wordEnd(b, end + 1)
        return !ASCII.equals(b, end + 1, e, "and") && !ASCII.equals(b, end + 1, e, "from")
    }

    /// "by", "to" or "for" after a word that concerns a person: "Reported by", "Thanks to", "the parcel for".
    static func personalCueBefore(_ b: Bytes, _ start: Int) -> Bool {
        guard let (ws, we) = wordBefore(b, start),
              ASCII.equals(b, ws, we, "by") || ASCII.equals(b, ws, we, "to") || ASCII.equals(b, ws, we, "for"),
              let (ps, pe) = wordBefore(b, ws) else { return false }
        for word: StaticString in ["reported", "written", "sent", "submitted", "contributed", "suggested", "requested", "thanks", "thank",
                                   "credit", "credits", "addressed", "delivered", "forwarded", "package", "parcel", "letter", "mail",
                                   "referral", "appointment", "prescription", "patch", "patched", "fixed", "found", "noticed", "tested",
                                   "translated", "reviewed", "signed", "assigned", "given", "owed", "paid", "belongs", "belonging"]
        where ASCII.equals(b, ps, pe, word) { return true }
        return false
    }

    /// The word before `start` is a relative or a person close by (the gazetteer lists them as strong cues).
    static func relativeBefore(_ b: Bytes, _ start: Int) -> Bool {
        guard let (ws, we) = wordBefore(b, start) else { return false }
        for word: StaticString in ["wife", "husband", "son", "daughter", "brother", "sister", "mother", "father", "mom", "mum", "dad",
                                   "grandmother", "grandfather", "grandma", "grandpa", "granny", "aunt", "auntie", "uncle", "cousin",
                                   "nephew", "niece", "nanny", "fiance", "fiancee", "fiancé", "fiancée", "boyfriend", "girlfriend",
                                   "stepson", "stepdaughter", "stepmother", "stepfather", "grandson", "granddaughter", "colleague",
                                   "coworker", "neighbour", "neighbor", "friend", "roommate", "flatmate", "housemate", "caregiver",
                                   "carer", "babysitter", "landlady"]
        where ASCII.equals(b, ws, we, word) { return true }
        return false
    }

    /// "is", "was", "has", "had", "will", "would", "can", "could" after `end`: they follow things as often as people.
    static func auxiliaryAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 1 < b.count, b[end] == 0x20 else { return false }
        let e = wordEnd(b, end + 1)
        for verb: StaticString in ["is", "was", "has", "had", "will", "would", "can", "could"] where ASCII.equals(b, end + 1, e, verb) {
            return true
        }
        return false
    }

    /// " from accounts", " from the support team": a person introduced by the team they work in.
    static func teamAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 7 < b.count, b[end] == 0x20, ASCII.hasPrefix(b, at: end + 1, "from ") else { return false }
        var p = end + 6
        if ASCII.hasPrefix(b, at: p, "the ") { p += 4 }
        guard p < b.count, ASCII.isAlpha(b[p]) else { return false }
        let e = wordEnd(b, p)
        for team: StaticString in ["accounts", "accounting", "billing", "sales", "support", "hr", "it", "finance", "legal", "marketing",
                                   "reception", "payroll", "procurement", "admin", "operations", "ops", "engineering", "security",
                                   "compliance", "helpdesk", "logistics", "dispatch", "underwriting", "claims", "customer", "front"]
        where ASCII.equals(b, p, e, team) {
            // "from IT" and "from HR" in capitals only ("from it" is a pronoun).
            if e - p == 2 { return ASCII.isUpper(b[p]) && ASCII.isUpper(b[p + 1]) }
            return true
        }
        return false
    }

    /// " is my son", " is our tenant", " is her carer": a possessive and a word for a relative or a role that only people
    /// hold (the gazetteer's strong cues) after the name.
    static func relationAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 8 < b.count, b[end] == 0x20, ASCII.hasPrefix(b, at: end + 1, "is ") else { return false }
        let p = end + 4, pe = wordEnd(b, p)
        guard ASCII.isLower(b[p]), ASCII.equals(b, p, pe, "my") || ASCII.equals(b, p, pe, "our") || ASCII.equals(b, p, pe, "his")
            || ASCII.equals(b, p, pe, "her") || ASCII.equals(b, p, pe, "their"), pe + 1 < b.count, b[pe] == 0x20, ASCII.isLower(b[pe + 1])
        else { return false }
        let we = wordEnd(b, pe + 1)
        return NameGazetteer.flags(b, pe + 1, we) & Flag.cue != 0
    }

    /// ", who" after a name: a relative clause that only a person takes ("Hope, who can't use email").
    @inline(__always) static func whoAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 5 <= b.count, b[end] == 0x2C, b[end + 1] == 0x20 else { return false }
        return ASCII.hasPrefix(b, at: end + 2, "who") && (end + 5 == b.count || !ASCII.isAlpha(b[end + 5]))
    }

    /// A verb right after `end` that people do and firms rarely do: calling, writing, complaining, living somewhere.
    /// Narrower than the gazetteer's after-cues, which also hold "said", "announced", "declined", "has".
    static func personOnlyVerbAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 1 < b.count, b[end] == 0x20, ASCII.isLower(b[end + 1]) else { return false }
        let e = wordEnd(b, end + 1)
        for verb: StaticString in ["called", "phoned", "emailed", "texted", "messaged", "complained", "replied", "resigned",
                                   "lives", "visited", "attended", "thinks", "asked"]
        where ASCII.equals(b, end + 1, e, verb) { return true }
        return false
    }

    /// "Called", "Emailed", "Met" …: a verb of contacting someone, opening a note before a title and a name.
    static func isContactVerb(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for verb: StaticString in ["called", "emailed", "phoned", "texted", "messaged", "contacted", "paged", "pinged", "met",
                                   "visited", "reminded", "informed", "notified", "thanked", "asked", "told", "saw"]
        where ASCII.equals(b, from, to, verb) { return true }
        return false
    }

    /// A comma and a request after a lone given name: the person is addressed ("Marcus, please confirm the shift",
    /// "Aisha, can you check", "Tomasz, thanks for the update").
    static func addressedAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 2 < b.count, b[end] == 0x2C, b[end + 1] == 0x20, ASCII.isLower(b[end + 2]) else { return false }
        let e = wordEnd(b, end + 2)
        for word: StaticString in ["please", "pls", "kindly", "can", "could", "would", "will", "are", "did", "do", "you", "thanks",
                                   "thank", "just", "hope", "let", "hi", "quick"]
        where ASCII.equals(b, end + 2, e, word) { return true }
        return false
    }

    /// A verb in the past tense right after a lone given name opening a sentence: "Aisha lost her wallet", "Mateo
    /// opened a ticket". Regular forms (a lower-case word of four letters or more ending in "ed", not "need", "feed",
    /// "speed" …) and the common irregular ones.
    static func actedAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 1 < b.count, b[end] == 0x20, ASCII.isLower(b[end + 1]) else { return false }
        let e = wordEnd(b, end + 1), n = e - end - 1
        guard n >= 3, n <= 14 else { return false }
        if n >= 4, b[e - 2] == 0x65, b[e - 1] == 0x64, b[e - 3] != 0x65 { return true } // "opened", not "need"
        for verb: StaticString in ["lost", "forgot", "paid", "bought", "made", "took", "gave", "got", "went", "came", "found",
                                   "kept", "brought", "ran", "saw", "won", "spent", "sold", "put", "set", "reset", "knew",
                                   "drove", "flew", "began", "broke", "chose", "felt", "heard", "held", "lent", "met", "read",
                                   "sat", "spoke", "stood", "taught", "understood", "woke", "wore", "built", "sent", "left"]
        where ASCII.equals(b, end + 1, e, verb) { return true }
        return false
    }

    /// The one all-capitals word of the run is a surname (also one that is an ordinary word: "John SMITH"), and a
    /// capitalised given name that is no ordinary word stands beside it.
    static func surnameInCapitalsBesideGiven(_ tokens: UnsafeMutableBufferPointer<Token>, from: Int, to: Int) -> Bool {
        var capsSurname = false, plainGiven = false
        for k in from..<to where tokens[k].shape == .allCaps || tokens[k].shape == .capitalised {
            let f = tokens[k].flags
            if tokens[k].shape == .allCaps {
                capsSurname = f & Flag.surname != 0 && tokens[k].end - tokens[k].start >= 2 // "John SMITH" too
            } else if f & Flag.given != 0, f & Flag.word == 0 {
                plainGiven = true
            }
        }
        return capsSurname && plainGiven
    }

    /// A personal pronoun later in the clause (his, her, he, she, him …, within 48 bytes and before a sentence's end): what
    /// the words before it name is a person ("Mirela Dragomir wants to change her plan"); firms are "it" and "their".
    static func pronounAfter(_ b: Bytes, _ end: Int) -> Bool {
        var k = end
        let limit = min(b.count, end + 48)
        while k < limit {
            let c = b[k]
            if c == 0x2E || c == 0x21 || c == 0x3F || c == 0x3B || c == 0x0A { return false }
            guard ASCII.isLower(c), !ASCII.isAlpha(b[k - 1]) else { k += 1; continue }
            var e = k + 1
            while e < b.count, ASCII.isAlpha(b[e]) { e += 1 }
            if e - k <= 7 {
                for pronoun: StaticString in ["his", "her", "he", "she", "him", "himself", "herself", "hers"]
                where ASCII.equals(b, k, e, pronoun) { return true }
            }
            k = e
        }
        return false
    }

    /// "… is the new product manager", "… was our lead engineer": the words before are a person holding a role. After
    /// "is", "was", "becomes" or "became", a role noun among the next five words, before any punctuation.
    static func roleAfter(_ b: Bytes, _ end: Int) -> Bool {
        guard end + 1 < b.count, b[end] == 0x20, ASCII.isLower(b[end + 1]) else { return false }
        var e = end + 1
        while e < b.count, ASCII.isAlpha(b[e]) { e += 1 }
        guard ASCII.equals(b, end + 1, e, "is") || ASCII.equals(b, end + 1, e, "was") || ASCII.equals(b, end + 1, e, "becomes")
            || ASCII.equals(b, end + 1, e, "became") else { return false }
        var k = e
        for _ in 0..<5 {
            guard k + 1 < b.count, b[k] == 0x20, ASCII.isLower(b[k + 1]) else { return false }
            var w = k + 1
            while w < b.count, ASCII.isAlpha(b[w]) { w += 1 }
            for role: StaticString in ["manager", "director", "engineer", "developer", "designer", "analyst", "consultant", "lawyer",
                                       "attorney", "doctor", "nurse", "teacher", "student", "officer", "president", "founder",
                                       "cofounder", "ceo", "cto", "cfo", "coo", "intern", "assistant", "secretary", "accountant",
                                       "architect", "administrator", "coordinator", "specialist", "supervisor", "recruiter", "editor",
                                       "researcher", "scientist", "professor", "lecturer", "chairman", "chairwoman", "treasurer",
                                       "spokesperson", "spokesman", "spokeswoman", "head", "lead", "owner", "landlord", "tenant"]
            where ASCII.equals(b, k + 1, w, role) { return true }
            k = w
        }
        return false
    }

    /// Assistants and languages named like people ("Claude opened a pull request", "Julia compiled it"): a verb after
    /// them says nothing about a person.
    static func isAssistantName(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for name: StaticString in ["claude", "alexa", "siri", "cortana", "julia", "jasper", "ada", "pascal", "devin", "jarvis", "gemini"]
        where ASCII.equals(b, from, to, name) { return true }
        return false
    }

    /// A verb right before `start` whose object is a person, not a firm: "I met Siosaia Taufa", "please ask Tavita Leota".
    static func personOnlyVerbBefore(_ b: Bytes, _ start: Int) -> Bool {
        guard start >= 2, b[start - 1] == 0x20, ASCII.isLower(b[start - 2]), let (ws, we) = wordBefore(b, start), we == start - 1 else {
            return false
        }
        for verb: StaticString in ["met", "meet", "ask", "asked", "tell", "told", "thank", "thanked", "invite", "invited", "ping"]
        where ASCII.equals(b, ws, we, verb) { return true }
        return false
    }

    /// An initial with its full stop ("J.") among `tokens[from..<to]`.
    static func initialBefore(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, from: Int, to: Int) -> Bool {
        for k in from..<to where tokens[k].shape == .initial && tokens[k].end < b.count && b[tokens[k].end] == 0x2E { return true }
        return false
    }

    /// A job title or a team run into the name ("the CIO Sarah Lee approved", "Security Manager Amal Haddad"): when the
    /// run as a whole is no name, its tail from the first given name that is no ordinary word, two words or more, is
    /// weighed alone, with the word before it as its cue.
    static func evaluateTail(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int) -> (Int, Int)? {
        // A sentence opened by an ordinary word before a given name that acts or owns: "Is Hiroshi's visa still valid?",
        // "Did Aisha sign the form?"; not a place word ("Lake Louise is colder").
        if count == 2, tokens[0].shape == .capitalised, tokens[0].flags & (Flag.name | Flag.word | Flag.cue | Flag.suffix) == Flag.word,
           tokens[1].shape == .capitalised, tokens[1].flags & (Flag.given | Flag.word | Flag.stop) == Flag.given,
           !isAssistantName(b, tokens[1].start, tokens[1].end),
           tokens[1].possessive || verbAfter(b, tokens[1].end) && !auxiliaryAfter(b, tokens[1].end) {
            // Not any "-ed" ("Has Cassandra compacted the table?") nor an auxiliary ("Currently Del can be used").
            return (tokens[1].start, tokens[1].end)
        }
        guard count >= 3, !isSaint(b, tokens[0].start, tokens[0].end) else { return nil } // "Santa Maria Maggiore"
        // An ordinary word before initials and a surname: "Per T.J. O'Sullivan, the budget …".
        if tokens[0].shape == .capitalised, tokens[0].flags & (Flag.word | Flag.cue | Flag.title) == Flag.word, tokens[1].shape == .initial {
            return evaluate(b, UnsafeMutableBufferPointer(rebasing: tokens[1..<count]), count - 1)
        }
        for k in 1..<(count - 1) {
            let f = tokens[k].flags
            guard tokens[k].shape == .capitalised, f & Flag.given != 0, f & (Flag.word | Flag.stop) == 0 else { continue }
            // The tail is the name and nothing else: names or unlisted words, the last a surname or unlisted
            // ("Visit Lake Louise Alberta", "St Mary Magdalene Church" stay clean).
            guard count - k <= 3 else { return nil }
            for j in (k + 1)..<count {
                let g = tokens[j].flags
                // A surname that is also a word may end the tail in a possessive: "Send Linnea Berg's welcome pack".
                let possessiveSurname = j == count - 1 && tokens[j].possessive && g & Flag.surname != 0
                guard tokens[j].shape == .capitalised, g & (Flag.stop | Flag.suffix | Flag.title | Flag.cue) == 0,
                      g & Flag.word == 0 || possessiveSurname else { return nil }
            }
            guard tokens[count - 1].flags & Flag.surname != 0 || tokens[count - 1].flags == 0 else { return nil }
            return evaluate(b, UnsafeMutableBufferPointer(rebasing: tokens[k..<count]), count - k)
        }
        return nil
    }

    /// A place or a firm run into the end of the name ("Meeting with Maria Garcia London office"): when the run as a whole
    /// is no name, it is weighed again without its trailing stop words, if two words or more are left.
    static func evaluateHead(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int) -> (Int, Int)? {
        var kept = count
        while kept > 0, tokens[kept - 1].flags & Flag.stop != 0 { kept -= 1 }
        guard kept < count, kept >= 2 else { return nil }
        return evaluate(b, tokens, kept)
    }

    /// How many words of the run come before a job title written after the name ("Igor Shevchenko CTO", "Yaw Darko Site
    /// Engineer", "Jana Krüger Projektleiterin"): the title and the ordinary words before it are left out, if two words or
    /// more are left.
    static func beforeJobTitle(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int) -> Int? {
        guard count >= 3, let job = (2..<count).first(where: { JobTitleWords.contains(b, tokens[$0].start, tokens[$0].end) }) else {
            return nil
        }
        var kept = job
        while kept > 2, tokens[kept - 1].flags & (Flag.word | Flag.name) == Flag.word { kept -= 1 }
        return kept
    }

    /// The span of the name in the run, or nil when the evidence does not add up.
    static func evaluate(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int) -> (Int, Int)? {
        var evidence = 0, first = 0
        // Leading titles and cue words are evidence, not name ("Dear Mr. Smith", "Thanks Maria").
        while first < count {
            let t = tokens[first]
            guard t.shape == .capitalised || t.shape == .allCaps else { break }
            if t.flags & Flag.title != 0 {
                evidence = 3
            } else if t.flags & (Flag.cue | Flag.near) != 0, t.flags & Flag.name == 0 || t.flags & Flag.word != 0 {
                evidence = max(evidence, t.flags & Flag.cue != 0 ? 2 : 1)
            } else if first == 0, count > 2, tokens[1].flags & Flag.title != 0, tokens[1].shape == .capitalised,
                      isContactVerb(b, t.start, t.end) {
                // A verb of contact opening the sentence is no part of the name: "Called Mr. Souza", "Emailed Dr. Okafor"
                // ("The Lord Nelson", "Ordered Captain Morgan" stay clean).
            } else {
                break
            }
            first += 1
        }
        guard first < count else { return nil }
        // An ordinary word alone ("The", "Please"): no name, whatever comes before it.
        if count == 1, tokens[0].flags & (Flag.name | Flag.word) == Flag.word { return nil }
        if first == 0 { evidence = cueBefore(b, tokens[0].start) }
        var core = 0, names = 0, plainNames = 0, unknown = 0, words = 0, allCaps = 0
        var firstCore = -1, lastCore = -1, wordAt = -1, surnameSuffix = false
        for k in first..<count {
            let t = tokens[k]
            switch t.shape {
            case .particle, .initial: continue
            case .camel, .lower: return nil
            case .capitalised, .allCaps: break
            }
            let f = t.flags
            if f & Flag.suffix != 0, f & Flag.surname != 0, k == count - 1, k > first {
                surnameSuffix = true // "Hyun-woo Park" but not "Victoria Park": decided below by the given name
            } else if f & Flag.suffix != 0, f & Flag.surname != 0, k == first, count == first + 2,
                      tokens[k + 1].flags & (Flag.given | Flag.word) == Flag.given, ASCII.equals(b, t.start, t.end, "park") {
                // Surname first, as Koreans write it: "Park Ji-woo", "Park Min-jun"; "Park Lane" is a street, "Lake Louise" a
                // place (Park is the one Korean surname that is also a place word).
            } else if f & Flag.suffix != 0, f & Flag.surname != 0, evidence == 3, k == first, k == count - 1 {
                // A title and a lone surname that also ends street names: "Dear Mr. Park", "Mrs. Lane called".
            } else if f & (Flag.stop | Flag.suffix | Flag.title) != 0 {
                return nil
            }
            if f & Flag.cue != 0, f & Flag.name == 0 { return nil }
            if firstCore < 0 { firstCore = k }
            lastCore = k
            core += 1
            if t.shape == .allCaps { allCaps += 1 }
            if f & Flag.name != 0 {
                names += 1
                if f & Flag.word == 0 { plainNames += 1 }
            } else if f & Flag.word != 0 {
                words += 1
                wordAt = k
            } else {
                unknown += 1
            }
        }
        guard core > 0, core <= 4 else { return nil }
        // "Ben & Jerry's", "Johnson & Johnson": a firm's name.
        let start = tokens[first].start, end = tokens[count - 1].end
        if start >= 2, b[start - 2] == 0x26 || end + 1 < b.count && b[end + 1] == 0x26 { return nil }
        let head = tokens[firstCore].flags
        let plainGiven = head & Flag.given != 0 && head & Flag.word == 0
        // A relative before the run vouches for a given name only: "my son Jordan", not "My son Roblox account was hacked".
        if evidence == 2, first == 0, head & Flag.given == 0, relativeBefore(b, tokens[0].start) { evidence = 0 }
        if surnameSuffix, !plainGiven { return nil }
        // Two words that are no ordinary English word (or three: "Hodan Abdi Warsame called", "Faduma Yusuf Jama emailed"),
        // at least one of them a name no list holds or both surnames, then a
        // verb firms do not do or a personal pronoun ("Siosaia Taufa replied", "I met Tavita Leota", "Aslan Zhakupov
        // emailed", "Mirela Dragomir wants to change her plan"; "Deutsche Telekom said" and "Rakuten Viber changed
        // their logo" stay clean).
        // Looked at last, only when nothing else accepted the run (the pronoun search reads up to 48 bytes).
        func pairActs() -> Bool {
            (core == 2 || core == 3 && unknown >= 1) && words == 0 && allCaps == 0 && (unknown > 0 || plainNames == 2)
                && (personOnlyVerbAfter(b, tokens[count - 1].end) || personOnlyVerbBefore(b, tokens[first].start)
                    || pronounAfter(b, tokens[count - 1].end) || roleAfter(b, tokens[count - 1].end))
        }
        let accepted: Bool
        if words > 0 {
            // One ordinary word after a name ("Marie Curie", "Grace Hopper") needs a cue: headings are full of them.
            guard words == 1, wordAt != firstCore, allCaps == 0 else { return nil }
            accepted = evidence >= 2 && (head & Flag.word == 0 || head & Flag.given != 0)
                || plainGiven && (evidence == 1 || isMidSentence(b, tokens[first].start) || cueAfter(b, tokens[count - 1].end)
                    || tokens[count - 1].possessive && tokens[count - 1].flags & Flag.surname != 0)
            // "Marie Curie's contributions": headings rarely hold a possessive (the word a listed surname too: not "Mario Party's")
        } else if allCaps > 0 {
            // Acronyms are not names; "JOHN SMITH" is, and so is a surname written in capitals beside a given name, as
            // French forms and passports write it ("Jean DUPONT", "WANG Wei", "GARCIA Maria Elena"; not "IBM Watson").
            accepted = allCaps == core && names == core && (core >= 2 && plainNames >= 1 || evidence >= 2)
                || allCaps == 1 && names == core && core >= 2 && core <= 3 && surnameInCapitalsBesideGiven(tokens, from: first, to: count)
                // Forms print names in capitals after their label: "NAME: TUNDE BAKARE", "Authorised signatory: SRI WAHYUNI".
                // Two or three words, none an ordinary word (so not "Status: ACTIVE ACCOUNT"), one of four letters or more.
                || allCaps == core && core >= 2 && core <= 3 && evidence == 2 && hasLongWord(tokens, from: first, to: count)
        } else if core == 1 {
            let t = tokens[firstCore]
            if evidence >= 2 {
                // "Hi Will", "Dear Rose", "Dear J. Smith"; but not "Hello World" (a surname that is also a word).
                accepted = head & Flag.word == 0 || head & Flag.given != 0 || evidence == 3
                    || head & Flag.surname != 0 && initialBefore(b, tokens, from: first, to: firstCore)
            } else if head & Flag.given != 0, head & (Flag.stop | Flag.suffix) == 0, teamAfter(b, tokens[count - 1].end),
                      !isAssistantName(b, t.start, t.end) {
                accepted = true // "Chase from accounts said …", "Grace from HR" (a listed given name: not "Okta from IT")
            } else if head & Flag.given != 0, head & Flag.word != 0, whoAfter(b, tokens[count - 1].end) || relationAfter(b, tokens[count - 1].end) {
                accepted = true // "my grandmother, Hope, who can't use email", "Jordan is my son"
            } else if head & Flag.given != 0 && head & Flag.word == 0 {
                accepted = evidence == 1 || t.possessive || isMidSentence(b, tokens[first].start) || cueAfter(b, tokens[count - 1].end)
                    || isAddressedAtStart(b, tokens[first].start, tokens[count - 1].end) && !isAssistantName(b, t.start, t.end)
                    || actedAfter(b, tokens[count - 1].end) && !isAssistantName(b, t.start, t.end)
                    || addressedAfter(b, tokens[count - 1].end) && !isAssistantName(b, t.start, t.end)
            } else {
                // An initial and a surname: "R. Okafor", "by M. Garcia"; one that is also a word ("J. Smith") needs a cue.
                accepted = head & Flag.surname != 0 && initialBefore(b, tokens, from: first, to: firstCore)
                    && (head & Flag.word == 0 || evidence == 1 || cueAfter(b, tokens[count - 1].end))
                    // Initials and a surname no list holds, before a verb: "J.K. Rowling signed copies", "H.R. Giger painted".
                    || head == 0 && initialBefore(b, tokens, from: first, to: firstCore) && (evidence == 1 || verbAfter(b, tokens[count - 1].end)
                        || actedAfter(b, tokens[count - 1].end))
            }
        } else if unknown == 0 {
            // Names that are all also words ("Will Brown", "Service Hours") need a title, or a cue and a given name first.
            // Two surnames and no given name ("Baker Hughes", "Price Waterhouse") is more often a firm.
            let anyGiven = head & Flag.given != 0 || tokens[lastCore].flags & Flag.given != 0
            // "Tom Baker called", "Will Smith said": a given name, a surname and a verb people do after them (looked at last).
            // Two surnames, the second told by its ending ("Levan Beridze", "Nino Kapanadze"): firms are rarely named so.
            let endingPair = core == 2 && plainNames == 2 && tokens[lastCore].flags & Flag.byEnding != 0
            accepted = plainNames >= 1 && (anyGiven || evidence >= 1) || evidence == 3 || evidence == 2 && head & Flag.given != 0
                || endingPair
                || core == 2 && head & Flag.given != 0 && tokens[lastCore].flags & Flag.surname != 0
                && (cueAfter(b, tokens[count - 1].end) || pronounAfter(b, tokens[count - 1].end))
                || pairActs()
        } else {
            let last = tokens[lastCore].flags
            // An unlisted given name before a surname that is also a word takes a weak cue after a word that concerns a
            // person: "the package for Hemi Walker", "Reported by Wooseok Sung"; not "moving to Hetzner Cloud", "Payment
            // for Zomato Gold".
            accepted = evidence >= 2 || (head & Flag.given != 0 && head & Flag.word == 0)
                || (unknown == 1 && last & Flag.surname != 0
                    && (last & Flag.word == 0 || evidence == 1 && core == 2 && head == 0 && personalCueBefore(b, tokens[first].start)))
                || pairActs()
        }
        return accepted ? (tokens[first].start, tokens[count - 1].end) : nil
    }

    /// A value under a name key (`"full_name": "ada lovelace"`): the whole text is 1–4 words of letters
    /// (capitalised or all lower case, initials allowed), at least one a gazetteer name, none an ordinary word.
    static func scanField(_ b: Bytes, into sink: inout PIISink) -> Bool {
        guard let (from, to) = fieldName(b) else { return false }
        sink.report(.personName, from, to)
        return true
    }

    /// Where the name is when the whole of `b` (trimmed) is one, as `scanField` judges it.
    static func fieldName(_ b: Bytes) -> (Int, Int)? {
        var from = 0, to = b.count
        while from < to, b[from] == 0x20 { from += 1 }
        while to > from, b[to - 1] == 0x20 { to -= 1 }
        guard to > from, to - from <= 64 else { return nil }
        var p = from, core = 0, names = 0, givenOrPlain = 0, lower = 0, capital = 0
        while p < to {
            guard isLetter(b[p]) else { return nil }
            let e = min(wordEnd(b, p), to)
            guard e > p, e - p <= maxWord else { return nil }
            if e - p == 1, e < to, b[e] == 0x2E { // an initial
                p = e + 1
            } else {
                let s = shape(b, p, e)
                let f = NameGazetteer.flags(b, p, e)
                if s == .particle && f & Flag.particle != 0 && core > 0 {
                    p = e
                } else {
                    guard s != .camel, f & (Flag.stop | Flag.suffix | Flag.title | Flag.cue) == 0 else { return nil }
                    if s == .particle { lower += 1 } else { capital += 1 }
                    core += 1
                    if f & Flag.name != 0 {
                        names += 1
                        if f & Flag.given != 0 || f & Flag.word == 0 && s != .particle { givenOrPlain += 1 }
                    } else if f & Flag.word != 0 {
                        return nil // "Quarterly Report", "default"
                    }
                    p = e
                }
            }
            if p < to {
                guard b[p] == 0x20, p + 1 < to, b[p + 1] != 0x20 else { return nil }
                p += 1
            }
        }
        guard core >= 1, core <= 4, lower == 0 || capital == 0, names >= 1 else { return nil }
        guard core >= 2 || givenOrPlain == 1 else { return nil }
        return (from, to)
    }
}

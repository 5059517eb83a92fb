/// Names written in lower case, as chat is: "hi, i'm priya sharma", "my name is john",
/// "talked to alessia gallo yesterday". In text with more than two capitals (prose
/// capitalises its names, and PersonNameRecognizer reads those) only a full name of two
/// words, neither an ordinary word ("Please ask maria garcia from HR"). Only right after a
/// word that introduces a person: a greeting, "name is", "i'm", "this is", "ask", "cc", "attn", "patient", "contact", "user",
/// "customer", "client", "employee", "member", "guest", "tenant", a title, a
/// verb that takes a person and its "to"/"with"/"by". The words after it must be names
/// in the gazetteer: first a given name that is no ordinary word (after a title, a
/// surname will do), then up to two more given names or surnames.
enum LowercaseNameRecognizer {
    typealias Bytes = ASCII.Bytes
    typealias Flag = NameGazetteer.Flag

    /// What the word before a candidate says: nothing, a person follows, or a title (a surname alone will do); or, for
    /// "said", "says", "told", "replied", that the word before it may be the person who spoke ("ok so priya said she'd").
    /// `introduction`: "its", "soy", "sono" … before a name; they also come before adjectives that are names ("sono felice"),
    /// so a name after them must end the clause ("ciao sono luca, …").
    /// `fullName`: "for", which comes before a full name as often as before anything else, so two words, each a name.
    enum Cue { case none, person, title, reported, introduction, fullName }

    /// The words `cueOf` knows of two to seven letters (the test rebuilds `cueShapes` from them; `mayBeCue` tests the two
    /// of eight itself).
    static let cueWords: [StaticString] = cueEntries.map(\.word).filter { $0.utf8CodeUnitCount <= 7 }

    /// Bit `32 · length + first letter` of each cue word (lengths 2–7): most words fail this one test, and the text
    /// is read a space-separated token at a time, so it runs for every word. Constants, not a table built at first
    /// use: a lazily built global costs a once-check per access.
    static let cueShapes0: UInt64 = 0x0, cueShapes1: UInt64 = 0x4_11A5_0008_118F, cueShapes2: UInt64 = 0x10_20C5_005C_B189
    static let cueShapes3: UInt64 = 0x2_8086_000C_3325

    /// Builds the bitmap from a word list (for the test that keeps the constants honest).
    static func shapes(of words: [StaticString]) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: 4)
        for word in words {
            let key = (word.utf8CodeUnitCount & 7) << 5 | Int(word.utf8Start[0] &- 97) & 31
            bits[key >> 6] |= 1 << UInt64(key & 63)
        }
        return bits
    }

    @inline(__always) static func mayBeCue(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
        let length = e - s
        if length == 8 { return b[s] | 0x20 == 0x63 || b[s] | 0x20 == 0x65 } // "customer", "employee"
        guard length >= 2, length <= 7 else { return false }
        let key = length << 5 | Int(b[s] | 0x20 &- 97) & 31
        let word = key >> 6 == 0 ? cueShapes0 : key >> 6 == 1 ? cueShapes1 : key >> 6 == 2 ? cueShapes2 : cueShapes3
        return word >> UInt64(key & 63) & 1 != 0
    }

    /// `strict`: the text capitalises elsewhere, so a lower-case name is rarer there and needs two words, each a name
    /// and neither an ordinary word ("please ask maria garcia from HR", not "ask will smith").
    static func scan(_ b: Bytes, strict: Bool = false, into sink: inout PIISink) {
        let n = b.count
        var prev = (start: 0, end: 0), i = 0
        while i < n {
            let tokenEnd = nextSpace(b, i)
            // The word inside the token: "hi," → "hi", "(anna" → "anna".
            var s = i, e = tokenEnd
            while s < e, !ASCII.isAlpha(b[s]), b[s] &- 0xC3 > 2 { s += 1 } // a Latin-1 or Latin Extended-A letter starts a word: "är"
            while e > s, !ASCII.isAlpha(b[e - 1]) { e -= 1 }
            if e > s {
                if mayBeCue(b, s, e) {
                    let cue = cueOf(b, (s, e), prev, colonAfter: e < tokenEnd && b[e] == 0x3A)
                    if cue == .reported {
                        if !strict, speaker(b, prev, before: s) {
                            sink.report(.personName, prev.start, prev.end)
                            if !sink.wants(.personName) { return }
                        }
                    } else if cue != .none, let (nameStart, nameEnd) = name(b, after: e, cue: cue, strict: strict || cue == .fullName),
                              cue != .introduction || endsClause(b, nameEnd), !EponymousFirms.contains(b, nameStart, nameEnd) {
                        sink.report(.personName, nameStart, nameEnd)
                        if !sink.wants(.personName) { return }
                        i = nameEnd
                        prev = (0, 0)
                        continue
                    }
                }
                prev = (s, e)
            }
            i = tokenEnd + 1
        }
    }

    /// One space after `p`, a lower-case surname that is no ordinary word ("grace o'malley", "mark jensen").
    static func surnameFollows(_ b: Bytes, _ p: Int) -> Bool {
        guard p + 1 < b.count, b[p] == 0x20, ASCII.isLower(b[p + 1]) else { return false }
        var e = p + 1
        while e < b.count, ASCII.isLower(b[e]) || b[e] >= 0x80 || (b[e] == 0x27 || b[e] == 0x2D) && e + 1 < b.count && ASCII.isLower(b[e + 1]) {
            e += 1
        }
        let f = NameGazetteer.flags(b, p + 1, e)
        return f & Flag.surname != 0 && f & (Flag.word | Flag.stop | Flag.given) == 0
    }

    /// The name ending at `end` ends its clause: the text's end or punctuation.
    @inline(__always) static func endsClause(_ b: Bytes, _ end: Int) -> Bool {
        guard end < b.count else { return true }
        let c = b[end]
        return c == 0x2C || c == 0x2E || c == 0x21 || c == 0x3F || c == 0x3A || c == 0x3B || c == 0x29 || c == 0x0A
    }

    /// The next space at or after `from` (or the end), eight bytes at a time.
    @inline(__always) static func nextSpace(_ b: Bytes, _ from: Int) -> Int {
        var i = from
        let ones: UInt64 = 0x0101_0101_0101_0101, spaces = ones &* 0x20, highs = ones &* 0x80
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= b.count {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ spaces
                let hit = (x &- ones) & ~x & highs // the lowest set bit is exact
                if hit != 0 { return i + hit.littleEndian.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < b.count, b[i] != 0x20 { i += 1 }
        return i
    }

    /// Whether the word `w` (after `prev`) introduces a person.
    static func cueOf(_ b: Bytes, _ w: (start: Int, end: Int), _ prev: (start: Int, end: Int), colonAfter: Bool) -> Cue {
        func was(_ word: StaticString) -> Bool { prev.end > prev.start && ASCII.equals(b, prev.start, prev.end, word) }
        switch cueTable.code(b, w.start, w.end) {
        case CueCode.person: return .person
        case CueCode.introduction: return .introduction
        case CueCode.title: return .title
        case CueCode.reported: return .reported
        case CueCode.am: return was("i") ? .person : .none
        case CueCode.is: return was("name") || was("this") ? .person : .none
        case CueCode.afterVerb: return PersonNameRecognizer.isPersonVerb(b, prev.start, prev.end) ? .person : .none // "talked to", "met with"
        case CueCode.name: return colonAfter ? .person : .none // "name: john"
        case CueCode.fullName: return .fullName // "dob 1990-04-05 for lukas novák"
        default: return .none
        }
    }

    /// What a cue word means; some only with the word before it or a colon after it.
    enum CueCode {
        static let person: UInt8 = 1, title: UInt8 = 2, reported: UInt8 = 3, am: UInt8 = 4, `is`: UInt8 = 5, afterVerb: UInt8 = 6
        static let name: UInt8 = 7, introduction: UInt8 = 8, fullName: UInt8 = 9
    }

    /// The cue words with their meanings. "remind me to text maria", "ping chidi about it", "my wife priya"; not
    /// "email" (it comes before an address's local part as often: "email jane at example.com"), nor "call", "son", "mum"
    /// or "dad": each word here widens `mayBeCue`, and those share their length and first letter with "case", "code",
    /// "she", "see", "may", "day".
    static let cueEntries: [(word: StaticString, code: UInt8)] =
        ["hi", "im", "cc", "hey", "i'm", "ask", "dear", "hiya", "attn", "user", "mama", "papa", "tell", "text", "ping", "wife", "hello",
         "named", "guest", "aunty", "uncle", "thanks", "cheers", "name's", "client", "member", "tenant", "auntie", "called", "sister",
         "cousin", "friend", "patient", "contact", "husband", "brother", "customer", "employee"].map { ($0, CueCode.person) }
            // Introductions in chat: "hey its kayla jones, …", "hola soy alejandro, …", "ciao sono luca, …", "yo c'est kevin, …",
            // "salut je suis manon.", "cześć jestem ola!", "hallo, hier ist jan meyer, …", "hej det är elin, …".
            + ["its", "it's", "it\u{2019}s", "soy", "sono", "c'est", "sou", "suis", "jestem", "ist", "\u{E4}r"].map { ($0, CueCode.introduction) }
            + ["mr", "ms", "dr", "mrs", "prof"].map { ($0, CueCode.title) }
            + ["said", "says", "told", "replied", "here"].map { ($0, CueCode.reported) } // "ok so priya said", "jisoo here"
            + [("am", CueCode.am), ("is", CueCode.is), ("to", CueCode.afterVerb), ("by", CueCode.afterVerb), ("with", CueCode.afterVerb),
               ("name", CueCode.name), ("for", CueCode.fullName)]

    static let cueTable = ShortWordTable(cueEntries)

    /// The word `w` right before a reporting verb (one space between) is a lower-case given name of three letters or
    /// more that is no ordinary word, no assistant's name and not after a determiner: "priya said", "kwabena says";
    /// "she said", "mark said" (a word), "claude said", "my lola said" are not.
    static func speaker(_ b: Bytes, _ w: (start: Int, end: Int), before verb: Int) -> Bool {
        guard w.end - w.start >= 3, w.end + 1 == verb, b[w.end] == 0x20 else { return false }
        for k in w.start..<w.end where !ASCII.isLower(b[k]) { return false }
        let f = NameGazetteer.flags(b, w.start, w.end)
        guard f & Flag.given != 0, f & (Flag.word | Flag.stop | Flag.title | Flag.cue) == 0,
              !PersonNameRecognizer.isAssistantName(b, w.start, w.end) else { return false }
        // "my lola said", "the nana said": a relative or a thing, not a name.
        guard w.start >= 2, b[w.start - 1] == 0x20 else { return true }
        var s = w.start - 1
        while s > 0, ASCII.isAlpha(b[s - 1]) { s -= 1 }
        for word: StaticString in ["the", "my", "our", "your", "his", "her", "their", "a", "an"] where ASCII.equals(b, s, w.start - 1, word) {
            return false
        }
        return true
    }

    /// The name starting at the next word after `from` (across spaces, a comma, a colon or a title's dot), or nil.
    static func name(_ b: Bytes, after from: Int, cue: Cue, strict: Bool = false) -> (Int, Int)? {
        let n = b.count
        var k = from
        while k < n, k - from < 3, b[k] == 0x20 || b[k] == 0x2C || b[k] == 0x3A || b[k] == 0x2E && cue == .title { k += 1 }
        guard k < n, k > from, ASCII.isLower(b[k]) else { return nil }
        var end = -1, words = 0, p = k
        while words < 3 {
            let s = p
            while p < n, ASCII.isLower(b[p]) || b[p] >= 0x80 || (b[p] == 0x27 || b[p] == 0x2D) && p + 1 < n && ASCII.isLower(b[p + 1]) {
                p += 1
            }
            guard p > s, p - s <= PersonNameRecognizer.maxWord else { break }
            if p < n, ASCII.isUpper(b[p]) || ASCII.isDigit(b[p]) || b[p] == 0x40 || b[p] == 0x5F { break } // a token, not a word
            // "cc karthik.singh@…", "contact daan+billing at …": an address's local part.
            if p + 1 < n, b[p] == 0x2E || b[p] == 0x2B, ASCII.isAlnum(b[p + 1]) { break }
            let f = NameGazetteer.flags(b, s, p)
            if f & (Flag.stop | Flag.title | Flag.cue) != 0 { break }
            if words == 0 {
                let plainGiven = f & Flag.given != 0 && f & Flag.word == 0
                let plainSurname = f & Flag.surname != 0 && f & Flag.word == 0
                // A given name that is also a word counts before a surname that is none: "this is grace o'malley".
                guard plainGiven || cue == .title && plainSurname || f & Flag.given != 0 && surnameFollows(b, p) else { return nil }
            } else {
                guard f & Flag.name != 0, f & Flag.after == 0 else { break } // "anna and …", "anna will …"
                if strict, f & Flag.word != 0, f & Flag.surname == 0 { break } // a surname that is also a word ("john smith") counts
                if cue == .fullName, f & Flag.word != 0 { break } // after "for", not even that: code writes "for lang in …"
            }
            end = p
            words += 1
            guard p + 1 < n, b[p] == 0x20, ASCII.isLower(b[p + 1]) else { break }
            p += 1
        }
        if strict, words < 2 { return nil }
        return end > k ? (k, end) : nil
    }
}

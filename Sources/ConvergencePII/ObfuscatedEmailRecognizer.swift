/// E-mail addresses written to dodge scrapers: `jane [at] example [dot] com`,
/// `jane(at)example.com`, `jane[@]example.com`, `jane AT example DOT com`, `jane@example[.]com`, the
/// full-width `＠` and `．`. Plain `local@domain.tld` is `EmailRecognizer`'s.
///
/// A bracketed or full-width marker is a strong sign; a bare " at " is prose
/// far more often ("see you at noon", "visit us at example.com"), so it needs
/// a spelled-out dot, a local part no word has (`jane_doe`, `j.doe`), a mail
/// provider's domain or an e-mail cue before it, and never a common word as the
/// local part. A spelled-out " dot " must end in a well-known TLD.
enum ObfuscatedEmailRecognizer {
    typealias Bytes = ASCII.Bytes

    static func scan(_ b: Bytes, profile: ByteProfile, into sink: inout PIISink) {
        let n = b.count
        guard n >= 8 else { return }
        var domainsEnd = 0 // a marker inside a domain already read starts nothing (linear on "a at a at a …")
        // "at" in any bracket or between spaces: one of its two letters sits at an odd offset, so test every other byte.
        var i = 1
        while i < n {
            let c = b[i] | 0x20
            let t = c == 0x74 ? i : (c == 0x61 ? i + 1 : 0)
            if t >= 2, t + 1 < n, b[t - 1] | 0x20 == 0x61, b[t] | 0x20 == 0x74, isOpening(b[t - 2]), isClosing(b[t + 1]), t >= domainsEnd,
               let found = candidate(b, t, domainsEnd: &domainsEnd) {
                sink.report(.email, found.start, found.end)
                if !sink.wants(.email) { return }
            }
            i += 2
        }
        // "(arroba)", "[chiocciola]": the at sign as other languages name it, in brackets.
        if profile.has(ByteProfile.bracket) {
            domainsEnd = 0
            // The next '(' and the next '[', each searched for once per bracket of its own kind: linear.
            var paren = ASCII.next(0x28, in: b, from: 0), square = ASCII.next(0x5B, in: b, from: 0)
            while true {
                let k = min(paren, square)
                guard k < n else { break }
                if k >= domainsEnd, let close = bracketedWord(b, k), atWords.contains(b, k + 1, close),
                   let found = address(b, k, close + 1, .strong, domainsEnd: &domainsEnd) {
                    sink.report(.email, found.start, found.end)
                    if !sink.wants(.email) { return }
                }
                if k == paren { paren = ASCII.next(0x28, in: b, from: k + 1) } else { square = ASCII.next(0x5B, in: b, from: k + 1) }
            }
        }
        // '@' with an obfuscated dot after it, or the full-width ＠ (EF BC A0).
        guard profile.has(ByteProfile.at | ByteProfile.nonASCII) else { return }
        domainsEnd = 0
        for k in 2..<n where (b[k] == 0x40 || b[k] == 0xA0) && k >= domainsEnd && b[k - 1] != b[k] {
            if let found = candidate(b, k, domainsEnd: &domainsEnd) {
                sink.report(.email, found.start, found.end)
                if !sink.wants(.email) { return }
            }
        }
    }

    enum Strength { case bare, strong, plainAt }

    /// The address around a marker whose last byte is `b[i]`, or nil.
    static func candidate(_ b: Bytes, _ i: Int, domainsEnd: inout Int) -> (start: Int, end: Int)? {
        let n = b.count
        var markerStart: Int, markerEnd: Int, strength: Strength
        if b[i] == 0x40 {
            markerStart = i
            markerEnd = i + 1
            strength = .plainAt
            let spacedBefore = i > 0 && b[i - 1] == 0x20, spacedAfter = markerEnd < n && b[markerEnd] == 0x20
            if i > 0, markerEnd < n, b[i - 1] != 0x20, isBracketPair(b[i - 1], b[markerEnd]) {
                (markerStart, markerEnd, strength) = (i - 1, i + 2, .strong) // "jane[@]example.com"
            } else {
                if spacedBefore != spacedAfter { return nil } // "ping @channel": a mention
                if spacedBefore { (markerStart, markerEnd, strength) = (i - 1, i + 2, .strong) }
            }
        } else if b[i] == 0xA0 {
            guard i >= 2, b[i - 2] == 0xEF, b[i - 1] == 0xBC else { return nil }
            (markerStart, markerEnd, strength) = (i - 2, i + 1, .strong)
        } else {
            guard b[i - 1] | 0x20 == 0x61, i >= 2, i + 1 < n else { return nil }
            let open = b[i - 2], close = b[i + 1]
            if open == 0x20 && close == 0x20 {
                // Bare: "at" or "AT", not "At" (a sentence's first word) nor "aT".
                guard (b[i - 1] == 0x61 && b[i] == 0x74) || (b[i - 1] == 0x41 && b[i] == 0x54) else { return nil }
                (markerStart, markerEnd, strength) = (i - 2, i + 2, .bare)
            } else {
                guard isBracketPair(open, close) else { return nil }
                (markerStart, markerEnd, strength) = (i - 2, i + 2, .strong)
            }
        }
        return address(b, markerStart, markerEnd, strength, domainsEnd: &domainsEnd)
    }

    /// The address around the marker `b[markerStart..<markerEnd]`, or nil.
    static func address(_ b: Bytes, _ markerStart: Int, _ markerEnd: Int, _ strength: Strength, domainsEnd: inout Int)
        -> (start: Int, end: Int)?
    {
        let n = b.count
        var markerStart = markerStart, markerEnd = markerEnd
        // A bracketed marker may have spaces around it: "jane [at] example".
        if strength == .strong {
            if markerStart > 0, b[markerStart - 1] == 0x20, b[markerStart] != 0x20 { markerStart -= 1 }
            if markerEnd < n, b[markerEnd] == 0x20, b[markerEnd - 1] != 0x20 { markerEnd += 1 }
        }
        guard let local = localPart(b, end: markerStart) else { return nil }
        guard let domain = domain(b, from: markerEnd) else { return nil }
        domainsEnd = domain.end
        switch strength {
        case .plainAt:
            guard domain.obfuscatedDot else { return nil } // jane@example.com is EmailRecognizer's
        case .strong:
            break
        case .bare:
            guard !isCommonWord(ASCII.slice(b, local, markerStart)), domain.knownTLD else { return nil }
            guard domain.obfuscatedDot || hasNonLetter(b, local, markerStart) || isMailProvider(b, markerEnd)
                    || hasMailCue(b, before: local) else { return nil }
        }
        if domain.spelledDot, !domain.knownTLD { return nil }
        if isPlaceholder(b, local, markerStart, domainStart: markerEnd) { return nil }
        return (local, domain.end)
    }

    @inline(__always) static func isOpening(_ c: UInt8) -> Bool { c == 0x20 || c == 0x5B || c == 0x28 || c == 0x7B || c == 0x3C }
    @inline(__always) static func isClosing(_ c: UInt8) -> Bool { c == 0x20 || c == 0x5D || c == 0x29 || c == 0x7D || c == 0x3E }

    static func isBracketPair(_ open: UInt8, _ close: UInt8) -> Bool {
        (open == 0x5B && close == 0x5D) || (open == 0x28 && close == 0x29) || (open == 0x7B && close == 0x7D) || (open == 0x3C && close == 0x3E)
    }

    /// "dot" and "at" as other languages bracket them: "hola (arroba) panaderia (punto) com", "contact[at]site[point]fr".
    static let dotWords = WordSet("point punto ponto punkt kropka")
    static let atWords = WordSet("arroba chiocciola klammeraffe malpa")

    /// A template's address, both parts generic: "name [at] domain [dot] com", "vorname.nachname [at] firma [punkt] de".
    static func isPlaceholder(_ b: Bytes, _ local: Int, _ localEnd: Int, domainStart: Int) -> Bool {
        var d = domainStart
        while d < b.count, b[d] == 0x20 { d += 1 }
        var e = d
        while e < b.count, ASCII.isAlnum(b[e]) || b[e] == 0x2D { e += 1 }
        return placeholderLocals.contains(b, local, localEnd) && placeholderDomains.contains(b, d, e)
    }

    static let placeholderLocals = WordSet("""
        name username user yourname your.name firstname.lastname first.last vorname.nachname vorname nom prenom.nom \
        nombre nombre.apellido usuario utente nome nome.cognome local-part localpart
        """)
    static let placeholderDomains = WordSet("domain domaine dominio firma company empresa entreprise azienda example")

    /// A word of letters in brackets at `s` ("(punto)"): where its closing bracket is.
    static func bracketedWord(_ b: Bytes, _ s: Int) -> Int? {
        guard s < b.count, b[s] == 0x28 || b[s] == 0x5B else { return nil }
        var k = s + 1
        while k < b.count, k - s <= 12, ASCII.isLower(b[k]) { k += 1 }
        guard k < b.count, k > s + 1, isBracketPair(b[s], b[k]) else { return nil }
        return k
    }

    static func isLocalByte(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D }

    /// The local part ending at `end` (at most 64 bytes, a letter in it, no dot at either end): its start.
    static func localPart(_ b: Bytes, end: Int) -> Int? {
        var s = end
        while s > 0, end - s < 64, isLocalByte(b[s - 1]) { s -= 1 }
        guard s < end, s == 0 || !isLocalByte(b[s - 1]), b[s] != 0x2E, b[end - 1] != 0x2E else { return nil }
        for k in s..<end where ASCII.isAlpha(b[k]) { return s }
        return nil
    }

    static func hasNonLetter(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for k in from..<to where !ASCII.isAlpha(b[k]) { return true }
        return false
    }

    struct Domain {
        var end: Int
        var obfuscatedDot: Bool
        var spelledDot: Bool
        var knownTLD: Bool
    }

    /// Labels joined by dots, plain or obfuscated; two labels or more, the last alphabetic and two letters or more.
    static func domain(_ b: Bytes, from: Int) -> Domain? {
        let n = b.count
        var k = from, labels = 0, obfuscated = false, spelled = false
        var lastLabel = (start: 0, end: 0)
        while labels < 10 {
            let start = k
            while k < n, k - start < 63, ASCII.isAlnum(b[k]) || b[k] == 0x2D { k += 1 }
            guard k > start, b[start] != 0x2D, b[k - 1] != 0x2D else { break }
            labels += 1
            lastLabel = (start, k)
            guard let dot = dotMarker(b, k) else { break }
            if dot.kind != 0 { obfuscated = true }
            if dot.kind == 2 { spelled = true }
            k = dot.end
        }
        guard labels >= 2 else { return nil }
        let tld = ASCII.slice(b, lastLabel.start, lastLabel.end)
        guard tld.count >= 2, tld.allSatisfy(ASCII.isAlpha) else { return nil }
        return Domain(end: lastLabel.end, obfuscatedDot: obfuscated, spelledDot: spelled, knownTLD: isKnownTLD(tld))
    }

    /// A dot between labels at `k`: its end and kind (0 plain '.', 1 bracketed or full-width, 2 spelled " dot "),
    /// or nil when no label follows it.
    static func dotMarker(_ b: Bytes, _ k: Int) -> (end: Int, kind: Int)? {
        let n = b.count
        func label(_ at: Int) -> Bool { at < n && ASCII.isAlnum(b[at]) }
        if k < n, b[k] == 0x2E { return label(k + 1) ? (k + 1, 0) : nil }
        if k + 2 < n, b[k] == 0xEF, b[k + 1] == 0xBC, b[k + 2] == 0x8E { return label(k + 3) ? (k + 3, 1) : nil } // ．
        var s = k
        if s < n, b[s] == 0x20 { s += 1 }
        guard s + 2 < n else { return nil }
        var e = -1, kind = 1
        if isBracketPair(b[s], b[s + 2]), b[s + 1] == 0x2E {
            e = s + 3 // [.] (.) {.}
        } else if s + 4 < n, isBracketPair(b[s], b[s + 4]), ASCII.equals(b, s + 1, s + 4, "dot") {
            e = s + 5 // [dot] (dot) …
        } else if let word = bracketedWord(b, s), dotWords.contains(b, s + 1, word) {
            e = word + 1 // [point] (punto) (ponto) [punkt] (kropka)
        } else if s > k, s + 3 < n, b[s + 3] == 0x20, isDotWord(b, s) {
            e = s + 4 // " dot "
            kind = 2
            return label(e) ? (e, kind) : nil
        }
        guard e > 0 else { return nil }
        if e < n, b[e] == 0x20, s > k || b[e - 1] != 0x20 { e += 1 }
        return label(e) ? (e, kind) : nil
    }

    /// "dot" or "DOT" ("Dot" starts a sentence).
    static func isDotWord(_ b: Bytes, _ s: Int) -> Bool {
        (b[s] == 0x64 && b[s + 1] == 0x6F && b[s + 2] == 0x74) || (b[s] == 0x44 && b[s + 1] == 0x4F && b[s + 2] == 0x54)
    }

    static let tlds: [StaticString] = [
        "com", "net", "org", "edu", "gov", "mil", "int", "io", "co", "ai", "app", "dev", "me", "us", "uk", "de", "fr", "es", "it", "nl",
        "be", "ch", "at", "se", "no", "dk", "fi", "pl", "pt", "ie", "ru", "jp", "cn", "kr", "in", "au", "nz", "ca", "br", "mx", "za", "sg",
        "hk", "eu", "info", "biz", "xyz", "tech", "online", "site", "email", "cloud", "ly", "tv", "cz", "gr", "tw", "il", "ar", "cl",
        // Country codes that mail providers and national ISPs use ("fastmail.fm", "o2.pl", "seznam.cz", "yandex.ua").
        "fm", "ro", "hu", "tr", "ua", "sk", "si", "hr", "rs", "bg", "lt", "lv", "ee", "is", "lu", "id", "my", "ph", "th", "vn", "pk",
        "bd", "ng", "ke", "gh", "eg", "ma", "sa", "ae", "qa", "pe", "ve", "uy", "ec", "cc", "ws", "im", "li", "mail", "shop",
    ]

    static func isKnownTLD(_ t: Bytes) -> Bool {
        for tld in tlds where ASCII.equals(t, 0, t.count, tld) { return true }
        return false
    }

    /// Words that stand before " at <site>" in prose: "visit us at", "look at", "available at", "I work at".
    static let commonWords: [StaticString] = [
        "us", "me", "you", "him", "her", "them", "it", "we", "they", "i", "he", "she", "look", "looking", "looked", "looks",
        "available", "found", "located", "here", "there", "online", "live", "posted", "hosted", "published", "up", "in", "out",
        "more", "info", "details", "docs", "work", "works", "worked", "working", "is", "are", "was", "were", "be", "been",
        "apply", "register", "visit", "start", "started", "arrive", "arrived", "meet", "see", "find", "download", "buy",
        "order", "shop", "read", "stay", "stayed", "only", "now", "today", "site", "website", "page", "engineer", "intern",
        "team", "based", "hired", "sold", "listed", "home", "anytime", "directly", "or", "and", "free", "cheaper", "sale", "dot",
    ]

    static func isCommonWord(_ w: Bytes) -> Bool {
        for word in commonWords where ASCII.equals(w, 0, w.count, word) { return true }
        return false
    }

    static let providers: [StaticString] = [
        "gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "icloud", "aol", "protonmail", "proton", "gmx",
        "yandex", "mail", "zoho", "fastmail", "msn", "web", "posteo", "tutanota",
    ]

    /// The domain's first label (from `k`) is a mail provider's.
    static func isMailProvider(_ b: Bytes, _ k: Int) -> Bool {
        var e = k
        while e < b.count, e - k < 16, ASCII.isAlnum(b[e]) { e += 1 }
        for p in providers where ASCII.equals(b, k, e, p) { return true }
        return false
    }

    /// "mail" (e-mail, email, Mail), "contact", "reach", "write" in the 40 bytes before the local part.
    static func hasMailCue(_ b: Bytes, before s: Int) -> Bool {
        let from = max(0, s - 40)
        for k in from..<s {
            let c = b[k] | 0x20
            guard c == 0x6D || c == 0x63 || c == 0x72 || c == 0x77 else { continue }
            if ASCII.hasPrefix(b, at: k, "mail") || ASCII.hasPrefix(b, at: k, "contact") || ASCII.hasPrefix(b, at: k, "reach")
                || ASCII.hasPrefix(b, at: k, "write") { return true }
        }
        return false
    }
}

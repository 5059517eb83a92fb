/// Authors as papers and prompts about papers cite them: "Kovalenko et al. (2018)", "Okafor and Lindqvist (2019)",
/// "Abubakar & Lindholm [12]", "(Mbeki-Nkosi, 2017; …)", "Tkachenko, V. (2016)", "Rahmani, S., & Castellanos, P.".
/// A run of one or two capitalised words that are no ordinary word (unless also a surname: "Smith et al.") and no stop
/// word, after an optional capitalised word opening the sentence ("As Ferreira-Santos (2015) argues"). "et al.", an
/// initial after a comma, or a second author are enough; a year alone ("Petrosyan (2021)") only for a surname a list
/// or its ending knows: products have years too ("Kubernetes (2014)").
extension PersonNameRecognizer {
    static func citedAuthor(_ b: Bytes, _ tokens: UnsafeMutableBufferPointer<Token>, _ count: Int) -> (Int, Int)? {
        var first = 0
        if count >= 2, tokens[0].flags & (Flag.word | Flag.name) == Flag.word { first = 1 }
        guard count - first <= 2 else { return nil }
        var surname = false
        for k in first..<count {
            guard isAuthorWord(tokens[k]) else { return nil }
            surname = surname || tokens[k].flags & Flag.surname != 0
        }
        let start = tokens[first].start, end = tokens[count - 1].end
        switch citation(b, after: end) {
        case .strong: return (start, end)
        case .year: return surname ? (start, end) : nil
        case .reference, .none: break // "[12]" after one capitalised word is as often an index: "get List [3, 4]"
        }
        // "Okafor and Lindqvist (2019)", "Varga & Holt, 2018": a second author, then the citation.
        var k = end
        if ASCII.hasPrefix(b, at: k, " and ") { k += 5 } else if ASCII.hasPrefix(b, at: k, " & ") { k += 3 } else { return nil }
        guard k < b.count, ASCII.isUpper(b[k]) else { return nil }
        let e = wordEnd(b, k)
        let second = Token(start: k, end: e, flags: lookup(b, k, e))
        guard shape(b, k, e) == .capitalised, isAuthorWord(second), citation(b, after: e) != .none else { return nil }
        return (start, e)
    }

    enum Citation { case none, reference, year, strong }

    /// What follows an author: "et al", ", X." (initials, then what a reference list puts after them: "Fisher, N.I.,",
    /// "Wichura, M.J. (1988)"; not "à Nantes, M. Julien") (strong); " (2019", ", 2017)" (a year); " [12]" (a reference).
    static func citation(_ b: Bytes, after e: Int) -> Citation {
        if ASCII.hasPrefix(b, at: e, " et al") { return .strong }
        if e + 3 < b.count, b[e] == 0x2C, b[e + 1] == 0x20, ASCII.isUpper(b[e + 2]), b[e + 3] == 0x2E {
            var k = e + 4
            while k + 1 < b.count, ASCII.isUpper(b[k]), b[k + 1] == 0x2E { k += 2 }
            if k == b.count || b[k] == 0x2C || ASCII.hasPrefix(b, at: k, " (") || ASCII.hasPrefix(b, at: k, " &")
                || ASCII.hasPrefix(b, at: k, " and ") {
                return .strong
            }
        }
        if e + 3 < b.count, b[e] == 0x20, b[e + 1] == 0x5B, ASCII.isDigit(b[e + 2]) { return .reference }
        if e + 2 < b.count, b[e] == 0x20, b[e + 1] == 0x28, isCitedYear(b, e + 2) { return .year }
        if e + 2 < b.count, b[e] == 0x2C, b[e + 1] == 0x20, isCitedYear(b, e + 2) { return .year }
        return .none
    }

    /// A year as citations write it: four digits (1500–2099), then ")", ",", ";" or a letter and ")" ("2019a)").
    static func isCitedYear(_ b: Bytes, _ k: Int) -> Bool {
        guard k + 4 < b.count, let year = ASCII.decimal(b, k, k + 4), (1500...2099).contains(year) else { return false }
        let c = b[k + 4]
        return c == 0x29 || c == 0x2C || c == 0x3B || ASCII.isLower(c) && k + 5 < b.count && b[k + 5] == 0x29
    }

    @inline(__always) static func isAuthorWord(_ t: Token) -> Bool {
        guard t.shape == .capitalised, !t.possessive, t.flags & (Flag.stop | Flag.title | Flag.cue | Flag.suffix) == 0 else { return false }
        return t.flags & Flag.word == 0 || t.flags & Flag.surname != 0
    }
}

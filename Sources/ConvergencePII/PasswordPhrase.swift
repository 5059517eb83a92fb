/// "the wifi password is Tiger798!": a password said in prose, not assigned. A password
/// word (password, passwort, passcode, passphrase, passwd, mot de passe), within a few words
/// the verb that gives it ("is", "was", "ist", "est", "es"), then one token that looks like a
/// password: 6–64 bytes with a digit or a symbol, not a placeholder, or a passphrase of three
/// to eight words in quotes. "Your password is required", "password is 8 characters" and
/// "password is expired" have no such token.
enum PasswordPhrase {
    typealias Bytes = ASCII.Bytes

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        guard b.count >= 12 else { return }
        // Every password word holds "ss" (either case): only those places are worth a look.
        var i = 1
        while i < b.count {
            if b[i] | 0x20 == 0x73, b[i - 1] | 0x20 == 0x73, let span = phrase(b, around: i) {
                sink.report(.secret, span.start, span.end)
                if !sink.wants(.secret) { return }
                i = span.end
            }
            i += 1
        }
    }

    /// The password said after the password word around `b[at]`, if any.
    static func phrase(_ b: Bytes, around at: Int) -> (start: Int, end: Int)? {
        var start = at, end = at
        while start > 0, ASCII.isAlpha(b[start - 1]) { start -= 1 }
        while end < b.count, ASCII.isAlpha(b[end]) { end += 1 }
        guard isPasswordWord(b, start, end), !modifiesNoun(b, after: end) else { return nil }
        // The verb within 40 bytes, before any sentence or clause punctuation: "password for the guest network is …".
        var k = end
        while k < b.count, k - end <= 40 {
            let c = b[k]
            if c == 0x2E || c == 0x2C || c == 0x3B || c == 0x3A || c == 0x21 || c == 0x3F || c == 0x0A || c == 0x3D { return nil }
            if ASCII.isAlpha(c), !ASCII.isAlpha(b[k - 1]) {
                var w = k
                while w < b.count, ASCII.isAlpha(b[w]) { w += 1 }
                if isVerb(b, k, w) { return token(b, after: w) }
                k = w
            } else {
                k += 1
            }
        }
        return nil
    }

    /// A passphrase in quotes: `password is "correct horse battery staple"` — three to eight words of letters and
    /// digits, 12–64 bytes, the same quote closing it.
    static func passphrase(_ b: Bytes, openingAt q: Int) -> (start: Int, end: Int)? {
        let quote = b[q]
        var k = q + 1, words = 0, functionWords = 0, wordStart = -1
        while k <= b.count, k - q <= 65 {
            let c: UInt8 = k < b.count ? b[k] : 0
            if ASCII.isAlnum(c) || c >= 0x80 {
                if wordStart < 0 { wordStart = k }
            } else {
                if wordStart >= 0 {
                    words += 1
                    if isFunctionWord(b, wordStart, k) { functionWords += 1 }
                    wordStart = -1
                }
                if c == quote { break }
                guard c == 0x20 else { return nil }
            }
            k += 1
        }
        // Sentences quoted after "password is" ("one of the options below") hold function words; passphrases rarely two.
        guard k < b.count, b[k] == quote, (12...64).contains(k - q - 1), (3...8).contains(words), functionWords < 2 else { return nil }
        return (q + 1, k)
    }

    static func isFunctionWord(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for word: StaticString in ["the", "of", "a", "an", "to", "in", "on", "at", "by", "for", "with", "is", "are", "be", "your", "my",
                                   "our", "this", "that", "it", "not", "or", "and", "below", "above", "same", "as"]
        where ASCII.equals(b, from, to, word) { return true }
        return false
    }

    static func isPasswordWord(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        for word: StaticString in ["password", "passwort", "passcode", "passphrase", "passwd", "passe"]
        where ASCII.equals(b, from, to, word) {
            // "passe" only as French "mot de passe"; on its own it is an ordinary word.
            return to - from != 5 || (from >= 7 && ASCII.equals(b, from - 7, from - 1, "mot de") && b[from - 1] == 0x20)
        }
        return false
    }

    /// The password word names the kind of another noun, which the verb is about: "the password hashing algorithm is now
    /// Argon2id", "the password policy is …", "password length is 12".
    static func modifiesNoun(_ b: Bytes, after end: Int) -> Bool {
        guard end + 1 < b.count, b[end] == 0x20, ASCII.isLower(b[end + 1]) else { return false }
        var e = end + 1
        while e < b.count, ASCII.isAlpha(b[e]) { e += 1 }
        for noun: StaticString in ["hashing", "hash", "hashes", "algorithm", "policy", "policies", "length", "manager", "reset",
                                   "field", "strength", "expiry", "expiration", "requirement", "requirements", "rule", "rules",
                                   "format", "prompt", "file", "store", "storage", "database", "encryption", "complexity",
                                   "history", "limit", "attempts", "validation", "generator", "check", "salt", "scheme",
                                   "function", "change", "protection", "authentication", "login", "option", "setting", "settings"]
        where ASCII.equals(b, end + 1, e, noun) { return true }
        return false
    }

    static func isVerb(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        ASCII.equals(b, from, to, "is") || ASCII.equals(b, from, to, "was") || ASCII.equals(b, from, to, "ist")
            || ASCII.equals(b, from, to, "est") || ASCII.equals(b, from, to, "es")
    }

    /// The token after the verb (past "now", "still", "just" and one opening quote), if it looks like a password.
    static func token(_ b: Bytes, after verb: Int) -> (start: Int, end: Int)? {
        var v = verb
        while true {
            var s = v
            while s < b.count, s - v <= 2, b[s] == 0x20 { s += 1 }
            guard s > v, s < b.count else { return nil }
            var e = s
            while e < b.count, ASCII.isAlpha(b[e]) { e += 1 }
            if ASCII.equals(b, s, e, "now") || ASCII.equals(b, s, e, "still") || ASCII.equals(b, s, e, "just") {
                v = e
                continue
            }
            v = s
            break
        }
        if b[v] == 0x22 || b[v] == 0x27 || b[v] == 0x60 {
            if let quoted = passphrase(b, openingAt: v) { return quoted }
            v += 1
        }
        var end = v
        while end < b.count, b[end] > 0x20, b[end] != 0x22, b[end] != 0x27, b[end] != 0x60 { end += 1 }
        // A sentence's or clause's punctuation after it; a trailing '!' stays (hasDigitOrSymbol ignores it).
        while end > v, b[end - 1] == 0x2E || b[end - 1] == 0x2C || b[end - 1] == 0x3B || b[end - 1] == 0x29 || b[end - 1] == 0x3F { end -= 1 }
        guard (6...64).contains(end - v) else { return nil }
        let value = ASCII.slice(b, v, end)
        guard SecretRecognizer.hasDigitOrSymbol(value), !SecretRecognizer.isPlaceholder(value) else { return nil }
        return (v, end)
    }
}

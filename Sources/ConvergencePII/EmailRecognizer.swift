/// `local@domain.tld`: an RFC 5322 dot-atom local part (the common subset) and
/// a domain of two labels or more ending in an alphabetic TLD; accented Latin
/// letters count in both (internationalised addresses and domains).
enum EmailRecognizer {
    typealias Bytes = ASCII.Bytes

    static func isLocal(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D }
    static func isDomain(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2E || c == 0x2D }

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        for at in 0..<b.count where b[at] == 0x40 {
            var start = at
            while start > 0, isLocal(b[start - 1]) || isLatinLetter(b, start - 1) { start -= 1 }
            var end = at + 1
            while end < b.count, isDomain(b[end]) || isLatinLetter(b, end) { end += 1 }
            while end > at + 1, b[end - 1] == 0x2E || b[end - 1] == 0x2D { end -= 1 } // trailing punctuation
            guard start < at, end > at + 1, b[start] != 0x2E, b[at - 1] != 0x2E else { continue }
            // `https://token@host` and `postgres://user:pw@host` are URL credentials (the
            // secret recogniser reports them), not an address.
            if start > 0, b[start - 1] == 0x2F || (b[start - 1] == 0x3A && isURLUserInfo(b, before: start - 1)) { continue }
            guard isMailDomain(ASCII.slice(b, at + 1, end)) else { continue }
            // `git@github.com:org/repo.git`, `deploy@host:/srv/app`: an SSH or scp remote names a login on a host, not a mailbox.
            if end + 1 < b.count, b[end] == 0x3A, ASCII.isAlnum(b[end + 1]) || b[end + 1] == 0x2F || b[end + 1] == 0x7E { continue }
            sink.report(.email, start, end)
            if !sink.wants(.email) { return }
        }
    }

    /// A byte of a Latin letter beyond ASCII (U+00C0–U+017F: "josé@…", "info@müller.de"), lead or continuation; quotes,
    /// dashes and other punctuation outside ASCII end an address.
    @inline(__always) static func isLatinLetter(_ b: Bytes, _ k: Int) -> Bool {
        let c = b[k]
        if c >= 0xC3 && c <= 0xC5 { return k + 1 < b.count && b[k + 1] & 0xC0 == 0x80 && !isSign(c, b[k + 1]) }
        return c & 0xC0 == 0x80 && k > 0 && b[k - 1] >= 0xC3 && b[k - 1] <= 0xC5 && !isSign(b[k - 1], c)
    }

    /// × and ÷, the two signs among those letters.
    @inline(__always) static func isSign(_ lead: UInt8, _ next: UInt8) -> Bool { lead == 0xC3 && (next == 0x97 || next == 0xB7) }

    /// `scheme://user` ends at `colon`: "://" within the 64 bytes before it, no space between.
    static func isURLUserInfo(_ b: Bytes, before colon: Int) -> Bool {
        var k = colon - 1
        while k >= 2, colon - k <= 64, b[k] != 0x20 {
            if b[k] == 0x2F, b[k - 1] == 0x2F, b[k - 2] == 0x3A { return true }
            k -= 1
        }
        return false
    }

    /// Dot-separated labels, none empty, at least two, the last alphabetic and two letters or more.
    static func isMailDomain(_ d: Bytes) -> Bool {
        var lastDot = d.count - 1
        while lastDot >= 0, d[lastDot] != 0x2E { lastDot -= 1 }
        guard lastDot > 0, d.count - lastDot - 1 >= 2 else { return false }
        for k in (lastDot + 1)..<d.count where !ASCII.isAlpha(d[k]) { return false }
        guard d[0] != 0x2E else { return false }
        for k in 1..<lastDot where d[k] == 0x2E && d[k + 1] == 0x2E { return false }
        return true
    }
}

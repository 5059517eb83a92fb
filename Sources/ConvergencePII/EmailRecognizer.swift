/// `local@domain.tld`: an RFC 5322 dot-atom local part (the common subset) and
/// a domain of two labels or more ending in an alphabetic TLD.
enum EmailRecognizer {
    typealias Bytes = ASCII.Bytes

    static func isLocal(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D }
    static func isDomain(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2E || c == 0x2D }

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        for at in 0..<b.count where b[at] == 0x40 {
            var start = at
            while start > 0, isLocal(b[start - 1]) { start -= 1 }
            var end = at + 1
            while end < b.count, isDomain(b[end]) { end += 1 }
            while end > at + 1, b[end - 1] == 0x2E || b[end - 1] == 0x2D { end -= 1 } // trailing punctuation
            guard start < at, end > at + 1, b[start] != 0x2E, b[at - 1] != 0x2E else { continue }
            guard isMailDomain(ASCII.slice(b, at + 1, end)) else { continue }
            sink.report(.email, start, end)
            if !sink.wants(.email) { return }
        }
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

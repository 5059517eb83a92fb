import Glibc

/// IPv6 addresses: cheap shape checks, then inet_pton decides.
enum IPv6Recognizer {
    typealias Bytes = ASCII.Bytes

    static func isAddressByte(_ c: UInt8) -> Bool { ASCII.isHex(c) || c == 0x3A || c == 0x2E }

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        guard hasIPv6Colons(b) else { return }
        var i = 0
        while i < b.count {
            guard isAddressByte(b[i]), i == 0 || !(ASCII.isAlnum(b[i - 1]) || b[i - 1] == 0x3A) else { i += 1; continue }
            var end = i
            while end < b.count, isAddressByte(b[end]) { end += 1 }
            var tokenEnd = end
            while tokenEnd > i, b[tokenEnd - 1] == 0x2E { tokenEnd -= 1 } // a sentence's full stop
            let gluedAfter = end < b.count && (ASCII.isAlpha(b[end]) || b[end] == 0x5F)
            if !gluedAfter, isIPv6(ASCII.slice(b, i, tokenEnd)) {
                sink.report(.ipAddress, i, tokenEnd)
                if !sink.wants(.ipAddress) { return }
            }
            i = end // > i
        }
    }

    /// Every candidate has a "::" or seven colons; times (10:35:00) and labels ("note: …") have neither.
    static func hasIPv6Colons(_ b: Bytes) -> Bool {
        var colons = 0
        for k in 0..<b.count where b[k] == 0x3A {
            colons += 1
            if colons == 7 || (k > 0 && b[k - 1] == 0x3A) { return true }
        }
        return false
    }

    /// Two colons or more, eight groups or a `::`, some hex, then inet_pton.
    static func isIPv6(_ t: Bytes) -> Bool {
        guard t.count <= 45 else { return false } // INET6_ADDRSTRLEN - 1
        var colons = 0, hexDigits = 0, doubleColon = false
        for k in 0..<t.count {
            if t[k] == 0x3A {
                colons += 1
                if k > 0, t[k - 1] == 0x3A { doubleColon = true }
            } else if ASCII.isHex(t[k]) {
                hexDigits += 1
            }
        }
        guard colons >= 2, hexDigits >= 2, colons == 7 || doubleColon else { return false }
        return parses(t)
    }

    /// inet_pton wants a C string: copy the (at most 45-byte) candidate to the stack.
    static func parses(_ t: Bytes) -> Bool {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 46) { text in
            for k in 0..<t.count { text[k] = CChar(bitPattern: t[k]) }
            text[t.count] = 0
            var address = in6_addr()
            return inet_pton(AF_INET6, text.baseAddress!, &address) == 1
        }
    }
}

/// Runs of digits and separators: SSNs, IPv4 addresses, payment cards and phone
/// numbers. A run is cut into space-separated pieces and every window of one to
/// five pieces is classified (a run can hold a date and a phone side by side).
enum DigitRunRecognizer {
    typealias Bytes = ASCII.Bytes

    static func isRunByte(_ c: UInt8) -> Bool {
        ASCII.isDigit(c) || c == 0x20 || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29 || c == 0x2B
    }

    /// A run starts at a digit, '+' or '(' that does not continue a larger token
    /// (ids like `user_123`, versions, dates, paths, times).
    static func startsRun(_ b: Bytes, at i: Int) -> Bool {
        let c = b[i]
        guard ASCII.isDigit(c) || c == 0x2B || c == 0x28 else { return false }
        guard i > 0 else { return true }
        let p = b[i - 1]
        return !(ASCII.isAlnum(p) || p == 0x2E || p == 0x2D || p == 0x2F || p == 0x3A || p == 0x5F)
    }

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        var i = 0
        while i < b.count {
            // Only a digit, '+' or '(' starts anything here: skip the letters between, eight bytes a step.
            i = ASCII.nextDigit(b, from: i, or: 0x2B, 0x28)
            guard i < b.count else { return }
            guard startsRun(b, at: i) else {
                if ASCII.isDigit(b[i]), i > 0, let end = gluedCardOrSSN(b, at: i, into: &sink) { i = end } else { i += 1 }
                continue
            }
            var end = i
            while end < b.count, isRunByte(b[end]) { end += 1 }
            // A run glued to letters or more digits-with-other-symbols is part of a larger token (ids, hashes).
            var trimmedEnd = end
            while trimmedEnd > i, !ASCII.isDigit(b[trimmedEnd - 1]) && b[trimmedEnd - 1] != 0x29 { trimmedEnd -= 1 }
            // A ':' before a space or the end is punctuation ("from 10.0.0.7: denied"), not a token's.
            let gluedAfter = trimmedEnd == end && end < b.count
                && (ASCII.isAlpha(b[end]) || b[end] == 0x5F || b[end] == 0x2F
                    || (b[end] == 0x3A && end + 1 < b.count && b[end + 1] != 0x20 && b[end + 1] != 0x0A))
            // `10.0.0.7:8080` and `192.168.1.0/24`: a port or prefix length does not make the address part of a token.
            if trimmedEnd > i, !gluedAfter || isPortOrPrefixLength(b, at: end) {
                let dotted = trimmedEnd - i >= 7 && (b[i + 1] == 0x2E || b[i + 2] == 0x2E || b[i + 3] == 0x2E) // could be an address
                // A phone-shaped run right after a word naming another number is that number ("Order 312.448.9021").
                let otherNumber = trimmedEnd - i >= 10 && PhoneRecognizer.antiCueRightBefore(b, i)
                classifyRun(b, i, trimmedEnd, versionCue: dotted && followsVersionWord(b, at: i), otherNumber: otherNumber, into: &sink)
            }
            i = end // > i: the run's first byte is a run byte
        }
    }

    /// `:1`–`:65535` or `/0`–`/32` at `at`, then the end of the token.
    static func isPortOrPrefixLength(_ b: Bytes, at: Int) -> Bool {
        guard at + 1 < b.count, b[at] == 0x3A || b[at] == 0x2F else { return false }
        var end = at + 1
        while end < b.count, end - at <= 6, ASCII.isDigit(b[end]) { end += 1 }
        guard end > at + 1, end == b.count || !(ASCII.isAlnum(b[end]) || b[end] == 0x2F || b[end] == 0x3A || b[end] == 0x5F),
              let value = ASCII.decimal(b, at + 1, end) else { return false }
        if end < b.count, b[end] == 0x2E, end + 1 < b.count, ASCII.isDigit(b[end + 1]) { return false } // `1.2.3.4:5.6`
        return b[at] == 0x3A ? (1...65535).contains(value) && b[at + 1] != 0x30 : value <= 32 && end - at <= 3
    }

    /// "version 1.2.3.4", "v 10.0.0.1", "release 2.4.0.1": four dotted numbers after such a word are a version, not an address.
    static func followsVersionWord(_ b: Bytes, at i: Int) -> Bool {
        var k = i
        while k > 0, k > i - 3, b[k - 1] == 0x20 || b[k - 1] == 0x3A || b[k - 1] == 0x3D { k -= 1 }
        guard k < i else { return false }
        var start = k
        while start > 0, k - start < 12, ASCII.isAlpha(b[start - 1]) || b[start - 1] >= 0x80 { start -= 1 }
        guard start == 0 || !ASCII.isAlpha(b[start - 1]) else { return false }
        for word in versionWords where ASCII.equals(b, start, k, word) { return true }
        return false
    }

    static let versionWords: [StaticString] = [
        "version", "versions", "ver", "v", "release", "build", "firmware", "fw", "rev", "revision", "tag", "framework", "sdk", "runtime",
        "kernel", "update", "patch", "driver", "bios", "plugin", "package", "library", "edition", "upgrade",
        // Other languages: "verze firmwaru 5.0.1.77", "versión 10.2.0.1", "wersja 1.2.3.4", "sürüm 4.1.0.2".
        "firmwaru", "verze", "versión", "versione", "versão", "wersja", "sürüm", "sürümü", "versie",
    ]

    /// A card number glued to the label or id before it (`card:4111…`, `sess_4111…`, `cc=`, `id4111…`): a Luhn-valid
    /// run from a known issuer is evidence enough, unless the token before holds digits too (hashes, hex ids).
    /// After a ':' a dashed SSN counts as well (`SSN:123-45-6789`). Returns where the digits end when it reports.
    static func gluedCardOrSSN(_ b: Bytes, at i: Int, into sink: inout PIISink) -> Int? {
        let p = b[i - 1]
        guard ASCII.isAlpha(p) || p == 0x5F || p == 0x3A else { return nil }
        if ASCII.isAlpha(p) { // the letters before must start the token: `x4111…` yes, `3fab4111…` no
            var k = i - 1
            while k > 0, i - k <= 32, ASCII.isAlpha(b[k - 1]) { k -= 1 }
            guard k == 0 || !(ASCII.isDigit(b[k - 1]) || ASCII.isAlpha(b[k - 1]) || b[k - 1] == 0x2D || b[k - 1] == 0x2E) else { return nil }
        }
        var end = i
        while end < b.count, end - i < 24,
              ASCII.isDigit(b[end]) || ((b[end] == 0x2D || b[end] == 0x20) && end + 1 < b.count && ASCII.isDigit(b[end + 1])) { end += 1 }
        guard end == b.count || !(ASCII.isAlnum(b[end]) || b[end] == 0x5F || b[end] == 0x2F || b[end] == 0x3A
                                  || (b[end] == 0x2E && end + 1 < b.count && ASCII.isDigit(b[end + 1]))) else { return nil }
        let t = ASCII.slice(b, i, end)
        if t.count >= 13, isPaymentCard(t) {
            if sink.wants(.paymentCard) { sink.report(.paymentCard, i, end) }
            return end
        }
        if p == 0x3A, t.count == 11, t[3] == 0x2D, isSSN(t) {
            if sink.wants(.ssn) { sink.report(.ssn, i, end) }
            return end
        }
        return nil
    }

    /// Pieces are rejoined with single spaces, so a run with doubled spaces is
    /// first copied with them collapsed; spans are mapped back to the original.
    static func classifyRun(_ b: Bytes, _ from: Int, _ to: Int, versionCue: Bool = false, otherNumber: Bool = false,
                            into sink: inout PIISink) {
        let run = ASCII.slice(b, from, to)
        guard hasDoubleSpace(run) else {
            return classifyWindows(run, offsets: nil, base: from, versionCue: versionCue, otherNumber: otherNumber, into: &sink)
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: run.count) { scratch in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: run.count + 1) { offsets in
                var n = 0
                for k in 0..<run.count where !(run[k] == 0x20 && run[k - 1] == 0x20) { // run[0] is never a space
                    scratch[n] = run[k]
                    offsets[n] = Int32(k)
                    n += 1
                }
                offsets[n] = Int32(run.count)
                classifyWindows(Bytes(UnsafeMutableBufferPointer(rebasing: scratch[..<n])),
                                offsets: UnsafeBufferPointer(offsets), base: from, versionCue: versionCue, otherNumber: otherNumber, into: &sink)
            }
        }
    }

    static func hasDoubleSpace(_ t: Bytes) -> Bool {
        for k in 1..<max(t.count, 1) where t[k] == 0x20 && t[k - 1] == 0x20 { return true }
        return false
    }

    /// `run` has single spaces between pieces, none at either end. `offsets`
    /// maps a position in `run` to one in the original run (nil: the same).
    /// `versionCue`: the run follows "version" or the like, so its first piece is no address.
    /// `otherNumber`: a word naming another kind of number stands right before the run, so its first piece is no phone.
    static func classifyWindows(_ run: Bytes, offsets: UnsafeBufferPointer<Int32>?, base: Int, versionCue: Bool = false,
                                otherNumber: Bool = false, into sink: inout PIISink) {
        func original(_ k: Int) -> Int { base + (offsets.map { Int($0[k]) } ?? k) }
        var start = 0
        while start < run.count {
            var end = start
            for _ in 0..<5 {
                while end < run.count, run[end] != 0x20 { end += 1 }
                if let kind = classify(ASCII.slice(run, start, end)), sink.wants(kind), !(versionCue && start == 0 && kind == .ipAddress),
                   !(otherNumber && start == 0 && kind == .phone) {
                    sink.report(kind, original(start), original(end))
                }
                guard end < run.count else { break }
                end += 1 // past the space, into the next piece
            }
            while start < run.count, run[start] != 0x20 { start += 1 }
            start += 1
        }
    }

    static func classify(_ t: Bytes) -> PIIKind? {
        if isSSN(t) { return .ssn }
        // "(10.0.0.7:443)" (the run stops at the ':'), "(10.1.2.3)".
        if isIPv4(t) || (t.count >= 8 && t[0] == 0x28 && isIPv4(ASCII.slice(t, 1, t.count - (t[t.count - 1] == 0x29 ? 1 : 0)))) {
            return .ipAddress
        }
        if isPaymentCard(t) { return .paymentCard }
        if PhoneRecognizer.isPhone(t) { return .phone }
        return nil
    }

    /// `ddd-dd-dddd`, `ddd.dd.dddd` or `ddd dd dddd` with the SSA's rules: no area 000, 666 or 9xx; no group 00;
    /// no serial 0000. (Nine bare digits need an "SSN" cue: NationalIDRecognizer.)
    static func isSSN(_ t: Bytes) -> Bool {
        guard t.count == 11, t[3] == 0x2D || t[3] == 0x2E || t[3] == 0x20, t[6] == t[3],
              let area = ASCII.decimal(t, 0, 3), let group = ASCII.decimal(t, 4, 6), let serial = ASCII.decimal(t, 7, 11) else { return false }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// Four dot-separated decimal octets.
    static func isIPv4(_ t: Bytes) -> Bool {
        guard t.count <= 15 else { return false } // 4 × 3 digits + 3 dots
        var parts = 0, partStart = 0
        for k in 0...t.count where k == t.count || t[k] == 0x2E {
            guard isOctet(ASCII.slice(t, partStart, k)) else { return false }
            parts += 1
            partStart = k + 1
        }
        return parts == 4
    }

    static func isOctet(_ p: Bytes) -> Bool {
        guard (1...3).contains(p.count), let value = ASCII.decimal(p, 0, p.count) else { return false }
        if p.count > 1, p[0] == 48 { return false } // leading zeros: not how addresses are written
        return value <= 255
    }

    /// 13–19 digits, optionally in groups split by one kind of separator,
    /// with a known issuer prefix and a valid Luhn checksum. Dots separate only a card's printed
    /// grouping (4.4.4.4, or Amex's 4.6.5): other dotted digits are versions and addresses.
    static func isPaymentCard(_ t: Bytes) -> Bool {
        if t.count > 4, t[4] == 0x2E {
            let printed = t.count == 19 && t[9] == 0x2E && t[14] == 0x2E || t.count == 17 && t[11] == 0x2E
            guard printed else { return false }
            for k in 0..<t.count where !ASCII.isDigit(t[k]) && t[k] != 0x2E { return false }
            let digits = t.count == 19 ? 16 : 15
            return knownIssuer(ASCII.leadingDigits(t, 4), count: digits) && passesLuhn(t)
        }
        var separator: UInt8 = 0
        var digits = 0, groups = 0, groupLength = 0, firstGroupLength = 0
        for c in t {
            if ASCII.isDigit(c) {
                digits += 1
                groupLength += 1
                if digits > 19 { return false }
                continue
            }
            guard c == 0x20 || c == 0x2D, separator == 0 || c == separator, (1...6).contains(groupLength) else { return false }
            separator = c
            if groups == 0 { firstGroupLength = groupLength }
            groups += 1
            groupLength = 0
        }
        if separator != 0 { // the last group has no separator after it
            guard (1...6).contains(groupLength), groups + 1 >= 3, (3...6).contains(firstGroupLength) else { return false }
        }
        return digits >= 13 && knownIssuer(ASCII.leadingDigits(t, 4), count: digits) && passesLuhn(t)
    }

    /// `first4`: the card's first four digits.
    static func knownIssuer(_ first4: Int, count: Int) -> Bool {
        let prefix2 = first4 / 100, prefix3 = first4 / 10
        // Maestro issues 12–19 digits, but 12–15-digit Luhn-valid numbers are mostly tracking and order
        // numbers (FedEx's are 12): one in ten would pass. Only its 16–19-digit cards count.
        let maestro = isMaestro(first4) && count >= 16
        switch first4 / 1000 {
        case 4: return count == 13 || count == 16 || count == 19                               // Visa
        case 5:
            if (51...55).contains(prefix2) { return count == 16 }                               // Mastercard
            return maestro
        case 2:
            if first4 == 2131 { return count == 15 }                                            // JCB (old 15-digit)
            return (2221...2720).contains(first4) && count == 16                                // Mastercard 2-series
        case 1: return first4 == 1800 && count == 15                                            // JCB (old 15-digit)
        case 3:
            if prefix2 == 34 || prefix2 == 37 { return count == 15 }                            // Amex
            if (3528...3589).contains(first4) { return (16...19).contains(count) }              // JCB
            return ((300...305).contains(prefix3) || prefix2 == 36 || prefix2 == 38) && (14...16).contains(count) // Diners
        case 6:
            // Discover, UnionPay
            if first4 == 6011 || prefix2 == 65 || (644...649).contains(prefix3) || prefix2 == 62 { return (16...19).contains(count) }
            return maestro
        default: return false
        }
    }

    /// Maestro's published ranges, not all of 50 and 56–69: most of those are unissued, and a random 16-digit
    /// order number starting with 6 should not pass for a card one time in ten.
    static func isMaestro(_ first4: Int) -> Bool {
        switch first4 {
        case 5018, 5020, 5038, 5893, 6304, 6390, 6759, 6761, 6762, 6763, 5600...5899: return true
        default: return false
        }
    }

    /// Luhn over the digits of `t`, separators skipped.
    static func passesLuhn(_ t: Bytes) -> Bool {
        var sum = 0, position = 0
        for c in t.reversed() where ASCII.isDigit(c) {
            let d = Int(c - 48)
            if position % 2 == 1 { let doubled = d * 2; sum += doubled > 9 ? doubled - 9 : doubled } else { sum += d }
            position += 1
        }
        return sum % 10 == 0
    }
}

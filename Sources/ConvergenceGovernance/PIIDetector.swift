import ConvergenceHTTP
import Glibc

/// Kinds of personal data the detector recognises.
public enum PIIKind: String, Sendable, CaseIterable, Comparable {
    case email
    case phone
    case ssn
    case paymentCard = "payment_card"
    case iban
    case ipAddress = "ip_address"

    public static func < (a: PIIKind, b: PIIKind) -> Bool { a.rawValue < b.rawValue }
}

/// Personal-data detection: byte-level scanners with validation (Luhn for
/// cards, mod-97 for IBANs, range rules for SSNs, inet_pton for IPv6), tuned
/// against the labelled corpus in Tests/ConvergenceGovernanceTests.
public enum PIIDetector {
    /// The kinds of personal data in `text`, sorted, each once.
    public static func kinds(in text: String) -> [PIIKind] {
        // Cheap pre-checks keep the common case (no digits, no '@') free of allocations.
        var hasAt = false, hasDigit = false, hasColon = false
        for b in text.utf8 {
            if b == 0x40 { hasAt = true } else if isDigit(b) { hasDigit = true } else if b == 0x3A { hasColon = true }
        }
        guard hasAt || hasDigit || hasColon else { return [] }
        let bytes = Array(text.utf8)
        var found = KindSet()
        if hasAt, containsEmail(bytes) { found.insert(.email) }
        if hasDigit {
            scanNumericRuns(bytes, into: &found)
            if containsIBAN(bytes) { found.insert(.iban) }
        }
        if hasColon, containsIPv6(bytes) { found.insert(.ipAddress) }
        return found.sorted
    }

    /// A set of kinds as a bitmask: no allocation on the scanning path.
    struct KindSet {
        private var bits: UInt8 = 0
        mutating func insert(_ kind: PIIKind) { bits |= 1 << KindSet.index(kind) }
        var sorted: [PIIKind] { bits == 0 ? [] : PIIKind.allCases.sorted().filter { bits & (1 << KindSet.index($0)) != 0 } }
        static func index(_ kind: PIIKind) -> UInt8 { UInt8(PIIKind.allCases.firstIndex(of: kind)!) }
    }

    // MARK: Character classes

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { isUpper(b) || (b >= 97 && b <= 122) }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102) }

    // MARK: E-mail

    static func containsEmail(_ b: [UInt8]) -> Bool {
        func isLocal(_ c: UInt8) -> Bool { isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D }
        func isDomain(_ c: UInt8) -> Bool { isAlnum(c) || c == 0x2E || c == 0x2D }
        for at in b.indices where b[at] == 0x40 {
            var start = at
            while start > 0, isLocal(b[start - 1]) { start -= 1 }
            var end = at + 1
            while end < b.count, isDomain(b[end]) { end += 1 }
            while end > at + 1, b[end - 1] == 0x2E || b[end - 1] == 0x2D { end -= 1 } // trailing punctuation
            guard start < at, end > at + 1, b[start] != 0x2E, b[at - 1] != 0x2E else { continue }
            let domain = b[(at + 1)..<end]
            guard let lastDot = domain.lastIndex(of: 0x2E), lastDot > domain.startIndex else { continue }
            let tld = domain[(lastDot + 1)...]
            guard tld.count >= 2, tld.allSatisfy(isAlpha) else { continue }
            guard !domain.split(separator: 0x2E, omittingEmptySubsequences: false).contains(where: \.isEmpty) else { continue }
            return true
        }
        return false
    }

    // MARK: Digit runs: SSN, payment cards, phones, IPv4

    static func isRunByte(_ c: UInt8) -> Bool {
        isDigit(c) || c == 0x20 || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29 || c == 0x2B
    }

    static func scanNumericRuns(_ b: [UInt8], into found: inout KindSet) {
        var i = 0
        while i < b.count {
            let c = b[i]
            let startsRun = isDigit(c) || c == 0x2B || c == 0x28
            if !startsRun || (i > 0 && (isAlnum(b[i - 1]) || b[i - 1] == 0x2E || b[i - 1] == 0x2D || b[i - 1] == 0x2F || b[i - 1] == 0x3A || b[i - 1] == 0x5F)) {
                i += 1
                continue
            }
            var end = i
            while end < b.count, isRunByte(b[end]) { end += 1 }
            // A run glued to letters or more digits-with-other-symbols is part of a larger token (ids, hashes).
            var trimmedEnd = end
            while trimmedEnd > i, !isDigit(b[trimmedEnd - 1]) && b[trimmedEnd - 1] != 0x29 { trimmedEnd -= 1 }
            let gluedAfter = end < b.count && (isAlpha(b[end]) || b[end] == 0x5F || b[end] == 0x2F || b[end] == 0x3A) && trimmedEnd == end
            if trimmedEnd > i, !gluedAfter {
                classifyRun(Array(b[i..<trimmedEnd]), into: &found)
            }
            i = max(end, i + 1)
        }
    }

    /// Tests the run and every window of its space-separated pieces (a run can
    /// hold a date and a phone side by side).
    static func classifyRun(_ run: [UInt8], into found: inout KindSet) {
        let pieces = run.split(separator: 0x20)
        for start in pieces.indices {
            var candidate: [UInt8] = []
            for end in start..<min(pieces.count, start + 5) {
                if end > start { candidate.append(0x20) }
                candidate.append(contentsOf: pieces[end])
                if let kind = classify(candidate) { found.insert(kind) }
            }
        }
    }

    static func classify(_ t: [UInt8]) -> PIIKind? {
        if isSSN(t) { return .ssn }
        if isIPv4(t) { return .ipAddress }
        if isPaymentCard(t) { return .paymentCard }
        if isPhone(t) { return .phone }
        return nil
    }

    /// `ddd-dd-dddd` with the SSA's rules: no area 000, 666 or 9xx; no group 00; no serial 0000.
    static func isSSN(_ t: [UInt8]) -> Bool {
        guard t.count == 11, t[3] == 0x2D, t[6] == 0x2D else { return false }
        let digits = t.enumerated().filter { $0.offset != 3 && $0.offset != 6 }.map(\.element)
        guard digits.allSatisfy(isDigit) else { return false }
        let v = digits.map { Int($0 - 48) }
        let area = v[0] * 100 + v[1] * 10 + v[2]
        let group = v[3] * 10 + v[4]
        let serial = v[5] * 1000 + v[6] * 100 + v[7] * 10 + v[8]
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    static func isIPv4(_ t: [UInt8]) -> Bool {
        let parts = t.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            if part.count > 1, part.first == 48 { return false } // leading zeros: not how addresses are written
            let value = part.reduce(0) { $0 * 10 + Int($1 - 48) }
            guard value <= 255 else { return false }
        }
        return true
    }

    /// 13–19 digits, optionally in groups split by one kind of separator, with a
    /// known issuer prefix and a valid Luhn checksum.
    static func isPaymentCard(_ t: [UInt8]) -> Bool {
        let separators = Set(t.filter { !isDigit($0) })
        guard separators.isEmpty || separators == [0x20] || separators == [0x2D] else { return false }
        if let sep = separators.first {
            let groups = t.split(separator: sep, omittingEmptySubsequences: false)
            guard groups.count >= 3, (3...6).contains(groups[0].count), groups.allSatisfy({ (1...6).contains($0.count) }) else { return false }
        }
        let digits = t.filter(isDigit).map { Int($0 - 48) }
        guard (13...19).contains(digits.count), knownIssuer(digits) else { return false }
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            if i % 2 == 1 { let doubled = d * 2; sum += doubled > 9 ? doubled - 9 : doubled } else { sum += d }
        }
        return sum % 10 == 0
    }

    static func knownIssuer(_ d: [Int]) -> Bool {
        func prefix(_ n: Int) -> Int { d.prefix(n).reduce(0) { $0 * 10 + $1 } }
        let count = d.count
        switch d[0] {
        case 4: return count == 13 || count == 16 || count == 19                               // Visa
        case 5: return (51...55).contains(prefix(2)) && count == 16                             // Mastercard
        case 2: return (2221...2720).contains(prefix(4)) && count == 16                         // Mastercard 2-series
        case 3:
            if prefix(2) == 34 || prefix(2) == 37 { return count == 15 }                        // Amex
            if (3528...3589).contains(prefix(4)) { return (16...19).contains(count) }            // JCB
            return ((300...305).contains(prefix(3)) || prefix(2) == 36 || prefix(2) == 38) && (14...16).contains(count) // Diners
        case 6:
            return (prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3))) && (16...19).contains(count) // Discover
        default: return false
        }
    }

    /// International (`+` and 8–15 digits) or North American formats.
    static func isPhone(_ t: [UInt8]) -> Bool {
        let digitCount = t.filter(isDigit).count
        if t.first == 0x2B {
            guard (8...15).contains(digitCount), t.count > 1, isDigit(t[1]) || t[1] == 0x20 || t[1] == 0x28 else { return false }
            // Separators between digit groups only; no two in a row.
            var previousWasSeparator = false
            for c in t.dropFirst() {
                let separator = !isDigit(c)
                if separator && previousWasSeparator && c != 0x28 { return false }
                previousWasSeparator = separator && c != 0x29
            }
            return true
        }
        // North American: optional leading "1 " / "1-", then (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd or ddd ddd dddd.
        var s = ArraySlice(t)
        if s.count > 2, s.first == 0x31, s[s.startIndex + 1] == 0x20 || s[s.startIndex + 1] == 0x2D { s = s.dropFirst(2) }
        let shapes: [[UInt8]] = [
            Array("(ddd) ddd-dddd".utf8), Array("(ddd)ddd-dddd".utf8), Array("ddd-ddd-dddd".utf8),
            Array("ddd.ddd.dddd".utf8), Array("ddd ddd dddd".utf8), Array("(ddd) ddd dddd".utf8),
        ]
        for shape in shapes where shape.count == s.count {
            var ok = true
            for (p, c) in zip(shape, s) where !(p == 0x64 ? isDigit(c) : p == c) { ok = false; break }
            guard ok else { continue }
            let digits = s.filter(isDigit)
            // Area code and exchange start with 2–9 (NANP).
            return digits[digits.startIndex] >= 50 && digits[digits.startIndex + 3] >= 50
        }
        return false
    }

    // MARK: IBAN

    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
        "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27,
        "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
        "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26,
    ]

    static func containsIBAN(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 4 <= b.count {
            guard isUpper(b[i]), isUpper(b[i + 1]), isDigit(b[i + 2]), isDigit(b[i + 3]), i == 0 || !isAlnum(b[i - 1]) else {
                i += 1
                continue
            }
            let country = String(decoding: b[i..<(i + 2)], as: UTF8.self)
            if let length = ibanLengths[country] {
                var compact: [UInt8] = []
                var j = i
                while j < b.count, compact.count < length {
                    if isAlnum(b[j]) { compact.append(b[j] >= 97 ? b[j] - 32 : b[j]) }
                    else if b[j] == 0x20, j + 1 < b.count, isAlnum(b[j + 1]) { } // single spaces between groups
                    else { break }
                    j += 1
                }
                let endsCleanly = j >= b.count || !isAlnum(b[j])
                if compact.count == length, endsCleanly, mod97(compact) == 1 { return true }
            }
            i += 1
        }
        return false
    }

    static func mod97(_ iban: [UInt8]) -> Int {
        var remainder = 0
        for c in iban.dropFirst(4) + iban.prefix(4) {
            if isDigit(c) { remainder = (remainder * 10 + Int(c - 48)) % 97 } else { remainder = (remainder * 100 + Int(c - 55)) % 97 }
        }
        return remainder
    }

    // MARK: IPv6

    static func containsIPv6(_ b: [UInt8]) -> Bool {
        func isPart(_ c: UInt8) -> Bool { isHex(c) || c == 0x3A || c == 0x2E }
        var i = 0
        while i < b.count {
            guard isPart(b[i]), i == 0 || !(isAlnum(b[i - 1]) || b[i - 1] == 0x3A) else { i += 1; continue }
            var end = i
            while end < b.count, isPart(b[end]) { end += 1 }
            var token = Array(b[i..<end])
            while let last = token.last, last == 0x2E { token.removeLast() }
            let colons = token.filter { $0 == 0x3A }.count
            let gluedAfter = end < b.count && (isAlpha(b[end]) || b[end] == 0x5F)
            if !gluedAfter, colons >= 2, token.count <= 45, token.filter(isHex).count >= 2,
               colons == 7 || containsDoubleColon(token), validIPv6(token) {
                return true
            }
            i = max(end, i + 1)
        }
        return false
    }

    static func containsDoubleColon(_ t: [UInt8]) -> Bool {
        zip(t, t.dropFirst()).contains { $0 == 0x3A && $1 == 0x3A }
    }

    static func validIPv6(_ t: [UInt8]) -> Bool {
        var address = in6_addr()
        let text = String(decoding: t, as: UTF8.self)
        return inet_pton(AF_INET6, text, &address) == 1
    }
}

import ConvergenceJSON
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
    /// The kinds of personal data in `text`, sorted by raw value, each once.
    public static func kinds(in text: String) -> [PIIKind] { kindSet(in: text).kinds }

    static func kindSet(in text: String) -> PIIKindSet {
        if let found = text.utf8.withContiguousStorageIfAvailable({ kindSet(in: $0) }) { return found }
        return Array(text.utf8).withUnsafeBufferPointer { kindSet(in: $0) } // non-contiguous (bridged) strings only
    }

    /// The kinds of personal data in raw UTF-8 bytes. Allocates nothing, except a
    /// scratch copy of a long digit run that holds doubled spaces (short ones are
    /// copied on the stack). Invalid UTF-8 is harmless: every rule looks at ASCII bytes only.
    public static func kindSet(in bytes: UnsafeBufferPointer<UInt8>) -> PIIKindSet {
        // One pass tells which scanners can find anything at all: most text has no
        // '@', ':' or digits. Branch-free, so the compiler tests many bytes per instruction.
        let at: UInt8 = 1, colon: UInt8 = 2, digit: UInt8 = 4, upper: UInt8 = 8
        var seen: UInt8 = 0
        for c in bytes {
            seen |= (c == 0x40 ? at : 0) | (c == 0x3A ? colon : 0) | (isDigit(c) ? digit : 0) | (isUpper(c) ? upper : 0)
        }
        var found = PIIKindSet()
        if seen & at != 0, containsEmail(bytes) { found.insert(.email) }
        if seen & digit != 0 {
            scanNumericRuns(bytes, into: &found)
            // An IBAN starts with an upper-case country code.
            if seen & upper != 0, containsIBAN(bytes) { found.insert(.iban) }
        }
        if seen & colon != 0, containsIPv6(bytes) { found.insert(.ipAddress) }
        return found
    }

    typealias Bytes = UnsafeBufferPointer<UInt8>

    // MARK: Character classes

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { isUpper(b) || (b >= 97 && b <= 122) }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102) }

    /// `t[from..<to]` as a buffer of its own (no copy).
    @inline(__always) static func slice(_ t: Bytes, _ from: Int, _ to: Int) -> Bytes { Bytes(rebasing: t[from..<to]) }

    /// The value of the digits in `t[from..<to]`, nil if one is not a digit.
    static func decimal(_ t: Bytes, _ from: Int, _ to: Int) -> Int? {
        var value = 0
        for k in from..<to {
            guard isDigit(t[k]) else { return nil }
            value = value * 10 + Int(t[k] - 48)
        }
        return value
    }

    /// The value of the first `n` digits of `t`, skipping separators (the caller knows there are `n`).
    static func leadingDigits(_ t: Bytes, _ n: Int) -> Int {
        var value = 0, taken = 0, k = 0
        while taken < n {
            if isDigit(t[k]) { value = value * 10 + Int(t[k] - 48); taken += 1 }
            k += 1
        }
        return value
    }

    // MARK: E-mail

    static func isLocal(_ c: UInt8) -> Bool { isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D }
    static func isDomain(_ c: UInt8) -> Bool { isAlnum(c) || c == 0x2E || c == 0x2D }

    static func containsEmail(_ b: Bytes) -> Bool {
        for at in 0..<b.count where b[at] == 0x40 {
            var start = at
            while start > 0, isLocal(b[start - 1]) { start -= 1 }
            var end = at + 1
            while end < b.count, isDomain(b[end]) { end += 1 }
            while end > at + 1, b[end - 1] == 0x2E || b[end - 1] == 0x2D { end -= 1 } // trailing punctuation
            guard start < at, end > at + 1, b[start] != 0x2E, b[at - 1] != 0x2E else { continue }
            if isMailDomain(slice(b, at + 1, end)) { return true }
        }
        return false
    }

    /// Dot-separated labels, none empty, at least two, the last alphabetic and two letters or more.
    static func isMailDomain(_ d: Bytes) -> Bool {
        var lastDot = d.count - 1
        while lastDot >= 0, d[lastDot] != 0x2E { lastDot -= 1 }
        guard lastDot > 0, d.count - lastDot - 1 >= 2 else { return false }
        for k in (lastDot + 1)..<d.count where !isAlpha(d[k]) { return false }
        guard d[0] != 0x2E else { return false }
        for k in 1..<lastDot where d[k] == 0x2E && d[k + 1] == 0x2E { return false }
        return true
    }

    // MARK: Digit runs: SSN, payment cards, phones, IPv4

    static func isRunByte(_ c: UInt8) -> Bool {
        isDigit(c) || c == 0x20 || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29 || c == 0x2B
    }

    /// A run starts at a digit, '+' or '(' that does not continue a larger token
    /// (ids like `user_123`, versions, dates, paths, times).
    static func startsRun(_ b: Bytes, at i: Int) -> Bool {
        let c = b[i]
        guard isDigit(c) || c == 0x2B || c == 0x28 else { return false }
        guard i > 0 else { return true }
        let p = b[i - 1]
        return !(isAlnum(p) || p == 0x2E || p == 0x2D || p == 0x2F || p == 0x3A || p == 0x5F)
    }

    static func scanNumericRuns(_ b: Bytes, into found: inout PIIKindSet) {
        var i = 0
        while i < b.count {
            guard startsRun(b, at: i) else { i += 1; continue }
            var end = i
            while end < b.count, isRunByte(b[end]) { end += 1 }
            // A run glued to letters or more digits-with-other-symbols is part of a larger token (ids, hashes).
            var trimmedEnd = end
            while trimmedEnd > i, !isDigit(b[trimmedEnd - 1]) && b[trimmedEnd - 1] != 0x29 { trimmedEnd -= 1 }
            let gluedAfter = trimmedEnd == end && end < b.count
                && (isAlpha(b[end]) || b[end] == 0x5F || b[end] == 0x2F || b[end] == 0x3A)
            if trimmedEnd > i, !gluedAfter { found.formUnion(classifyRun(slice(b, i, trimmedEnd))) }
            i = end // > i: the run's first byte is a run byte
        }
    }

    /// Tests every window of one to five space-separated pieces of the run (a
    /// run can hold a date and a phone side by side). Pieces are rejoined with
    /// single spaces, so a run with doubled spaces is first copied with them collapsed.
    static func classifyRun(_ run: Bytes) -> PIIKindSet {
        guard hasDoubleSpace(run) else { return classifyWindows(run) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: run.count) { scratch in
            var n = 0
            for k in 0..<run.count where !(run[k] == 0x20 && run[k - 1] == 0x20) { // run[0] is never a space
                scratch[n] = run[k]
                n += 1
            }
            return classifyWindows(Bytes(UnsafeMutableBufferPointer(rebasing: scratch[..<n])))
        }
    }

    static func hasDoubleSpace(_ t: Bytes) -> Bool {
        for k in 1..<max(t.count, 1) where t[k] == 0x20 && t[k - 1] == 0x20 { return true }
        return false
    }

    /// `run` has single spaces between pieces, none at either end.
    static func classifyWindows(_ run: Bytes) -> PIIKindSet {
        var found = PIIKindSet()
        var start = 0
        while start < run.count {
            var end = start
            for _ in 0..<5 {
                while end < run.count, run[end] != 0x20 { end += 1 }
                if let kind = classify(slice(run, start, end)) { found.insert(kind) }
                guard end < run.count else { break }
                end += 1 // past the space, into the next piece
            }
            while start < run.count, run[start] != 0x20 { start += 1 }
            start += 1
        }
        return found
    }

    static func classify(_ t: Bytes) -> PIIKind? {
        if isSSN(t) { return .ssn }
        if isIPv4(t) { return .ipAddress }
        if isPaymentCard(t) { return .paymentCard }
        if isPhone(t) { return .phone }
        return nil
    }

    /// `ddd-dd-dddd` with the SSA's rules: no area 000, 666 or 9xx; no group 00; no serial 0000.
    static func isSSN(_ t: Bytes) -> Bool {
        guard t.count == 11, t[3] == 0x2D, t[6] == 0x2D,
              let area = decimal(t, 0, 3), let group = decimal(t, 4, 6), let serial = decimal(t, 7, 11) else { return false }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// Four dot-separated decimal octets.
    static func isIPv4(_ t: Bytes) -> Bool {
        guard t.count <= 15 else { return false } // 4 × 3 digits + 3 dots
        var parts = 0, partStart = 0
        for k in 0...t.count where k == t.count || t[k] == 0x2E {
            guard isOctet(slice(t, partStart, k)) else { return false }
            parts += 1
            partStart = k + 1
        }
        return parts == 4
    }

    static func isOctet(_ p: Bytes) -> Bool {
        guard (1...3).contains(p.count), let value = decimal(p, 0, p.count) else { return false }
        if p.count > 1, p[0] == 48 { return false } // leading zeros: not how addresses are written
        return value <= 255
    }

    /// 13–19 digits, optionally in groups split by one kind of separator, with a
    /// known issuer prefix and a valid Luhn checksum.
    static func isPaymentCard(_ t: Bytes) -> Bool {
        var separator: UInt8 = 0
        var digits = 0, groups = 0, groupLength = 0, firstGroupLength = 0
        for c in t {
            if isDigit(c) {
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
        return digits >= 13 && knownIssuer(leadingDigits(t, 4), count: digits) && passesLuhn(t)
    }

    /// `first4`: the card's first four digits.
    static func knownIssuer(_ first4: Int, count: Int) -> Bool {
        let prefix2 = first4 / 100, prefix3 = first4 / 10
        switch first4 / 1000 {
        case 4: return count == 13 || count == 16 || count == 19                               // Visa
        case 5: return (51...55).contains(prefix2) && count == 16                               // Mastercard
        case 2: return (2221...2720).contains(first4) && count == 16                            // Mastercard 2-series
        case 3:
            if prefix2 == 34 || prefix2 == 37 { return count == 15 }                            // Amex
            if (3528...3589).contains(first4) { return (16...19).contains(count) }              // JCB
            return ((300...305).contains(prefix3) || prefix2 == 36 || prefix2 == 38) && (14...16).contains(count) // Diners
        case 6:
            return (first4 == 6011 || prefix2 == 65 || (644...649).contains(prefix3)) && (16...19).contains(count) // Discover
        default: return false
        }
    }

    /// Luhn over the digits of `t`, separators skipped.
    static func passesLuhn(_ t: Bytes) -> Bool {
        var sum = 0, position = 0
        for c in t.reversed() where isDigit(c) {
            let d = Int(c - 48)
            if position % 2 == 1 { let doubled = d * 2; sum += doubled > 9 ? doubled - 9 : doubled } else { sum += d }
            position += 1
        }
        return sum % 10 == 0
    }

    /// International (`+` and 8–15 digits) or North American formats.
    static func isPhone(_ t: Bytes) -> Bool {
        t.first == 0x2B ? isInternationalPhone(t) : isNorthAmericanPhone(t)
    }

    /// `+` then 8–15 digits; separators between digit groups only, no two in a row ('(' may follow one).
    static func isInternationalPhone(_ t: Bytes) -> Bool {
        guard t.count > 1, isDigit(t[1]) || t[1] == 0x20 || t[1] == 0x28 else { return false }
        var digits = 0, previousWasSeparator = false
        for c in t[1...] {
            if isDigit(c) {
                digits += 1
                if digits > 15 { return false }
                previousWasSeparator = false
            } else {
                if previousWasSeparator && c != 0x28 { return false }
                previousWasSeparator = c != 0x29
            }
        }
        return digits >= 8
    }

    /// Optional leading "1 " / "1-", then (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd or ddd ddd dddd.
    static func isNorthAmericanPhone(_ t: Bytes) -> Bool {
        var s = t
        if s.count > 2, s[0] == 0x31, s[1] == 0x20 || s[1] == 0x2D { s = slice(s, 2, s.count) }
        guard matches(s, "(ddd) ddd-dddd") || matches(s, "(ddd)ddd-dddd") || matches(s, "ddd-ddd-dddd")
                || matches(s, "ddd.ddd.dddd") || matches(s, "ddd ddd dddd") || matches(s, "(ddd) ddd dddd") else { return false }
        // Area code and exchange start with 2–9 (NANP).
        return leadingDigits(s, 1) >= 2 && leadingDigits(s, 4) % 10 >= 2
    }

    /// `s` has the shape: `d` stands for any digit, every other byte for itself.
    static func matches(_ s: Bytes, _ shape: StaticString) -> Bool {
        guard s.count == shape.utf8CodeUnitCount else { return false }
        let pattern = shape.utf8Start
        for k in 0..<s.count where pattern[k] == 0x64 ? !isDigit(s[k]) : pattern[k] != s[k] { return false }
        return true
    }

    // MARK: IBAN

    /// Country code and IBAN length, five bytes an entry (a literal: no table to build or hash).
    static let ibanLengths: StaticString = """
        AD24 AE23 AT20 BE16 BG22 CH21 CY28 CZ24 DE22 DK18 EE20 ES24 FI18 FR27 GB22 GR27 HR21 HU28 IE22 IL23 \
        IS26 IT27 LI21 LT20 LU20 LV21 MC27 MT31 NL18 NO15 PL28 PT25 RO24 SA24 SE24 SI19 SK24 SM27 TR26
        """

    static func ibanLength(_ a: UInt8, _ b: UInt8) -> Int? {
        let table = ibanLengths.utf8Start
        for entry in stride(from: 0, to: ibanLengths.utf8CodeUnitCount, by: 5) where table[entry] == a && table[entry + 1] == b {
            return Int(table[entry + 2] - 48) * 10 + Int(table[entry + 3] - 48)
        }
        return nil
    }

    static func containsIBAN(_ b: Bytes) -> Bool {
        var i = 0
        while i + 4 <= b.count {
            if isUpper(b[i]), isUpper(b[i + 1]), isDigit(b[i + 2]), isDigit(b[i + 3]), i == 0 || !isAlnum(b[i - 1]),
               let length = ibanLength(b[i], b[i + 1]), isIBAN(b, at: i, length: length) {
                return true
            }
            i += 1
        }
        return false
    }

    /// Exactly `length` letters and digits from `i` (single spaces between groups
    /// allowed), not followed by another, with mod-97 remainder 1.
    static func isIBAN(_ b: Bytes, at i: Int, length: Int) -> Bool {
        var count = 0, remainder = 0, j = i
        while j < b.count, count < length {
            if isAlnum(b[j]) {
                if count >= 4 { remainder = mod97(remainder, b[j]) } // the first four go last
                count += 1
            } else if !(b[j] == 0x20 && j + 1 < b.count && isAlnum(b[j + 1])) {
                break
            }
            j += 1
        }
        guard count == length, j == b.count || !isAlnum(b[j]) else { return false }
        for k in i..<(i + 4) { remainder = mod97(remainder, b[k]) }
        return remainder == 1
    }

    /// Appends one character to a running mod-97 remainder (letters count as 10–35).
    static func mod97(_ remainder: Int, _ c: UInt8) -> Int {
        let upper = c >= 97 ? c - 32 : c
        return isDigit(upper) ? (remainder * 10 + Int(upper - 48)) % 97 : (remainder * 100 + Int(upper - 55)) % 97
    }

    // MARK: IPv6

    static func isAddressByte(_ c: UInt8) -> Bool { isHex(c) || c == 0x3A || c == 0x2E }

    static func containsIPv6(_ b: Bytes) -> Bool {
        guard hasIPv6Colons(b) else { return false }
        var i = 0
        while i < b.count {
            guard isAddressByte(b[i]), i == 0 || !(isAlnum(b[i - 1]) || b[i - 1] == 0x3A) else { i += 1; continue }
            var end = i
            while end < b.count, isAddressByte(b[end]) { end += 1 }
            var tokenEnd = end
            while tokenEnd > i, b[tokenEnd - 1] == 0x2E { tokenEnd -= 1 } // a sentence's full stop
            let gluedAfter = end < b.count && (isAlpha(b[end]) || b[end] == 0x5F)
            if !gluedAfter, isIPv6(slice(b, i, tokenEnd)) { return true }
            i = end // > i
        }
        return false
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

    /// Cheap shape checks (two colons or more, eight groups or a `::`, some hex) before inet_pton decides.
    static func isIPv6(_ t: Bytes) -> Bool {
        guard t.count <= 45 else { return false } // INET6_ADDRSTRLEN - 1
        var colons = 0, hexDigits = 0, doubleColon = false
        for k in 0..<t.count {
            if t[k] == 0x3A {
                colons += 1
                if k > 0, t[k - 1] == 0x3A { doubleColon = true }
            } else if isHex(t[k]) {
                hexDigits += 1
            }
        }
        guard colons >= 2, hexDigits >= 2, colons == 7 || doubleColon else { return false }
        return parsesAsIPv6(t)
    }

    /// inet_pton wants a C string: copy the (at most 45-byte) candidate to the stack.
    static func parsesAsIPv6(_ t: Bytes) -> Bool {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 46) { text in
            for k in 0..<t.count { text[k] = CChar(bitPattern: t[k]) }
            text[t.count] = 0
            var address = in6_addr()
            return inet_pton(AF_INET6, text.baseAddress!, &address) == 1
        }
    }
}

/// A set of `PIIKind`s as a bitmask (no allocation to build or test it).
public struct PIIKindSet: Sendable, Equatable {
    private var bits: UInt8 = 0

    public init() {}

    public var isEmpty: Bool { bits == 0 }
    public func contains(_ kind: PIIKind) -> Bool { bits & Self.bit(kind) != 0 }
    public mutating func insert(_ kind: PIIKind) { bits |= Self.bit(kind) }
    public mutating func formUnion(_ other: PIIKindSet) { bits |= other.bits }

    /// The members sorted by raw value (the order `PIIDetector.kinds(in:)` reports them in).
    public var kinds: [PIIKind] {
        guard bits != 0 else { return [] }
        var out: [PIIKind] = []
        out.reserveCapacity(bits.nonzeroBitCount)
        for kind in Self.byRawValue where contains(kind) { out.append(kind) }
        return out
    }

    private static let byRawValue: [PIIKind] = [.email, .iban, .ipAddress, .paymentCard, .phone, .ssn]

    private static func bit(_ kind: PIIKind) -> UInt8 {
        switch kind {
        case .email: 1 << 0
        case .iban: 1 << 1
        case .ipAddress: 1 << 2
        case .paymentCard: 1 << 3
        case .phone: 1 << 4
        case .ssn: 1 << 5
        }
    }
}

/// Values machines write that hold no personal data whatever their digits: an ISO 8601
/// date or timestamp ("2026-11-25T10:35:00Z") and a UUID. Check contexts carry them in
/// almost every request (created_at, request ids), and each recogniser that starts at
/// digits took them apart only to reject them: a few hundred nanoseconds a value. Told
/// by their whole shape, they skip the scan; a date under a birth-date key still goes
/// through it (PIIDetector only asks without a field hint).
enum MachineValue {
    typealias Bytes = ASCII.Bytes

    static func isOpaque(_ b: Bytes) -> Bool {
        switch b.count {
        case 36: return isUUID(b)
        case 10...35: return isTimestamp(b)
        default: return false
        }
    }

    /// 8-4-4-4-12 hexadecimal digits, the letters all of one case (as generators write them; mixed case may spell a word).
    static func isUUID(_ b: Bytes) -> Bool {
        var cases: UInt8 = 0
        for k in 0..<36 {
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard b[k] == 0x2D else { return false }
            } else if !ASCII.isHex(b[k]) {
                return false
            } else if b[k] >= 0x41 {
                cases |= b[k] >= 0x61 ? 1 : 2
            }
        }
        return cases != 3
    }

    /// YYYY-MM-DD (years 1000–2999), then perhaps "T" or a space, hh:mm, :ss, a fraction, and "Z" or an offset (±hh:mm, ±hhmm), the
    /// whole value.
    static func isTimestamp(_ b: Bytes) -> Bool {
        var k = 0
        func digits(_ n: Int) -> Int? {
            guard k + n <= b.count else { return nil }
            var v = 0
            for _ in 0..<n {
                guard ASCII.isDigit(b[k]) else { return nil }
                v = v * 10 + Int(b[k] - 48)
                k += 1
            }
            return v
        }
        func take(_ c: UInt8) -> Bool {
            guard k < b.count, b[k] == c else { return false }
            k += 1
            return true
        }
        // A year from 1000 to 2999: "0832-04-31" is no date but could be a phone number with its trunk 0.
        guard let year = digits(4), (1000...2999).contains(year), take(0x2D), let month = digits(2), (1...12).contains(month), take(0x2D),
              let day = digits(2), (1...31).contains(day) else { return false }
        if k == b.count { return true }
        guard take(0x54) || take(0x20), let hour = digits(2), hour <= 24, take(0x3A), let minute = digits(2), minute <= 59 else {
            return false
        }
        if take(0x3A) {
            guard let second = digits(2), second <= 60 else { return false }
            if take(0x2E) || take(0x2C) {
                let start = k
                while k < b.count, k - start < 9, ASCII.isDigit(b[k]) { k += 1 }
                guard k > start else { return false }
            }
        }
        if k == b.count || take(0x5A) && k == b.count { return true }
        guard take(0x2B) || take(0x2D), let offsetHours = digits(2), offsetHours <= 14 else { return false }
        _ = take(0x3A)
        guard let offsetMinutes = digits(2), offsetMinutes <= 59 else { return false }
        return k == b.count
    }
}

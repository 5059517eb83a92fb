/// Strict RFC 3339 parsing to Unix microseconds, without Foundation's formatter
/// (lenient about what it accepts and slow). Also accepts a bare `YYYY-MM-DD`
/// (midnight UTC), which operators type for retention cut-offs. `civil(unixSeconds:)`
/// is the other direction, from an instant to a calendar date.
public enum RFC3339 {
    /// What a four-digit year can name: 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z.
    /// An offset can carry a written time just outside (`0001-01-01T00:00:00+01:00`,
    /// `9999-12-31T23:59:59-23:59`); such a time is refused, as it has no RFC 3339 form in UTC.
    static let representable: ClosedRange<Int64> =
        (daysFromCivil(year: 1, month: 1, day: 1) * 86_400_000_000)...(daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400_000_000 - 1)

    /// Unix microseconds of `text`, nil when it is not a real, representable instant.
    /// `allowDate`: a bare `YYYY-MM-DD` (midnight UTC) is accepted too.
    public static func parseMicros(_ text: String, allowDate: Bool = true) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 10, b.count <= 40 else { return nil }
        func digits(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count else { return nil }
            var v = 0
            for i in r { guard b[i] >= 48, b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let year = digits(0..<4), year >= 1, b[4] == 45, let month = digits(5..<7), b[7] == 45, let day = digits(8..<10),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        if b.count == 10 { return allowDate ? seconds * 1_000_000 : nil }
        guard b.count >= 20, b[10] == 84 || b[10] == 116 || b[10] == 32, let hour = digits(11..<13), b[13] == 58,
              let minute = digits(14..<16), b[16] == 58, let second = digits(17..<19),
              hour < 24, minute < 60, second < 60 else { return nil }
        seconds += Int64(hour * 3600 + minute * 60 + second)
        var i = 19
        var micros: Int64 = 0
        if b[i] == 46 { // fraction: up to 9 digits, microseconds kept
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            guard i > start, i - start <= 9 else { return nil }
            for k in 0..<6 { micros = micros * 10 + (start + k < i ? Int64(b[start + k] - 48) : 0) }
        }
        guard i < b.count else { return nil }
        switch b[i] {
        case 90, 122: // Z
            guard i + 1 == b.count else { return nil }
        case 43, 45: // ±HH:MM
            guard i + 6 == b.count, let oh = digits((i + 1)..<(i + 3)), b[i + 3] == 58, let om = digits((i + 4)..<(i + 6)),
                  oh < 24, om < 60 else { return nil }
            let offset = Int64(oh * 3600 + om * 60)
            seconds += b[i] == 43 ? -offset : offset
        default:
            return nil
        }
        let instant = seconds * 1_000_000 + micros
        return representable.contains(instant) ? instant : nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The UTC calendar date and time of day of `unixSeconds` (Howard Hinnant's
    /// civil_from_days): pure arithmetic, no tz database. The one conversion from
    /// an instant to a date: log times, key expiry text and audit timestamps use it.
    @inlinable
    public static func civil(unixSeconds seconds: Int64) -> CivilTime {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400 + (month <= 2 ? 1 : 0))
        return CivilTime(year: year, month: month, day: day,
                         hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }
}

/// A UTC calendar date and time of day (whole seconds).
public struct CivilTime: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int

    @inlinable
    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }
}

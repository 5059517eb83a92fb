import Foundation

/// A budget's calendar period — the hour, day or month in an IANA time zone — as the
/// Unix seconds it starts and ends at. Pure arithmetic on civil dates (Howard Hinnant's
/// days-from-civil), with the zone's UTC offset read at the instants that matter, so
/// daylight-saving days last 23 or 25 hours and half-hour zones have their own hours.
public enum CalendarPeriod: String, Sendable, CaseIterable {
    case hour = "1h"
    case day = "1d"
    case month = "1mo"

    /// [start, end) of the period holding `seconds`.
    public func bounds(at seconds: Int64, in zone: TimeZone) -> (start: Int64, end: Int64) {
        let local = seconds + Self.offset(zone, seconds)
        switch self {
        case .hour:
            // Hours start at the same local minute all year; the offset at `seconds` places this one.
            let start = local.floorDiv(3600) * 3600 - Self.offset(zone, seconds)
            return (start, start + 3600)
        case .day:
            let day = local.floorDiv(86_400)
            return (Self.utc(day * 86_400, zone), Self.utc((day + 1) * 86_400, zone))
        case .month:
            let (y, m, _) = Self.civil(days: local.floorDiv(86_400))
            let next = m == 12 ? (y + 1, 1) : (y, m + 1)
            return (Self.utc(Self.days(y, m, 1) * 86_400, zone), Self.utc(Self.days(next.0, next.1, 1) * 86_400, zone))
        }
    }

    static func offset(_ zone: TimeZone, _ seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// The instant a local wall-clock time (seconds since the local epoch) happens. A local
    /// midnight skipped by a daylight-saving jump maps to the first instant after the gap.
    static func utc(_ local: Int64, _ zone: TimeZone) -> Int64 {
        var guess = local - offset(zone, local)
        guess = local - offset(zone, guess)
        return guess
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (inverse of `days`).
    static func civil(days z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

import ConvergenceCore
import Foundation

/// A budget's calendar period — the hour, day or month in an IANA time zone — as the
/// Unix seconds it starts and ends at. Pure arithmetic on civil dates (`RFC3339`'s
/// days-from-civil and back), with the zone's UTC offset read at the instants that matter, so
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
            // The local date, read as if the local wall clock were UTC.
            let date = RFC3339.civil(unixSeconds: local)
            let next = date.month == 12 ? (date.year + 1, 1) : (date.year, date.month + 1)
            return (Self.utc(RFC3339.daysFromCivil(year: date.year, month: date.month, day: 1) * 86_400, zone),
                    Self.utc(RFC3339.daysFromCivil(year: next.0, month: next.1, day: 1) * 86_400, zone))
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
}

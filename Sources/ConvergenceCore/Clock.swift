import CConvergenceSys

/// Monotonic time for durations and deadlines; never jumps with the wall clock.
public struct MonotonicInstant: Sendable, Comparable, Hashable {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func now() -> MonotonicInstant { MonotonicInstant(nanoseconds: Int64(cv_monotonic_ns())) }

    public func adding(milliseconds: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds + Int64(milliseconds) * 1_000_000)
    }

    public func milliseconds(since earlier: MonotonicInstant) -> Double {
        Double(nanoseconds - earlier.nanoseconds) / 1_000_000
    }

    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool { a.nanoseconds < b.nanoseconds }
}

/// Wall-clock formatting without Foundation's formatter (which is slow and not thread-friendly).
public enum WallClock {
    /// Current UTC time as RFC 3339 with milliseconds, e.g. `2026-11-25T12:00:00.123Z`.
    public static func rfc3339Now() -> String {
        var seconds: Int64 = 0
        var micros: Int32 = 0
        cv_wall_clock(&seconds, &micros)
        return rfc3339(seconds: seconds, milliseconds: Int(micros / 1000))
    }

    public static func unixSeconds() -> Int64 {
        var seconds: Int64 = 0
        var micros: Int32 = 0
        cv_wall_clock(&seconds, &micros)
        return seconds
    }

    public static func unixMicros() -> Int64 {
        var seconds: Int64 = 0
        var micros: Int32 = 0
        cv_wall_clock(&seconds, &micros)
        return seconds * 1_000_000 + Int64(micros)
    }

    /// Civil-from-days (Howard Hinnant's algorithm): pure arithmetic, no tz database.
    public static func rfc3339(seconds: Int64, milliseconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(Int(year), 4))-\(pad(Int(month), 2))-\(pad(Int(day), 2))T"
            + "\(pad(secOfDay / 3600, 2)):\(pad(secOfDay / 60 % 60, 2)):\(pad(secOfDay % 60, 2))."
            + "\(pad(milliseconds, 3))Z"
    }
}

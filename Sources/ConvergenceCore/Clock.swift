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

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for Unix `seconds` plus `milliseconds`.
    public static func rfc3339(seconds: Int64, milliseconds: Int) -> String {
        let t = RFC3339.civil(unixSeconds: seconds)
        return "\(zeroPadded(t.year, 4))-\(zeroPadded(t.month, 2))-\(zeroPadded(t.day, 2))T"
            + "\(zeroPadded(t.hour, 2)):\(zeroPadded(t.minute, 2)):\(zeroPadded(t.second, 2))."
            + "\(zeroPadded(milliseconds, 3))Z"
    }
}

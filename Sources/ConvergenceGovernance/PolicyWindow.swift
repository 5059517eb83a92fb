import ConvergenceCore
import ConvergenceJSON
import Foundation

/// When a policy is in effect: `not_before` / `not_after` (RFC 3339 instants) and a
/// weekly window `active: {"tz": "Europe/Berlin", "days": ["mon", …], "from": "08:00", "to": "19:00"}`.
/// A policy out of effect does not apply at all (neither enforced nor monitored) and is
/// not named in the decision. The check's time is an input, so evaluation stays a pure
/// function of (request, policies, time).
public struct PolicyWindow: Sendable, Equatable {
    public var notBeforeMicros: Int64?
    public var notAfterMicros: Int64?
    public var weekly: Weekly?
    /// As the policy wrote them (stored and returned unchanged).
    var notBeforeText: String?
    var notAfterText: String?

    public init(notBeforeMicros: Int64? = nil, notAfterMicros: Int64? = nil, weekly: Weekly? = nil) {
        self.notBeforeMicros = notBeforeMicros
        self.notAfterMicros = notAfterMicros
        self.weekly = weekly
    }

    public var isAlways: Bool { notBeforeMicros == nil && notAfterMicros == nil && weekly == nil }

    /// In effect at `micros` (Unix microseconds): `not_before` ≤ t < `not_after`, and inside the weekly window.
    public func contains(_ micros: Int64) -> Bool {
        if let notBeforeMicros, micros < notBeforeMicros { return false }
        if let notAfterMicros, micros >= notAfterMicros { return false }
        return weekly?.contains(micros) ?? true
    }

    /// Local days and a span of the day, in an IANA time zone (daylight saving included).
    public struct Weekly: Sendable, Equatable {
        public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

        public let zone: String
        let timeZone: TimeZone
        /// Bit d set: day d of `dayNames` (local).
        public let days: UInt8
        /// Minutes after local midnight: in effect from `from` to before `to`; when `to` ≤ `from`
        /// the span runs over midnight (the day named is the day it starts on).
        public let from: Int
        public let to: Int
        /// The zone's offset for the current quarter hour (shared by every copy of this window).
        let offsets = ZoneOffsetCache()

        public init?(zone: String, days: UInt8, from: Int, to: Int) {
            guard let timeZone = TimeZone(identifier: zone) else { return nil }
            self.zone = zone
            self.timeZone = timeZone
            self.days = days
            self.from = from
            self.to = to
        }

        public static func == (a: Weekly, b: Weekly) -> Bool { a.zone == b.zone && a.days == b.days && a.from == b.from && a.to == b.to }

        func contains(_ micros: Int64) -> Bool {
            let seconds = micros / 1_000_000 - (micros % 1_000_000 < 0 ? 1 : 0)
            let local = seconds + offsets.offset(timeZone, at: seconds)
            let day = Int(local.floorDiv(86_400))
            let minute = Int(local - Int64(day) * 86_400) / 60
            // 1970-01-01 was a Thursday: index 3 with Monday first.
            let weekday = ((day % 7 + 7) % 7 + 3) % 7
            func on(_ d: Int) -> Bool { days & (1 << UInt8(d)) != 0 }
            if from < to { return on(weekday) && minute >= from && minute < to }
            // Over midnight: the evening of a named day, or the early hours after one.
            return (on(weekday) && minute >= from) || (on((weekday + 6) % 7) && minute < to)
        }
    }

    /// Parses `not_before`, `not_after` or `active` into `window` (PolicyRules' fields).
    static func parse(_ name: String, _ value: JSONValue, into window: inout PolicyWindow) throws(PolicyRules.Invalid) {
        switch name {
        case "not_before", "not_after":
            guard case .string(let text) = value, let micros = RFC3339.parseMicros(text, allowDate: false) else {
                throw PolicyRules.Invalid(field: name, problem: "must be an RFC 3339 time, e.g. 2027-01-01T00:00:00Z")
            }
            if name == "not_before" {
                (window.notBeforeMicros, window.notBeforeText) = (micros, text)
            } else {
                (window.notAfterMicros, window.notAfterText) = (micros, text)
            }
        default:
            window.weekly = try parseWeekly(value)
        }
    }

    static func parseWeekly(_ value: JSONValue) throws(PolicyRules.Invalid) -> Weekly {
        guard case .object(let members) = value else {
            throw PolicyRules.Invalid(field: "active", problem: #"must be an object: {"tz": …, "days": […], "from": "HH:MM", "to": "HH:MM"}"#)
        }
        var zone = "UTC", days: UInt8 = 0x7F, from: Int?, to: Int?
        for (key, v) in members {
            let field = "active.\(key.shownInMessage(limit: 32))"
            switch key {
            case "tz":
                guard case .string(let text) = v, TimeZone(identifier: text) != nil, text.utf8.count <= 64 else {
                    throw PolicyRules.Invalid(field: field, problem: "must be an IANA time zone such as Europe/Berlin or UTC")
                }
                zone = text
            case "days":
                guard case .array(let items) = v, !items.isEmpty else {
                    throw PolicyRules.Invalid(field: field, problem: "must be a non-empty array of mon, tue, wed, thu, fri, sat, sun")
                }
                days = 0
                for item in items {
                    guard case .string(let text) = item, let d = Weekly.dayNames.firstIndex(of: text), days & (1 << UInt8(d)) == 0 else {
                        throw PolicyRules.Invalid(field: field, problem: "must be distinct days of mon, tue, wed, thu, fri, sat, sun")
                    }
                    days |= 1 << UInt8(d)
                }
            case "from", "to":
                guard case .string(let text) = v, let minutes = minutes(text, allowMidnightEnd: key == "to") else {
                    throw PolicyRules.Invalid(field: field, problem: "must be a local time HH:MM (00:00 to 24:00)")
                }
                if key == "from" { from = minutes } else { to = minutes }
            default:
                throw PolicyRules.Invalid(field: field, problem: "unknown field; known: tz, days, from, to")
            }
        }
        let start = from ?? 0, end = to ?? 1440
        guard start != end else { throw PolicyRules.Invalid(field: "active.to", problem: "must differ from active.from") }
        return Weekly(zone: zone, days: days, from: start, to: end)!
    }

    /// "08:30" → 510; "24:00" only as an end.
    static func minutes(_ text: String, allowMidnightEnd: Bool) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 5, b[2] == 0x3A, b.allSatisfy({ $0 == 0x3A || ($0 >= 0x30 && $0 <= 0x39) }) else { return nil }
        let hour = Int(b[0] - 0x30) * 10 + Int(b[1] - 0x30), minute = Int(b[3] - 0x30) * 10 + Int(b[4] - 0x30)
        guard minute < 60, hour < 24 || (allowMidnightEnd && hour == 24 && minute == 0) else { return nil }
        return hour * 60 + minute
    }

    var json: [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        if let notBeforeText { out.append(("not_before", .string(notBeforeText))) }
        if let notAfterText { out.append(("not_after", .string(notAfterText))) }
        if let weekly {
            func hhmm(_ m: Int) -> String { (m / 60 < 10 ? "0" : "") + "\(m / 60):" + (m % 60 < 10 ? "0" : "") + "\(m % 60)" }
            var active = JSONObject()
            active["tz"] = .string(weekly.zone)
            active["days"] = .array(Weekly.dayNames.indices.filter { weekly.days & (1 << UInt8($0)) != 0 }.map { .string(Weekly.dayNames[$0]) })
            active["from"] = .string(hhmm(weekly.from))
            active["to"] = .string(hhmm(weekly.to))
            out.append(("active", .object(active)))
        }
        return out
    }
}

extension Int64 {
    func floorDiv(_ d: Int64) -> Int64 { self >= 0 ? self / d : -((-self + d - 1) / d) }
}

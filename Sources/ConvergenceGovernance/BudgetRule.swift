import ConvergenceJSON
import Foundation
import Synchronization

/// One entry of a policy's `budgets`: a quota over a calendar period,
/// `{"scope": "key", "metric": "tokens", "limit": 100000, "period": "1d", "warn_at": 0.8, "tz": "Europe/Berlin"}`.
/// Each key, the customer, or each department (by `scope`) has its own usage per period;
/// reaching `warn_at` of the limit reports a `budget_warning`, and a check that would
/// take the usage past the limit is refused (would-be refused in monitor mode).
public struct BudgetRule: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable { case key, customer, department }
    public enum Metric: String, Sendable, CaseIterable { case tokens, requests }

    public let scope: Scope
    public let metric: Metric
    public let limit: Int64
    public let period: CalendarPeriod
    public let warnAt: Double?
    /// As written (nil: the policy's `active.tz`, else UTC).
    public let zoneText: String?
    /// The zone the periods are counted in.
    public let zone: String
    let timeZone: TimeZone
    /// The period last asked for: every check of a period reads it without calendar arithmetic.
    private let current: PeriodCache

    /// 2^53: the largest integer every JSON reader keeps exactly.
    public static let maxLimit: Int64 = 1 << 53
    public static let maxPerPolicy = 16

    public init?(scope: Scope, metric: Metric, limit: Int64, period: CalendarPeriod, warnAt: Double? = nil, zoneText: String? = nil,
                 defaultZone: String = "UTC") {
        let zone = zoneText ?? defaultZone
        guard (1...Self.maxLimit).contains(limit), let timeZone = TimeZone(identifier: zone) else { return nil }
        (self.scope, self.metric, self.limit, self.period, self.warnAt) = (scope, metric, limit, period, warnAt)
        (self.zoneText, self.zone, self.timeZone) = (zoneText, zone, timeZone)
        current = PeriodCache()
    }

    public static func == (a: BudgetRule, b: BudgetRule) -> Bool {
        a.scope == b.scope && a.metric == b.metric && a.limit == b.limit && a.period == b.period && a.warnAt == b.warnAt
            && a.zoneText == b.zoneText && a.zone == b.zone
    }

    /// [start, end) in Unix seconds of the period holding `seconds`.
    public func bounds(at seconds: Int64) -> (start: Int64, end: Int64) {
        if let known = current.lookup(seconds) { return known }
        let fresh = period.bounds(at: seconds, in: timeZone)
        current.store(fresh)
        return fresh
    }

    /// The usage at which `budget_warning` is reported (nil: never).
    public var warningLevel: Int64? { warnAt.map { Int64((Double(limit) * $0).rounded(.up)) } }

    /// Two budgets of one policy with these equal would count the same usage twice.
    var identity: String { "\(scope.rawValue)\u{1F}\(metric.rawValue)\u{1F}\(period.rawValue)\u{1F}\(zone)" }

    var json: JSONValue {
        var out = JSONObject()
        out["scope"] = .string(scope.rawValue)
        out["metric"] = .string(metric.rawValue)
        out["limit"] = .number(Double(limit))
        out["period"] = .string(period.rawValue)
        if let warnAt { out["warn_at"] = .number(warnAt) }
        if let zoneText { out["tz"] = .string(zoneText) }
        return .object(out)
    }

    /// Parses `budgets`; `defaultZone` is the policy's `active.tz` (UTC without one).
    static func parse(_ value: JSONValue, defaultZone: String) throws(PolicyRules.Invalid) -> [BudgetRule] {
        guard case .array(let items) = value, !items.isEmpty, items.count <= maxPerPolicy else {
            throw PolicyRules.Invalid(field: "budgets", problem: "must be an array of 1 to \(maxPerPolicy) budgets")
        }
        var out: [BudgetRule] = []
        for (i, item) in items.enumerated() {
            let at = "budgets[\(i)]"
            guard case .object(let members) = item else {
                throw PolicyRules.Invalid(field: at, problem: #"must be an object: {"scope": …, "metric": …, "limit": …, "period": …}"#)
            }
            var scope: Scope?, metric: Metric?, limit: Int64?, period: CalendarPeriod?, warnAt: Double?, zone: String?
            for (name, v) in members {
                let field = "\(at).\(name.shownInMessage(limit: 32))"
                func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) throws(PolicyRules.Invalid) -> T where T.RawValue == String {
                    guard case .string(let text) = v, let parsed = T(rawValue: text) else {
                        throw PolicyRules.Invalid(field: field, problem: "must be one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    return parsed
                }
                switch name {
                case "scope": scope = try oneOf(Scope.self)
                case "metric": metric = try oneOf(Metric.self)
                case "period": period = try oneOf(CalendarPeriod.self)
                case "limit":
                    guard case .number(let n) = v, n.rounded() == n, n >= 1, n <= Double(maxLimit) else {
                        throw PolicyRules.Invalid(field: field, problem: "must be a whole number from 1 to 2^53 (9007199254740992)")
                    }
                    limit = Int64(n)
                case "warn_at":
                    guard case .number(let n) = v, n > 0, n <= 1 else {
                        throw PolicyRules.Invalid(field: field, problem: "must be a fraction of the limit above 0 and at most 1, e.g. 0.8")
                    }
                    warnAt = n
                case "tz":
                    guard case .string(let text) = v, text.utf8.count <= 64, TimeZone(identifier: text) != nil else {
                        throw PolicyRules.Invalid(field: field, problem: "must be an IANA time zone such as Europe/Berlin or UTC")
                    }
                    zone = text
                default:
                    throw PolicyRules.Invalid(field: field, problem: "unknown field; known: limit, metric, period, scope, tz, warn_at")
                }
            }
            guard let scope, let metric, let limit, let period else {
                throw PolicyRules.Invalid(field: at, problem: "scope, metric, limit and period are required")
            }
            guard let budget = BudgetRule(scope: scope, metric: metric, limit: limit, period: period, warnAt: warnAt, zoneText: zone,
                                          defaultZone: defaultZone) else {
                throw PolicyRules.Invalid(field: at, problem: "limit or time zone out of range")
            }
            guard !out.contains(where: { $0.identity == budget.identity }) else {
                throw PolicyRules.Invalid(field: at, problem: "another budget of this policy has the same scope, metric, period and time zone")
            }
            out.append(budget)
        }
        return out
    }
}

/// The last period a budget was asked for, packed into one atomic word (start in the high
/// bits, length in the low 22: a month is under 2^22 seconds), so that every check of a period
/// reads it with one load and no lock; a period that does not pack is simply not kept.
final class PeriodCache: Sendable {
    private let packed = Atomic<UInt64>(0)
    private static let lengthBits: UInt64 = 22

    func lookup(_ seconds: Int64) -> (start: Int64, end: Int64)? {
        let word = packed.load(ordering: .relaxed)
        guard word != 0 else { return nil }
        let start = Int64(word >> Self.lengthBits), end = start + Int64(word & ((1 << Self.lengthBits) - 1))
        return start <= seconds && seconds < end ? (start, end) : nil
    }

    func store(_ fresh: (start: Int64, end: Int64)) {
        let length = fresh.end - fresh.start
        guard fresh.start > 0, fresh.start < 1 << 41, length > 0, length < 1 << Self.lengthBits else { return }
        packed.store(UInt64(fresh.start) << Self.lengthBits | UInt64(length), ordering: .relaxed)
    }
}

import ConvergenceCore

/// How a host sizes its leases (pure: the leaser and the request path call it, tests
/// call it with numbers). A lease covers `horizonSeconds` of the host's recent rate
/// for the key, is refilled when less than `lowWaterSeconds` of it is left, and is
/// given back after `idleSeconds` without a request: tokens sit unused on one host
/// for at most that long while another host may be refused (the under-admission bound).
public struct LeasePlan: Sendable, Equatable {
    public var horizonSeconds = 0.5
    public var lowWaterSeconds = 0.2
    public var idleSeconds = 2.0

    public init() {}

    /// Tokens to ask for, given this host's recent rate (requests/s) for the key and the
    /// live hosts: never more than the host's share of the bucket, at least one.
    public func want(ratePerSecond: Double, rule: RateLimitRule, hosts: Int) -> Int {
        let share = max(1, rule.limit / max(1, hosts))
        let sized = Int((ratePerSecond * horizonSeconds).rounded(.up))
        return min(share, max(1, sized))
    }

    /// The first lease for a key this host has not served lately: a tenth of its share.
    public func firstWant(rule: RateLimitRule, hosts: Int) -> Int {
        min(1000, max(1, rule.limit / max(1, hosts) / 10))
    }

    /// Whether to lease more now: the key is in use and less than the low-water mark is left.
    public func needsRefill(tokens: Int64, ratePerSecond: Double, idleSeconds idle: Double) -> Bool {
        guard idle < idleSeconds, ratePerSecond > 0 else { return false }
        return Double(tokens) < max(1, ratePerSecond * lowWaterSeconds)
    }

    /// Whether the unspent tokens go back to the central bucket.
    public func shouldReturn(tokens: Int64, idleSeconds idle: Double) -> Bool { tokens > 0 && idle >= idleSeconds }

    /// The local budget while PostgreSQL is unreachable (`share` mode): 1/N of the rule,
    /// so that N hosts together stay within it while membership is unchanged.
    public static func outageRule(_ rule: RateLimitRule, hosts: Int) -> RateLimitRule {
        RateLimitRule(limit: max(1, rule.limit / max(1, hosts)), periodSeconds: rule.periodSeconds)
    }

    /// Consumption during an outage charged on reconnect is capped at one bucket: a long
    /// outage must not lock a key out for longer than one period.
    public static func chargeable(debt: Int, rule: RateLimitRule) -> Int { min(max(0, debt), rule.limit) }
}

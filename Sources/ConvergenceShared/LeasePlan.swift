import ConvergenceCore

/// How a host sizes and times its leases (pure: the leaser and the request path call
/// it, tests call it with numbers). The leaser syncs every `syncSeconds`; a lease
/// covers two syncs of the host's recent demand for the key and is refilled when
/// less than one sync's worth is left; a key idle for `idleSeconds` gives its tokens
/// back. So tokens sit unused on one host for at most `idleSeconds` while another
/// host may be refused for them (the under-admission bound), and a key's refusals
/// between syncs cost no statement.
public struct LeasePlan: Sendable, Equatable {
    public var syncSeconds: Double
    /// A request path that found the slot empty leases again at most this often
    /// (a burst on a key whose central bucket still holds tokens).
    public var burstLeaseSeconds = 0.05
    /// How long a request waits for its synchronous lease before the outage mode decides it:
    /// below the lease function's 200 ms lock timeout, so a slow or hung PostgreSQL costs a
    /// request at most this, never seconds.
    public var syncLeaseTimeoutMs = 100

    public init(syncSeconds: Double = 1) { self.syncSeconds = syncSeconds }

    public var idleSeconds: Double { max(2, 2 * syncSeconds) }

    /// Tokens to ask for, given this host's recent demand (requests/s, admitted and refused)
    /// and the live hosts: never more than the host's share of the bucket, at least one.
    public func want(demandPerSecond: Double, rule: RateLimitRule, hosts: Int) -> Int {
        let share = max(1, rule.limit / max(1, hosts))
        return min(share, max(1, Int((demandPerSecond * 2 * syncSeconds).rounded(.up))))
    }

    /// The first lease for a key this host has not served lately: a tenth of its share.
    public func firstWant(rule: RateLimitRule, hosts: Int) -> Int {
        min(1000, max(1, rule.limit / max(1, hosts) / 10))
    }

    /// Tokens a request path leases when the slot is empty. A key this host has not leased lately
    /// (never, or not for three syncs) gets `firstWant`: the live-host count is a sync behind while a
    /// host joins, and a host that still believes it is alone must not take the whole bucket for a
    /// burst of a few requests and leave the newcomer refused until the tokens come back (2 s). A
    /// burst on a key the leaser syncs takes its share of what the bucket held at the last lease.
    public func synchronousWant(rule: RateLimitRule, hostsKnown known: Int, centralLeft: Int, sinceLastLease seconds: Double?) -> Int {
        let hosts = max(1, known)
        guard let seconds, seconds <= 3 * syncSeconds, known > 0 else { return firstWant(rule: rule, hosts: hosts) }
        return max(firstWant(rule: rule, hosts: hosts), min(rule.limit / hosts, max(0, centralLeft) / hosts))
    }

    /// Whether the leaser leases more at this sync: the key is in use and less than one sync's demand is left.
    public func needsRefill(tokens: Int64, demandPerSecond: Double, idleSeconds idle: Double) -> Bool {
        guard idle < idleSeconds, demandPerSecond > 0 else { return false }
        return Double(tokens) < max(1, demandPerSecond * syncSeconds)
    }

    /// Whether the unspent tokens go back to the central bucket.
    public func shouldReturn(tokens: Int64, idleSeconds idle: Double) -> Bool { tokens > 0 && idle >= idleSeconds }

    /// Whether a request that found no token leases itself rather than waiting for the next sync:
    /// never while the central bucket cannot hold a whole token yet (`centralAtMost`, from the last
    /// lease this host saw: PostgreSQL would refuse, so the request is refused without asking, and
    /// the leaser leases for the key at its next sync); otherwise always for a key the leaser does
    /// not sync (never leased, or not for three syncs); for one it does, only while the central
    /// bucket had tokens at the last lease, at most every `burstLeaseSeconds`.
    public func leasesSynchronously(sinceLastLease seconds: Double?, centralLeft: Int, centralAtMost: Double = .infinity) -> Bool {
        guard let seconds else { return true }
        if centralAtMost < 1 { return false }
        if seconds > 3 * syncSeconds { return true }
        return centralLeft >= 1 && seconds >= burstLeaseSeconds
    }

    /// The most a central bucket can hold `secondsToFull` before it is full again: it refills at
    /// the rule's rate and other hosts only take from it, so this bounds it from above whatever
    /// they did since. `secondsToFull` must be measured from before the lease was sent.
    public static func centralAtMost(rule: RateLimitRule, secondsToFull: Double) -> Double {
        Double(rule.limit) - Double(rule.limit) / Double(rule.periodSeconds) * max(0, secondsToFull)
    }

    /// The local budget while PostgreSQL is unreachable (`share` mode): 1/N of the rule,
    /// so that N hosts together stay within it while membership is unchanged.
    public static func outageRule(_ rule: RateLimitRule, hosts: Int) -> RateLimitRule {
        RateLimitRule(limit: max(1, rule.limit / max(1, hosts)), periodSeconds: rule.periodSeconds)
    }

    /// Consumption during an outage charged on reconnect is capped at one bucket: a long
    /// outage must not lock a key out for longer than one period.
    public static func chargeable(debt: Int, rule: RateLimitRule) -> Int { min(max(0, debt), rule.limit) }
}

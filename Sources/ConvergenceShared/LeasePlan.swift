import ConvergenceCore

/// How a host sizes and times its leases (pure: the leaser and the request path call
/// it, tests call it with numbers). The leaser syncs every `syncSeconds`; a lease
/// covers two syncs of the host's recent demand for the key and is refilled when
/// less than one sync's worth is left; a key idle for `idleSeconds` gives back all
/// its tokens but one, and that one after `watchSeconds`. PostgreSQL counts what each
/// host holds, so held tokens never loosen the bound; they only sit where another host
/// may be refused for them (the under-admission bound), and a key's refusals between
/// syncs cost no statement.
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

    /// How long after its last request on this host the leaser keeps leasing for a key (a token
    /// at a time when the key is quiet), so that a key seen every few seconds finds one here
    /// instead of leasing per visit; past it the key's tokens go back.
    public var watchSeconds: Double { max(10, 5 * syncSeconds) }

    /// How long PostgreSQL counts a host's tokens as held without a refresh (the leaser refreshes
    /// a holding at half of it); the host stops spending them `holdMarginSeconds` earlier, on its
    /// own clock from before the lease was sent, so never after PostgreSQL gave them back.
    public var holdSeconds: Double { watchSeconds }
    public var holdMarginSeconds: Double { 1 }

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
    /// (never, or not within `watchSeconds`) gets `firstWant`: the live-host count is a sync behind while a
    /// host joins, and a host that still believes it is alone must not take the whole bucket for a
    /// burst of a few requests and leave the newcomer refused until the tokens come back (2 s). A
    /// burst on a key the leaser syncs takes its share of what the bucket held at the last lease.
    public func synchronousWant(rule: RateLimitRule, hostsKnown known: Int, centralLeft: Int, sinceLastLease seconds: Double?) -> Int {
        let hosts = max(1, known)
        guard let seconds, seconds <= watchSeconds, known > 0 else { return firstWant(rule: rule, hosts: hosts) }
        return max(firstWant(rule: rule, hosts: hosts), min(rule.limit / hosts, max(0, centralLeft) / hosts))
    }

    /// Whether the leaser leases more at this sync: the key was asked within `watchSeconds`, less than
    /// one sync's demand is left, and the central bucket may hold a whole token (`centralAtMost`).
    public func needsRefill(tokens: Int64, demandPerSecond: Double, idleSeconds idle: Double, centralAtMost: Double = .infinity) -> Bool {
        guard idle < watchSeconds, demandPerSecond > 0, centralAtMost >= 1 else { return false }
        return Double(tokens) < max(1, demandPerSecond * syncSeconds)
    }

    /// Unspent tokens that go back to the central bucket: all of them once the key is unused for
    /// `watchSeconds`; all but one once unused for `idleSeconds` (a quiet key keeps one token here,
    /// which the central bucket counts as held, so the bound does not loosen).
    public func tokensToReturn(tokens: Int64, idleSeconds idle: Double) -> Int64 {
        guard tokens > 0 else { return 0 }
        if idle >= watchSeconds { return tokens }
        return idle >= idleSeconds ? tokens - 1 : 0
    }

    /// Whether a holding is refreshed at this sync: tokens are held and less than half of
    /// `holdSeconds` is left before the host would have to drop them.
    public func needsRefresh(tokens: Int64, backedForSeconds: Double) -> Bool { tokens > 0 && backedForSeconds < holdSeconds / 2 }

    /// Whether a request that found no token leases itself rather than waiting for the next sync:
    /// always for a key never leased here; never while the central bucket cannot hold a whole token
    /// yet (`centralAtMost`, from the last lease this host saw: PostgreSQL would refuse); while the
    /// bucket had tokens at the last lease (a burst), at most every `burstLeaseSeconds`; and for a
    /// key that was at its limit then, only once `watchSeconds` passed — before that the leaser
    /// leases for it (the refused request counts as its demand), so a key at its limit costs a row
    /// in the leaser's statement, not a statement per visit.
    public func leasesSynchronously(sinceLastLease seconds: Double?, centralLeft: Int, centralAtMost: Double = .infinity) -> Bool {
        guard let seconds else { return true }
        if centralAtMost < 1 { return false }
        if centralLeft >= 1 { return seconds >= burstLeaseSeconds }
        return seconds > watchSeconds
    }

    /// The most a central bucket can hold `secondsToFull` before it is full again: it refills at
    /// the rule's rate and other hosts only take from it, so this bounds it from above whatever
    /// they did since. `secondsToFull` must be measured from before the lease was sent.
    public static func centralAtMost(rule: RateLimitRule, secondsToFull: Double) -> Double {
        Double(rule.limit) - Double(rule.limit) / Double(rule.periodSeconds) * max(0, secondsToFull)
    }

    /// The same from a slot's recorded full time (CLOCK_MONOTONIC; 0: never leased, so full).
    public static func centralAtMost(rule: RateLimitRule, fullAtNs: UInt64, nowNs: UInt64) -> Double {
        centralAtMost(rule: rule, secondsToFull: fullAtNs > nowNs ? Double(fullAtNs - nowNs) / 1e9 : 0)
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

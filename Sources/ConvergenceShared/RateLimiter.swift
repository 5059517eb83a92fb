import CConvergenceShm
import ConvergenceCore

/// What a rate-limit check decided, with everything the response headers need.
public struct RateDecision: Sendable, Equatable {
    public let allowed: Bool
    public let limit: Int
    public let remaining: Int
    /// Seconds until the bucket is full again (rounded up).
    public let resetAfterSeconds: Int
    /// Seconds until a request would pass (rounded up, at least 1); 0 when allowed.
    public let retryAfterSeconds: Int
    public let periodSeconds: Int
    public let evicted: Bool

    public init(allowed: Bool, limit: Int, remaining: Int, resetAfterSeconds: Int, retryAfterSeconds: Int, periodSeconds: Int,
                evicted: Bool = false) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetAfterSeconds = resetAfterSeconds
        self.retryAfterSeconds = retryAfterSeconds
        self.periodSeconds = periodSeconds
        self.evicted = evicted
    }
}

/// Per-key token buckets in the shared region (GCRA: the bucket is one
/// "theoretical arrival time", updated by a 16-byte CAS). Exact across every
/// process that maps the region; never blocks.
public struct RateLimiter: Sendable {
    public let region: SharedRegion

    public init(region: SharedRegion) {
        self.region = region
    }

    /// Takes one request from `key`'s bucket under `rule` at monotonic time `nowNs`
    /// (nil: the clock, read where concurrent takes cannot commit out of time order).
    /// The bucket is per key *and rule*: its state is an absolute time computed under
    /// one rule, so after a change (say 10,000/day → 100/min) the key starts a fresh,
    /// full bucket instead of waiting out a debt the new rule cannot express.
    public func take(key: String, rule: RateLimitRule, cost: Int = 1, nowNs: UInt64? = nil) -> RateDecision {
        let ruleBits = (UInt64(rule.limit) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(rule.periodSeconds)
        return take(keyHash: region.hash(key) ^ ruleBits, rule: rule, cost: cost, nowNs: nowNs)
    }

    public func take(keyHash: UInt64, rule: RateLimitRule, cost: Int = 1, nowNs: UInt64? = nil) -> RateDecision {
        var result = cv_rate_result()
        let periodNs = UInt64(rule.periodSeconds) * 1_000_000_000
        let cost = UInt64(max(1, cost))
        if let nowNs {
            cv_rate_take(region.header, keyHash, UInt64(rule.limit), periodNs, cost, nowNs, &result)
        } else {
            cv_rate_take_now(region.header, keyHash, UInt64(rule.limit), periodNs, cost, &result)
        }
        return RateDecision(
            allowed: result.allowed != 0, limit: rule.limit, remaining: Int(min(result.remaining, UInt64(rule.limit))),
            resetAfterSeconds: Self.secondsUp(result.reset_after_ns),
            retryAfterSeconds: result.allowed != 0 ? 0 : max(1, Self.secondsUp(result.retry_after_ns)),
            periodSeconds: rule.periodSeconds, evicted: result.evicted != 0)
    }

    /// Buckets in use (a scan of the table: for /metrics, not for the hot path).
    public var occupancy: Int { Int(cv_rate_occupancy(region.header)) }

    static func secondsUp(_ ns: UInt64) -> Int {
        Int((ns + 999_999_999) / 1_000_000_000)
    }
}

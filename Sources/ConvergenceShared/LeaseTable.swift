import CConvergenceShm
import ConvergenceCore

/// Tokens this host leased from keys' central buckets (`rate_limit_scope = cluster`),
/// in the shared region: workers spend them with one CAS, the `rate-leaser` process
/// refills and returns them. A slot is named by `LeaseTable.bucketID`, which every
/// host computes alike, so it doubles as the central bucket's id.
public struct LeaseTable: Sendable {
    public let region: SharedRegion

    public init(region: SharedRegion) { self.region = region }

    /// One slot, as the leaser sees it on a pass over the table.
    public struct Slot: Sendable {
        public let index: Int
        public let bucket: UInt64
        public let tokens: Int64
        /// Leased tokens spent, and requests admitted outside a lease (both wrap: take differences).
        public let spent: UInt32
        public let outside: UInt32
        public let lastUsedNs: UInt64
        public let rule: RateLimitRule
    }

    /// The central bucket of `keyID` under `rule`: the region's hash of both, unseeded (the
    /// same on every host; a rule change names a fresh bucket, as in host scope). Never 0 or 1.
    public static func bucketID(keyID: String, rule: RateLimitRule) -> UInt64 {
        var name = "\(keyID)\u{1F}\(rule.limit)/\(rule.periodSeconds)"
        return max(name.withUTF8 { cv_hash64(0, $0.baseAddress, $0.count) }, 2)
    }

    public var capacity: Int { Int(region.header.pointee.lease_count) }

    /// The slot of `bucket`, claimed if new (no tokens); nil when claims kept racing.
    public func slot(_ bucket: UInt64, rule: RateLimitRule, nowNs: UInt64) -> UnsafeMutablePointer<cv_lease>? {
        cv_lease_get(region.header, bucket, UInt32(rule.limit), UInt32(rule.periodSeconds), nowNs)
    }

    public func take(_ slot: UnsafeMutablePointer<cv_lease>, bucket: UInt64, nowNs: UInt64) -> Bool {
        cv_lease_take(slot, bucket, nowNs) != 0
    }

    /// False when the slot changed owner: the caller gives the tokens back.
    public func add(_ slot: UnsafeMutablePointer<cv_lease>, bucket: UInt64, tokens: Int64) -> Bool {
        cv_lease_add(slot, bucket, tokens) != 0
    }

    public func drain(_ slot: UnsafeMutablePointer<cv_lease>, bucket: UInt64) -> Int64 {
        cv_lease_drain(slot, bucket)
    }

    /// PostgreSQL counts this host's tokens in the slot as held until about `untilNs`: past it they are dropped.
    public func back(_ slot: UnsafeMutablePointer<cv_lease>, untilNs: UInt64) { cv_lease_back(slot, untilNs) }

    /// Drops the slot's tokens as spent (their holding expired in PostgreSQL); how many.
    @discardableResult
    public func drop(_ slot: UnsafeMutablePointer<cv_lease>, bucket: UInt64) -> Int64 { cv_lease_drop(slot, bucket) }

    public func pointer(_ index: Int) -> UnsafeMutablePointer<cv_lease> { cv_lease_at(region.header, UInt32(index)) }

    /// The claimed slots (a scan of the table: for the leaser, not the request path).
    public func slots() -> [Slot] {
        var out: [Slot] = []
        for index in 0..<capacity {
            let p = pointer(index)
            var tokens: Int64 = 0
            let owner = cv_lease_owner(p, &tokens)
            guard owner > 1 else { continue }
            let rule = RateLimitRule(limit: Int(p.pointee.limit), periodSeconds: Int(p.pointee.period_s))
            // The rule is written before the owner is published: read the owner again to be sure they match.
            guard cv_lease_owner(p, nil) == owner, rule.isValid else { continue }
            out.append(Slot(index: index, bucket: owner, tokens: tokens, spent: p.pointee.spent, outside: p.pointee.outside,
                            lastUsedNs: p.pointee.last_used_ns, rule: rule))
        }
        return out
    }
}

import ConvergenceCore

/// What the server knows about a key, looked up by digest.
public struct KeyRecord: Sendable, Equatable {
    public let keyID: String
    public let kind: APIKeyFormat.Kind
    public let customerID: String?
    public let tenantID: String?
    public let tier: String?
    /// Unix microseconds (PostgreSQL's precision: a 1 s grace is a whole second); nil when unset.
    public let expiresAt: Int64?
    public let revokedAt: Int64?
    /// The key's own token bucket, overriding its tier's.
    public let rateLimit: RateLimitRule?
    /// The department the key belongs to (policies' `applies_to.departments`).
    public let department: String?
    let digest: [UInt8]

    public init(keyID: String, kind: APIKeyFormat.Kind, customerID: String?, tenantID: String?, tier: String?,
                expiresAt: Int64?, revokedAt: Int64?, rateLimit: RateLimitRule? = nil, department: String? = nil, digest: [UInt8]) {
        self.keyID = keyID
        self.kind = kind
        self.customerID = customerID
        self.tenantID = tenantID
        self.tier = tier
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.rateLimit = rateLimit
        self.department = department
        self.digest = digest
    }

    /// Usable at `nowMicros` (Unix microseconds): not revoked, not past its expiry.
    public func isUsable(nowMicros: Int64) -> Bool {
        if let revokedAt, revokedAt <= nowMicros { return false }
        if let expiresAt, expiresAt <= nowMicros { return false }
        return true
    }

    /// The stored digest equals the presented key's, compared in constant time.
    public func matches(digest presented: [UInt8]) -> Bool { constantTimeEquals(digest, presented) }

    public func matches(_ presented: SHA256.Digest) -> Bool { digest.count == 32 && SHA256.Digest(digest).matches(presented) }
}

/// A cache of key lookups (including misses), each entry trusted for `ttlMs`:
/// changes made outside the API (SQL, the admin CLI) reach every worker within
/// that time. A value without locks: a worker shares one between its threads
/// behind a mutex (`WorkerCaches`), so PostgreSQL sees one lookup per key per
/// worker per TTL.
public struct KeyCache {
    public let ttlMs: Int
    public let capacity: Int
    private var entries: [SHA256.Digest: (record: KeyRecord?, until: MonotonicInstant)] = [:]

    public init(ttlMs: Int = 500, capacity: Int = 10_000) {
        self.ttlMs = ttlMs
        self.capacity = capacity
    }

    public enum Lookup: Equatable {
        case hit(KeyRecord?)
        case miss
    }

    public func lookup(_ digest: SHA256.Digest, now: MonotonicInstant = .now()) -> Lookup {
        guard let entry = entries[digest], now < entry.until else { return .miss }
        return .hit(entry.record)
    }

    /// The fresh entry for `digest` with the instant it expires, for a front cache that must not outlive it.
    public func entry(_ digest: SHA256.Digest, now: MonotonicInstant) -> (record: KeyRecord?, until: MonotonicInstant)? {
        guard let entry = entries[digest], now < entry.until else { return nil }
        return entry
    }

    /// Makes every entry expired (another worker changed a key): the next lookup asks
    /// PostgreSQL, but `stale` still finds them should PostgreSQL be down by then.
    public mutating func expireAll(now: MonotonicInstant = .now()) {
        entries = entries.mapValues { (record: $0.record, until: min($0.until, now)) }
    }

    /// How long past its TTL an entry still answers when PostgreSQL is unreachable:
    /// checks keep working through an outage (and are audited through the spool),
    /// at the price of a revocation made before the outage taking up to this long.
    public static let staleOnOutageMs = 300_000

    /// The entry even if expired (up to `staleOnOutageMs`): only for when the database cannot be asked.
    public func stale(_ digest: SHA256.Digest, now: MonotonicInstant = .now()) -> Lookup {
        guard let entry = entries[digest], now < entry.until.adding(milliseconds: KeyCache.staleOnOutageMs) else { return .miss }
        return .hit(entry.record)
    }

    public mutating func store(_ record: KeyRecord?, for digest: SHA256.Digest, now: MonotonicInstant = .now()) {
        if entries.count >= capacity {
            // Expired entries go first, so a flood of made-up keys cannot flush live ones
            // faster than they expire; only a table full of fresh entries is reset.
            entries = entries.filter { now < $0.value.until }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[digest] = (record, now.adding(milliseconds: ttlMs))
    }

    public var count: Int { entries.count }
}

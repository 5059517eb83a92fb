import ConvergenceCore
import ConvergenceGovernance
import ConvergenceIdentity
import Synchronization

/// Key records and policy sets read from PostgreSQL, shared by a worker's
/// threads: a key or a customer's policies are looked up once per worker and
/// TTL, not once per thread, and an entry one thread read keeps every thread
/// working through a PostgreSQL outage (threads take connections in whatever
/// order they become ready, so per-thread caches left some of them cold).
///
/// Each cache sits behind its own mutex, held for a dictionary lookup or store.
/// Changes made through the API reach every worker at once: a mutation bumps a
/// generation counter in shared memory (`CacheInvalidation`), and the next
/// lookup expires the entries (expired, not dropped: they remain the fallback
/// during an outage).
public final class WorkerCaches: Sendable {
    private struct Keys {
        var cache: KeyCache
        var generation: UInt64 = 0
    }

    private struct Policies {
        var entries: [String: (policies: PolicySet, until: MonotonicInstant)] = [:]
        var generation: UInt64 = 0
    }

    private let keys: Mutex<Keys>
    private let policies = Mutex(Policies())
    let policyTTLMs: Int
    static let policyCapacity = 10_000

    public init(keyTTLMs: Int, policyTTLMs: Int) {
        keys = Mutex(Keys(cache: KeyCache(ttlMs: keyTTLMs)))
        self.policyTTLMs = policyTTLMs
    }

    // MARK: Keys

    /// The cached record for `digest`, after expiring everything if keys changed since (`generation`).
    func key(_ digest: SHA256.Digest, generation: UInt64) -> KeyCache.Lookup {
        keys.withLock { keys in
            if keys.generation != generation {
                keys.generation = generation
                keys.cache.expireAll()
            }
            return keys.cache.lookup(digest)
        }
    }

    /// The entry even if expired (up to `KeyCache.staleOnOutageMs`): for when PostgreSQL cannot be asked.
    func staleKey(_ digest: SHA256.Digest) -> KeyCache.Lookup {
        keys.withLock { $0.cache.stale(digest) }
    }

    func storeKey(_ record: KeyRecord?, for digest: SHA256.Digest) {
        keys.withLock { $0.cache.store(record, for: digest) }
    }

    // MARK: Policies

    /// The customer's policies while fresh, after expiring everything if policies changed since.
    func policies(_ customerID: String, generation: UInt64, now: MonotonicInstant) -> PolicySet? {
        policies.withLock { cache in
            if cache.generation != generation {
                cache.generation = generation
                cache.entries = cache.entries.mapValues { (policies: $0.policies, until: min($0.until, now)) }
            }
            guard let entry = cache.entries[customerID], now < entry.until else { return nil }
            return entry.policies
        }
    }

    /// The last policies read for the customer, if not older than the outage bound.
    func stalePolicies(_ customerID: String, now: MonotonicInstant) -> PolicySet? {
        policies.withLock { cache in
            guard let entry = cache.entries[customerID], now < entry.until.adding(milliseconds: KeyCache.staleOnOutageMs) else { return nil }
            return entry.policies
        }
    }

    func storePolicies(_ set: PolicySet, for customerID: String, now: MonotonicInstant) {
        policies.withLock { cache in
            if cache.entries.count >= WorkerCaches.policyCapacity { cache.entries.removeAll(keepingCapacity: true) }
            cache.entries[customerID] = (set, now.adding(milliseconds: policyTTLMs))
        }
    }
}

import ConvergenceCore
import ConvergenceGovernance
import ConvergenceIdentity
import ConvergenceShared
import Synchronization

/// Key records and policy sets read from PostgreSQL, shared by a worker's
/// threads: a key or a customer's policies are looked up once per worker and
/// TTL, not once per thread, and an entry one thread read keeps every thread
/// working through a PostgreSQL outage (threads take connections in whatever
/// order they become ready, so per-thread caches left some of them cold).
///
/// Each cache sits behind its own mutex, held for a dictionary lookup or store;
/// every thread reads through its own `Front` first, without a lock.
/// Changes made through the API reach every worker at once: a mutation bumps a
/// generation counter in shared memory (`CacheInvalidation`), and the next
/// lookup expires the entries (expired, not dropped: they remain the fallback
/// during an outage).
///
/// What PostgreSQL returns is also put in the host's shared stash (`SharedStash`), so
/// that during an outage a worker that never read a key or a customer's policies can
/// still answer with what another worker read (the same age bound as its own entries).
package final class WorkerCaches: Sendable {
    private struct Keys {
        var cache: KeyCache
        var generation: UInt64 = 0
    }

    private struct Policies {
        var entries: [String: (policies: PolicySet, until: MonotonicInstant)] = [:]
        var generation: UInt64 = 0

        /// Expires every entry when policies changed since they were read (generations only grow).
        mutating func advance(to newer: UInt64, now: MonotonicInstant) {
            guard generation < newer else { return }
            generation = newer
            entries = entries.mapValues { (policies: $0.policies, until: min($0.until, now)) }
        }
    }

    private let keys: Mutex<Keys>
    /// Dashboard sessions, by the digest of the cookie's token, as the admin key they stand
    /// for: apart from the keys so that a token can never pass as a key or the reverse.
    private let sessions: Mutex<Keys>
    private let policies = Mutex(Policies())
    let keyTTLMs: Int
    let policyTTLMs: Int
    /// The host's stash; nil for caches of one process only (benchmarks, tests of the caches alone).
    let stash: SharedStash?
    static let policyCapacity = 10_000

    package init(keyTTLMs: Int, policyTTLMs: Int, stash: SharedStash? = nil) {
        self.stash = stash
        keys = Mutex(Keys(cache: KeyCache(ttlMs: keyTTLMs)))
        sessions = Mutex(Keys(cache: KeyCache(ttlMs: keyTTLMs)))
        self.keyTTLMs = keyTTLMs
        self.policyTTLMs = policyTTLMs
    }

    /// A thread's own front on these caches, read without a lock: with every thread
    /// of a worker taking the mutexes twice per request, they were contended. Entries
    /// are copied from the shared caches with their expiry and the invalidation
    /// generation they were read under, so a front hit is never fresher than the
    /// shared entry: the same TTL, and a change made through the API is seen at once.
    package struct Front {
        typealias KeyEntries = [SHA256.Digest: (record: KeyRecord?, until: MonotonicInstant, generation: UInt64)]
        fileprivate var keys: KeyEntries = [:]
        fileprivate var sessions: KeyEntries = [:]
        fileprivate var policies: [String: (set: PolicySet, until: MonotonicInstant, generation: UInt64)] = [:]
        /// A handful of keys and customers are hot on one thread; past this, start over.
        static let capacity = 256

        fileprivate mutating func store(_ record: KeyRecord?, for digest: SHA256.Digest, until: MonotonicInstant, generation: UInt64,
                                        in entries: WritableKeyPath<Front, KeyEntries> = \.keys) {
            if self[keyPath: entries].count >= Front.capacity { self[keyPath: entries].removeAll(keepingCapacity: true) }
            self[keyPath: entries][digest] = (record, until, generation)
        }

        fileprivate mutating func store(_ set: PolicySet, for customerID: String, until: MonotonicInstant, generation: UInt64) {
            if policies.count >= Front.capacity { policies.removeAll(keepingCapacity: true) }
            policies[customerID] = (set, until, generation)
        }
    }

    // MARK: Keys

    /// The cached record for `digest`, after expiring everything if keys changed since (`generation`).
    func key(_ digest: SHA256.Digest, generation: UInt64, front: inout Front, now: MonotonicInstant = .now()) -> KeyCache.Lookup {
        // The front is read here rather than in the shared helper: this is every request's path.
        if let entry = front.keys[digest], entry.generation == generation, now < entry.until { return .hit(entry.record) }
        return Self.lookup(keys, \.keys, digest, generation: generation, front: &front, now: now)
    }

    /// The entry even if expired (up to `KeyCache.staleOnOutageMs`): for when PostgreSQL cannot be asked.
    func staleKey(_ digest: SHA256.Digest, now: MonotonicInstant = .now()) -> KeyCache.Lookup {
        let own = keys.withLock { $0.cache.stale(digest, now: now) }
        // The stash keeps when a record was read; the own cache's bound runs from its TTL's end.
        guard own == .miss, let stash,
              let bytes = stash.load(name: digest.bytes, from: .keys, maxAgeMs: keyTTLMs + KeyCache.staleOnOutageMs, now: now),
              let record = KeyRecord(stashed: bytes) else { return own }
        return .hit(record)
    }

    /// Stores what PostgreSQL said about `digest`, read under invalidation `generation`.
    package func storeKey(_ record: KeyRecord?, for digest: SHA256.Digest, generation: UInt64, front: inout Front, now: MonotonicInstant = .now()) {
        store(keys, \.keys, record, for: digest, generation: generation, front: &front, now: now)
        // Unknown keys are not stashed: during an outage they are refused as unverifiable either way.
        if let record, let stash { stash.store(record.stashed, name: digest.bytes, in: .keys, now: now) }
    }

    // MARK: Sessions (same rules as keys, their own table)

    func session(_ digest: SHA256.Digest, generation: UInt64, front: inout Front, now: MonotonicInstant = .now()) -> KeyCache.Lookup {
        if let entry = front.sessions[digest], entry.generation == generation, now < entry.until { return .hit(entry.record) }
        return Self.lookup(sessions, \.sessions, digest, generation: generation, front: &front, now: now)
    }

    func staleSession(_ digest: SHA256.Digest) -> KeyCache.Lookup {
        sessions.withLock { $0.cache.stale(digest) }
    }

    package func storeSession(_ record: KeyRecord?, for digest: SHA256.Digest, generation: UInt64, front: inout Front,
                              now: MonotonicInstant = .now()) {
        store(sessions, \.sessions, record, for: digest, generation: generation, front: &front, now: now)
    }

    /// The shared table's entry (the front missed), copied into the front.
    private static func lookup(_ table: borrowing Mutex<Keys>, _ entries: WritableKeyPath<Front, Front.KeyEntries>, _ digest: SHA256.Digest,
                               generation: UInt64, front: inout Front, now: MonotonicInstant) -> KeyCache.Lookup {
        let found = table.withLock { keys in
            // Generations only grow; a thread that read an older one just before a change
            // must not take the cache back (it would expire everything a second time).
            if keys.generation < generation {
                keys.generation = generation
                keys.cache.expireAll(now: now)
            }
            return keys.cache.entry(digest, now: now)
        }
        guard let found else { return .miss }
        front.store(found.record, for: digest, until: found.until, generation: generation, in: entries)
        return .hit(found.record)
    }

    private func store(_ table: borrowing Mutex<Keys>, _ entries: WritableKeyPath<Front, Front.KeyEntries>, _ record: KeyRecord?,
                       for digest: SHA256.Digest, generation: UInt64, front: inout Front, now: MonotonicInstant) {
        let stored = table.withLock { keys -> Bool in
            if keys.generation < generation {
                keys.generation = generation
                keys.cache.expireAll(now: now)
            }
            // Read before a change landed: not kept, the next request asks again.
            guard keys.generation == generation else { return false }
            keys.cache.store(record, for: digest, now: now)
            return true
        }
        if stored { front.store(record, for: digest, until: now.adding(milliseconds: keyTTLMs), generation: generation, in: entries) }
    }

    // MARK: Policies

    /// The customer's policies while fresh, after expiring everything if policies changed since.
    func policies(_ customerID: String, generation: UInt64, now: MonotonicInstant, front: inout Front) -> PolicySet? {
        if let entry = front.policies[customerID], entry.generation == generation, now < entry.until { return entry.set }
        let found = policies.withLock { cache -> (policies: PolicySet, until: MonotonicInstant)? in
            cache.advance(to: generation, now: now)
            guard let entry = cache.entries[customerID], now < entry.until else { return nil }
            return entry
        }
        guard let found else { return nil }
        front.store(found.policies, for: customerID, until: found.until, generation: generation)
        return found.policies
    }

    /// The last policies read for the customer, if not older than the outage bound.
    func stalePolicies(_ customerID: String, now: MonotonicInstant) -> PolicySet? {
        let own = policies.withLock { cache -> PolicySet? in
            guard let entry = cache.entries[customerID], now < entry.until.adding(milliseconds: KeyCache.staleOnOutageMs) else { return nil }
            return entry.policies
        }
        if let own { return own }
        // The stash keeps what was read, not a TTL: an entry up to TTL + outage bound old is as old as the own cache allows.
        guard let stash, let found = stash.loadWithTime(name: Self.stashName(customerID), from: .policies,
                                                         maxAgeMs: policyTTLMs + KeyCache.staleOnOutageMs, now: now),
              let set = PolicySet(stashed: found.payload) else { return nil }
        // Kept as an entry that expired when the other worker's would have: later checks of the
        // outage find it here instead of parsing the policies again, within the same bound.
        let until = found.storedAt.adding(milliseconds: policyTTLMs)
        policies.withLock { cache in
            if cache.entries[customerID] == nil, cache.entries.count < WorkerCaches.policyCapacity { cache.entries[customerID] = (set, until) }
        }
        return set
    }

    /// A customer's name in the stash (32 bytes, as the stash's names are).
    static func stashName(_ customerID: String) -> [UInt8] { SHA256.digest("policies:" + customerID) }

    /// Stores the customer's policies as read under invalidation `generation`.
    package func storePolicies(_ set: PolicySet, for customerID: String, generation: UInt64, now: MonotonicInstant, front: inout Front) {
        let until = now.adding(milliseconds: policyTTLMs)
        let stored = policies.withLock { cache -> Bool in
            cache.advance(to: generation, now: now)
            guard cache.generation == generation else { return false } // read before a change landed
            if cache.entries.count >= WorkerCaches.policyCapacity { cache.entries.removeAll(keepingCapacity: true) }
            cache.entries[customerID] = (set, until)
            return true
        }
        if stored { front.store(set, for: customerID, until: until, generation: generation) }
        stash?.store(set.stashed, name: Self.stashName(customerID), in: .policies, now: now)
    }
}

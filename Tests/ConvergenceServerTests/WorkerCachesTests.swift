import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceJSON
import ConvergenceShared
import Testing
@testable import ConvergenceServer

/// The worker's key and policy caches as its threads see them: each thread reads
/// through its own lock-free front, which must never answer longer, or after a
/// change, than the shared cache would.
@Suite struct WorkerCachesTests {
    static let t0 = MonotonicInstant(nanoseconds: 1_000_000_000_000)
    let digest = SHA256.Digest(SHA256.digest("cvg_live_example"))

    func record(_ id: String) -> KeyRecord {
        KeyRecord(keyID: id, kind: .customer, customerID: "c1", tenantID: "t1", tier: "free", expiresAt: nil, revokedAt: nil,
                  digest: digest.bytes)
    }

    @Test func aFrontHitExpiresWithTheSharedEntry() {
        let caches = WorkerCaches(keyTTLMs: 500, policyTTLMs: 500)
        var front = WorkerCaches.Front()
        caches.storeKey(record("key_a"), for: digest, generation: 3, front: &front, now: Self.t0)
        #expect(caches.key(digest, generation: 3, front: &front, now: Self.t0.adding(milliseconds: 499)) == .hit(record("key_a")))
        #expect(caches.key(digest, generation: 3, front: &front, now: Self.t0.adding(milliseconds: 500)) == .miss)
    }

    @Test func sessionsAndKeysNeverAnswerForEachOther() {
        let caches = WorkerCaches(keyTTLMs: 500, policyTTLMs: 500)
        var front = WorkerCaches.Front(), other = WorkerCaches.Front()
        caches.storeSession(record("key_admin"), for: digest, generation: 1, front: &front, now: Self.t0)
        #expect(caches.key(digest, generation: 1, front: &front, now: Self.t0) == .miss, "a session token is no key")
        #expect(caches.session(digest, generation: 1, front: &other, now: Self.t0) == .hit(record("key_admin")))
        // A sign-out elsewhere (a newer generation) is seen at once, through either front.
        #expect(caches.session(digest, generation: 2, front: &front, now: Self.t0.adding(milliseconds: 1)) == .miss)
        #expect(caches.session(digest, generation: 2, front: &other, now: Self.t0.adding(milliseconds: 1)) == .miss)
    }

    @Test func anotherThreadFindsWhatOneThreadStored() {
        let caches = WorkerCaches(keyTTLMs: 500, policyTTLMs: 500)
        var first = WorkerCaches.Front(), second = WorkerCaches.Front()
        caches.storeKey(record("key_a"), for: digest, generation: 3, front: &first, now: Self.t0)
        #expect(caches.key(digest, generation: 3, front: &second, now: Self.t0.adding(milliseconds: 100)) == .hit(record("key_a")))
        // Copied with the shared entry's expiry, not a fresh TTL from the copy.
        #expect(caches.key(digest, generation: 3, front: &second, now: Self.t0.adding(milliseconds: 501)) == .miss)
    }

    @Test func aKeyChangeElsewhereIsSeenAtOnceThroughTheFront() {
        let caches = WorkerCaches(keyTTLMs: 60_000, policyTTLMs: 60_000)
        var front = WorkerCaches.Front()
        caches.storeKey(record("key_a"), for: digest, generation: 3, front: &front, now: Self.t0)
        // Another worker revoked a key: the shared generation moved from 3 to 4.
        #expect(caches.key(digest, generation: 4, front: &front, now: Self.t0.adding(milliseconds: 1)) == .miss)
        caches.storeKey(record("key_b"), for: digest, generation: 4, front: &front, now: Self.t0.adding(milliseconds: 2))
        #expect(caches.key(digest, generation: 4, front: &front, now: Self.t0.adding(milliseconds: 3)) == .hit(record("key_b")))
    }

    @Test func aRecordReadBeforeAChangeLandedIsNotKept() {
        let caches = WorkerCaches(keyTTLMs: 60_000, policyTTLMs: 60_000)
        var slow = WorkerCaches.Front(), fast = WorkerCaches.Front()
        // `slow` read generation 3 and asked PostgreSQL; meanwhile the key changed (4) and `fast` looked it up.
        #expect(caches.key(digest, generation: 4, front: &fast, now: Self.t0) == .miss)
        caches.storeKey(record("key_old"), for: digest, generation: 3, front: &slow, now: Self.t0.adding(milliseconds: 1))
        #expect(caches.key(digest, generation: 4, front: &fast, now: Self.t0.adding(milliseconds: 2)) == .miss)
        #expect(caches.key(digest, generation: 4, front: &slow, now: Self.t0.adding(milliseconds: 2)) == .miss)
    }

    @Test func anUnknownKeyIsCachedAsUnknown() {
        let caches = WorkerCaches(keyTTLMs: 500, policyTTLMs: 500)
        var front = WorkerCaches.Front()
        #expect(caches.key(digest, generation: 0, front: &front, now: Self.t0) == .miss)
        caches.storeKey(nil, for: digest, generation: 0, front: &front, now: Self.t0)
        #expect(caches.key(digest, generation: 0, front: &front, now: Self.t0.adding(milliseconds: 1)) == .hit(nil))
    }

    @Test func policiesFollowTheirTTLAndGeneration() throws {
        let caches = WorkerCaches(keyTTLMs: 500, policyTTLMs: 1000)
        var front = WorkerCaches.Front(), other = WorkerCaches.Front()
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(#"{"max_tokens": 100}"#.utf8)))
        let set = PolicySet([Policy(id: "pol_1", version: 2, mode: .enforce, rules: rules)])
        caches.storePolicies(set, for: "c1", generation: 7, now: Self.t0, front: &front)
        #expect(caches.policies("c1", generation: 7, now: Self.t0.adding(milliseconds: 999), front: &front) === set)
        #expect(caches.policies("c1", generation: 7, now: Self.t0.adding(milliseconds: 10), front: &other) === set)
        #expect(caches.policies("c1", generation: 7, now: Self.t0.adding(milliseconds: 1000), front: &front) == nil)
        #expect(caches.policies("c1", generation: 7, now: Self.t0.adding(milliseconds: 1000), front: &other) == nil)
        caches.storePolicies(set, for: "c1", generation: 7, now: Self.t0.adding(milliseconds: 1000), front: &front)
        #expect(caches.policies("c1", generation: 8, now: Self.t0.adding(milliseconds: 1001), front: &front) == nil)
        #expect(caches.policies("c2", generation: 7, now: Self.t0.adding(milliseconds: 1001), front: &front) == nil)
    }

    /// Two workers of one host: what one read from PostgreSQL answers for the other during an
    /// outage, though the other never read it (keep-alive can leave a worker idle that long),
    /// within the same age bound as a worker's own entries.
    @Test func anotherWorkersReadAnswersDuringAnOutage() throws {
        let stash = SharedStash(region: SharedRegion.inMemory(buckets: 64, series: 64))
        let busy = WorkerCaches(keyTTLMs: 500, policyTTLMs: 1000, stash: stash)
        let idle = WorkerCaches(keyTTLMs: 500, policyTTLMs: 1000, stash: stash)
        var front = WorkerCaches.Front()
        let keyed = KeyRecord(keyID: "key_a", kind: .customer, customerID: "c1", tenantID: "t1", tier: "pro", expiresAt: 99,
                              revokedAt: nil, rateLimit: .init(limit: 5, periodSeconds: 60), department: "finance", digest: digest.bytes)
        busy.storeKey(keyed, for: digest, generation: 1, front: &front, now: Self.t0)
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(#"{"max_tokens": 100, "applies_to": {"departments": ["finance"]}}"#.utf8)))
        busy.storePolicies(PolicySet([Policy(id: "pol_1", version: 2, mode: .monitor, rules: rules)]), for: "c1", generation: 1, now: Self.t0,
                           front: &front)

        let later = Self.t0.adding(milliseconds: 500 + KeyCache.staleOnOutageMs - 1)
        #expect(idle.staleKey(digest, now: later) == .hit(keyed))
        let policies = try #require(idle.stalePolicies("c1", now: later))
        #expect(policies.policies == [Policy(id: "pol_1", version: 2, mode: .monitor, rules: rules)])
        #expect(idle.stalePolicies("c1", now: later) === policies, "read from the stash once, then from the worker's own cache")
        #expect(idle.policies("c1", generation: 1, now: later, front: &front) == nil, "kept expired: never served as fresh")
        #expect(idle.staleKey(digest, now: Self.t0.adding(milliseconds: 500 + KeyCache.staleOnOutageMs)) == .miss, "past the outage bound")
        #expect(idle.stalePolicies("c1", now: Self.t0.adding(milliseconds: 1000 + KeyCache.staleOnOutageMs)) == nil)
        #expect(idle.stalePolicies("c2", now: later) == nil)
        // A worker without the stash (a tool's caches) knows only its own reads.
        #expect(WorkerCaches(keyTTLMs: 500, policyTTLMs: 500).staleKey(digest, now: later) == .miss)
    }
}

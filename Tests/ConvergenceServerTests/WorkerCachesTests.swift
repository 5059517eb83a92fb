import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceJSON
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
}

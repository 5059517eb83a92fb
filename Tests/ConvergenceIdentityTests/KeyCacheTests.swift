import ConvergenceCore
import Foundation
import Testing
@testable import ConvergenceIdentity

@Suite struct KeyCacheTests {
    let record = KeyRecord(keyID: "key_1", kind: .customer, customerID: "c", tenantID: "t", tier: "free",
                           expiresAt: nil, revokedAt: nil, digest: SHA256.digest("key one"))

    @Test func entriesExpireAfterTheTTL() {
        var cache = KeyCache(ttlMs: 500)
        let t0 = MonotonicInstant(nanoseconds: 0)
        cache.store(record, for: SHA256.Digest(SHA256.digest("key one")), now: t0)
        #expect(cache.lookup(SHA256.Digest(SHA256.digest("key one")), now: t0.adding(milliseconds: 499)) == .hit(record))
        #expect(cache.lookup(SHA256.Digest(SHA256.digest("key one")), now: t0.adding(milliseconds: 500)) == .miss)
        cache.store(nil, for: SHA256.Digest(SHA256.digest("key nine")), now: t0)
        #expect(cache.lookup(SHA256.Digest(SHA256.digest("key nine")), now: t0) == .hit(nil))
    }

    @Test func expiredEntriesAreEvictedBeforeLiveOnes() {
        var cache = KeyCache(ttlMs: 500, capacity: 10)
        let t0 = MonotonicInstant(nanoseconds: 0)
        cache.store(record, for: SHA256.Digest(SHA256.digest("key one")), now: t0.adding(milliseconds: 400))
        for i in 0..<9 { cache.store(nil, for: SHA256.Digest(SHA256.digest("miss \(i)")), now: t0) }
        cache.store(nil, for: SHA256.Digest(SHA256.digest("late")), now: t0.adding(milliseconds: 600)) // table full: the 9 expired misses go
        #expect(cache.lookup(SHA256.Digest(SHA256.digest("key one")), now: t0.adding(milliseconds: 600)) == .hit(record))
    }

    @Test func capacityIsBounded() {
        var cache = KeyCache(ttlMs: 500, capacity: 10)
        for i in 0..<25 { cache.store(nil, for: SHA256.Digest(SHA256.digest("key \(i)"))) }
        #expect(cache.count <= 10)
    }

    @Test func usabilityFollowsRevocationAndExpiry() {
        let expiring = KeyRecord(keyID: "k", kind: .customer, customerID: nil, tenantID: nil, tier: nil,
                                 expiresAt: 100, revokedAt: nil, digest: [])
        #expect(expiring.isUsable(nowMicros: 99))
        #expect(!expiring.isUsable(nowMicros: 100))
        let revoked = KeyRecord(keyID: "k", kind: .customer, customerID: nil, tenantID: nil, tier: nil,
                                expiresAt: nil, revokedAt: 50, digest: [])
        #expect(!revoked.isUsable(nowMicros: 60))
        #expect(record.matches(digest: SHA256.digest("key one")))
        #expect(!record.matches(digest: SHA256.digest("key two")))
        #expect(record.matches(SHA256.Digest(SHA256.digest("key one"))))
        #expect(!record.matches(SHA256.Digest(SHA256.digest("key two"))))
    }
}

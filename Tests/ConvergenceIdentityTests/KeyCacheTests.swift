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

/// The stash encoding of a key record: every field survives, and bytes that are not a
/// record (cut short, another version) decode to nothing rather than to a wrong key.
@Suite struct KeyRecordStashTests {
    @Test func everyFieldSurvivesAndMalformedBytesAreRefused() {
        let full = KeyRecord(keyID: "key_abc", kind: .customer, customerID: "c-1", tenantID: "acme", tier: "pro", expiresAt: -5,
                             revokedAt: 1_700_000_000_000_000, rateLimit: RateLimitRule(limit: 10, periodSeconds: 60),
                             department: "Finanzabteilung ü", digest: Array(repeating: 9, count: 32))
        #expect(KeyRecord(stashed: full.stashed) == full)
        let bare = KeyRecord(keyID: "key_admin", kind: .admin, customerID: nil, tenantID: nil, tier: nil, expiresAt: nil, revokedAt: nil,
                             digest: Array(repeating: 1, count: 32))
        #expect(KeyRecord(stashed: bare.stashed) == bare)
        let bytes = full.stashed
        for cut in [0, 1, 5, bytes.count / 2, bytes.count - 1] { #expect(KeyRecord(stashed: Array(bytes.prefix(cut))) == nil, "cut at \(cut)") }
        #expect(KeyRecord(stashed: [2] + bytes.dropFirst()) == nil, "another encoding version")
        #expect(KeyRecord(stashed: bytes + [0]) == nil, "trailing bytes")
    }
}

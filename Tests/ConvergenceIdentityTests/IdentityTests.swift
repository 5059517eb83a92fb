import ConvergenceCore
import Foundation
import Testing
@testable import ConvergenceIdentity

@Suite struct APIKeyFormatTests {
    @Test func generatedKeysHaveTheDocumentedShapes() {
        let live = APIKeyFormat.newLiveKey()
        #expect(live.hasPrefix("sk_live_") && live.count == 8 + 32)
        #expect(APIKeyFormat.shape(of: live) == .live)
        let admin = APIKeyFormat.newAdminKey()
        #expect(APIKeyFormat.shape(of: admin) == .admin)
        let tenant = APIKeyFormat.newTenantKey(tenantID: "acmeinc_23xv2")
        #expect(tenant.hasPrefix("acmeinc_23xv2_api_") && tenant.count == "acmeinc_23xv2_api_".count + 16)
        #expect(APIKeyFormat.shape(of: tenant) == .tenant(tenantID: "acmeinc_23xv2"))
        #expect(APIKeyFormat.newLiveKey() != live)
    }

    @Test func aMistypedKeyFailsTheChecksum() {
        let live = APIKeyFormat.newLiveKey()
        var chars = Array(live)
        let i = 12
        chars[i] = chars[i] == "a" ? "b" : "a"
        #expect(APIKeyFormat.shape(of: String(chars)) == nil)
        #expect(APIKeyFormat.shape(of: String(live.dropLast())) == nil)
        #expect(APIKeyFormat.shape(of: "sk_live_" + String(repeating: "a", count: 32)) == nil)
    }

    @Test(arguments: ["", "Bearer x", "sk_live_", "acme_api_short", "a b_api_0123456789abcdef", "x_api_0123456789abcdef",
                      "acme_api_0123456789abcde!", String(repeating: "a", count: 300), "ünïcode_api_0123456789abcdef"])
    func garbageIsNotAKey(_ text: String) {
        #expect(APIKeyFormat.shape(of: text) == nil)
    }

    @Test func tenantIDsContainingTheMarkerStillParse() {
        let key = APIKeyFormat.newTenantKey(tenantID: "my_api_tenant")
        #expect(APIKeyFormat.shape(of: key) == .tenant(tenantID: "my_api_tenant"))
    }

    @Test func displayPartsRevealNothingSecret() {
        let key = APIKeyFormat.newLiveKey()
        let parts = APIKeyFormat.displayParts(of: key)
        #expect(parts.prefix == String(key.prefix(12)))
        #expect(parts.last4 == String(key.suffix(4)))
        #expect(APIKeyFormat.displayParts(of: "acme_01_api_0123456789abcdef").prefix == "acme_01_api_")
    }

    @Test func keysCarryAtLeast95RandomBits() {
        // 26 base62 characters ≈ 154.8 bits; 16 ≈ 95.3 bits (SPEC: ≥ 95).
        #expect(Double(APIKeyFormat.randomLength) * log2(62) >= 95)
        #expect(Double(APIKeyFormat.tenantRandomLength) * log2(62) >= 95)
    }
}

@Suite struct TenantIDTests {
    @Test(arguments: ["acmeinc_23xv2", "abc", String(repeating: "a", count: 50), "Tenant_1"])
    func acceptsWellFormedIDs(_ id: String) throws { try TenantID.validate(id) }

    @Test(arguments: ["ab", String(repeating: "a", count: 51), "a-b-c", "has space", "ünïcode", "a; DROP SCHEMA x", "x\"y", ""])
    func refusesMalformedIDs(_ id: String) {
        #expect(throws: TenantID.Problem.malformed) { try TenantID.validate(id) }
    }

    @Test(arguments: ["public", "PUBLIC", "pg_catalog", "pg_toast", "information_schema", "convergence"])
    func refusesReservedNames(_ id: String) {
        #expect(throws: TenantID.Problem.reserved) { try TenantID.validate(id) }
    }

    /// `sk_live_x` would onboard, but its key `sk_live_x_api_…` reads as a live key and never authenticates.
    @Test(arguments: ["sk_live_acme", "sk_admin_x", "SK_LIVE_acme", "sk_tenant"])
    func refusesIDsInTheKeyPrefixNamespace(_ id: String) {
        #expect(throws: TenantID.Problem.keyPrefix) { try TenantID.validate(id) }
    }

    @Test func derivesFromNames() throws {
        let id = TenantID.derive(fromName: "Acme Inc.")
        #expect(id.hasPrefix("acme_inc_"))
        #expect(id.count == "acme_inc_".count + 5)
        try TenantID.validate(id)
        try TenantID.validate(TenantID.derive(fromName: "Ünïcødé — Co"))
        try TenantID.validate(TenantID.derive(fromName: ""))
        try TenantID.validate(TenantID.derive(fromName: "pg_admin"))
        try TenantID.validate(TenantID.derive(fromName: "PG"))
        try TenantID.validate(TenantID.derive(fromName: "Convergence"))
        try TenantID.validate(TenantID.derive(fromName: "SK Live Holdings"))
        try TenantID.validate(TenantID.derive(fromName: "sk"))
        try TenantID.validate(TenantID.derive(fromName: String(repeating: "Long Name ", count: 20)))
    }
}

@Suite struct CryptoTests {
    @Test func sha256MatchesAKnownVector() {
        #expect(Hex.encode(SHA256.digest("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let context = SHA256.Context()
        #expect(context.digest("abc").bytes == SHA256.digest("abc"), "the reused context gives the same digest")
        #expect(context.digest("abc") == SHA256.Digest(SHA256.digest("abc")))
        #expect(context.digest("abd") != context.digest("abc"))
    }

    @Test func aesGCMRoundTripsAndDetectsTampering() throws {
        let keyring = try MasterKeyring(text: MasterKeyring.generateText(id: "k2") + "\n" + MasterKeyring.generateText(id: "k1"))
        let (keyID, sealed) = try keyring.seal(Array("secret json".utf8), context: "acme/gcp")
        #expect(keyID == "k2")
        #expect(try keyring.open(sealed, keyID: keyID, context: "acme/gcp") == Array("secret json".utf8))
        #expect(throws: AESGCM.Failure.self) { try keyring.open(sealed, keyID: keyID, context: "other/gcp") }
        var tampered = sealed.ciphertext
        tampered[0] ^= 1
        #expect(throws: AESGCM.Failure.self) {
            try keyring.open(AESGCM.Sealed(nonce: sealed.nonce, ciphertext: tampered), keyID: keyID, context: "acme/gcp")
        }
        #expect(throws: AESGCM.Failure.self) { try keyring.open(sealed, keyID: "k1", context: "acme/gcp") }
    }

    @Test func keyringTextIsValidated() {
        #expect(throws: MasterKeyring.Problem.empty) { try MasterKeyring(text: " \n") }
        #expect(throws: MasterKeyring.Problem.malformed(entry: 1)) { try MasterKeyring(text: "k1:c2hvcnQ=") }
        #expect(throws: MasterKeyring.Problem.malformed(entry: 1)) { try MasterKeyring(text: "no-colon") }
        let one = MasterKeyring.generateText(id: "k1")
        #expect(throws: MasterKeyring.Problem.duplicateID("k1")) { try MasterKeyring(text: one + "," + one) }
    }

    @Test func constantTimeEqualsComparesContent() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
    }

    @Test func base62RandomUsesOnlyTheAlphabet() {
        let text = Base62.random(1000)
        #expect(text.count == 1000)
        #expect(text.utf8.allSatisfy { Base62.alphabet.contains($0) })
    }
}

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

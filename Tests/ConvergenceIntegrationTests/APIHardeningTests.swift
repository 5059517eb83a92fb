import ConvergenceTestSupport
import Foundation
import XCTest

/// Issue 13's API holes, through nginx against real PostgreSQL: key rotation,
/// admin audit completeness, tenant ids, seed 002's key field names, and the
/// strict request rules (query parameters, duplicate JSON keys, cursors).
final class APIHardeningTests: StackTestCase {
    override class var stackLabel: String { "api-hardening" }
    override class var stackOverrides: [String: String] { ["CONVERGENCE_KEY_USAGE_FLUSH_SECONDS": "1"] }

    /// A new customer (tenant id returned too) for one test.
    func customer(_ name: String) throws -> (id: String, tenant: String) {
        let created = try client.post("/admin/customers", json: #"{"name": "\#(name)"}"#, headers: admin)
        XCTAssertEqual(created.status, 201, created.text)
        let body = try created.json()
        return (try XCTUnwrap(body["id"] as? String), try XCTUnwrap(body["tenant_id"] as? String))
    }

    func issue(_ customerID: String, extra: String = "") throws -> [String: Any] {
        let issued = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"\#(extra)}"#, headers: admin)
        XCTAssertEqual(issued.status, 201, issued.text)
        return try issued.json()
    }

    // MARK: Rotation

    func testRotationKeepsTheExpiryAndRefusesDeadOrRotatedKeys() throws {
        let (customerID, tenant) = try customer("Rotation Holes")
        let path = "/api/v1/tenants/\(tenant)/credentials"
        let expiresAt = "2099-01-02T03:04:05.000Z"
        let original = try issue(customerID, extra: #", "expires_at": "\#(expiresAt)", "rate_limit": {"limit": 7, "period_seconds": 60}"#)
        let originalID = try XCTUnwrap(original["key_id"] as? String)

        let rotated = try client.post("/admin/keys/\(originalID)/rotate", json: "{}", headers: admin)
        XCTAssertEqual(rotated.status, 201, rotated.text)
        let replacement = try rotated.json()
        XCTAssertEqual(replacement["expires_at"] as? String, expiresAt, "the replacement keeps the expiry")
        XCTAssertEqual((replacement["rate_limit"] as? [String: Any])?["limit"] as? Int, 7, "and the rate limit")

        // Rotating the same key again would mint a second live key: 409, nothing created.
        let keysBefore = try psql("SELECT count(*) FROM convergence.api_keys WHERE customer_id = '\(customerID)'")
        let again = try client.post("/admin/keys/\(originalID)/rotate", json: "{}", headers: admin)
        XCTAssertEqual(again.status, 409, again.text)
        XCTAssertEqual(errorCode(again), "key_already_rotated")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.api_keys WHERE customer_id = '\(customerID)'"), keysBefore)

        // A revoked key: 404 like an unknown one.
        let revokedID = try XCTUnwrap(try issue(customerID)["key_id"] as? String)
        XCTAssertEqual(try client.send("DELETE", "/admin/keys/\(revokedID)", headers: admin).status, 200)
        let revoked = try client.post("/admin/keys/\(revokedID)/rotate", json: "{}", headers: admin)
        XCTAssertEqual(revoked.status, 404, revoked.text)

        // An expired key does not come back to life.
        let shortExpiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(1.2))
        let expiring = try issue(customerID, extra: #", "expires_at": "\#(shortExpiry)""#)
        let expiringID = try XCTUnwrap(expiring["key_id"] as? String)
        let expiringKey = try XCTUnwrap(expiring["key"] as? String)
        XCTAssertTrue(waitUntil(timeout: 5, interval: 0.1) { (try? client.get(path, headers: ["X-API-Key": expiringKey]).status) == 401 })
        let expired = try client.post("/admin/keys/\(expiringID)/rotate", json: "{}", headers: admin)
        XCTAssertEqual(expired.status, 409, expired.text)
        XCTAssertEqual(errorCode(expired), "key_expired")
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": expiringKey]).status, 401)
    }

    func testConcurrentRotationsOfOneKeyMintOneReplacement() throws {
        let (customerID, _) = try customer("Rotation Race")
        let keyID = try XCTUnwrap(try issue(customerID)["key_id"] as? String)
        let statuses = StatusList()
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            DispatchQueue.global().async { [client, admin] in
                defer { group.leave() }
                statuses.append((try? client.post("/admin/keys/\(keyID)/rotate", json: "{}", headers: admin).status) ?? 0)
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(statuses.sorted, [201, 409, 409, 409, 409, 409])
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.api_keys WHERE customer_id = '\(customerID)' AND revoked_at IS NULL"
                                + " AND rotated_at IS NULL"), "1")
    }

    /// Expiry is compared to the microsecond: a 1 s grace lasts a second, never ~0 s
    /// (truncated to whole seconds, a key rotated at .9 s expired 0.1 s later).
    func testAOneSecondGraceLastsASecond() throws {
        let (customerID, tenant) = try customer("Grace Precision")
        let path = "/api/v1/tenants/\(tenant)/credentials"
        for _ in 0..<3 {
            let old = try issue(customerID)
            let oldKey = try XCTUnwrap(old["key"] as? String)
            let rotatedAt = Date()
            let rotated = try client.post("/admin/keys/\(try XCTUnwrap(old["key_id"] as? String))/rotate",
                                          json: #"{"grace_seconds": 1}"#, headers: admin)
            XCTAssertEqual(rotated.status, 201, rotated.text)
            // Well inside the second (the rotation's own round trip included).
            let wait = 0.6 - Date().timeIntervalSince(rotatedAt)
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            XCTAssertEqual(try client.get(path, headers: ["X-API-Key": oldKey]).status, 200, "refused before its grace ended")
            Thread.sleep(forTimeInterval: max(0, 1.3 - Date().timeIntervalSince(rotatedAt)))
            XCTAssertEqual(try client.get(path, headers: ["X-API-Key": oldKey]).status, 401)
        }
    }

    /// Issue 14: last_used_at was the time a batch was written, so a revoked key could
    /// read as used after its revocation.
    func testLastUsedIsTheTimeOfUseNeverAfterARevocation() throws {
        let (customerID, tenant) = try customer("Last Used")
        let path = "/api/v1/tenants/\(tenant)/credentials"
        let used = try issue(customerID)
        let usedID = try XCTUnwrap(used["key_id"] as? String)
        let other = try XCTUnwrap(try issue(customerID)["key"] as? String)
        for _ in 0..<20 { XCTAssertEqual(try client.get(path, headers: ["X-API-Key": try XCTUnwrap(used["key"] as? String)]).status, 200) }
        XCTAssertEqual(try client.send("DELETE", "/admin/keys/\(usedID)", headers: admin).status, 200)
        // After the flush interval, other requests on the same threads write the batch.
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(try waitUntil(timeout: 10, interval: 0.2) {
            for _ in 0..<20 { _ = try client.get(path, headers: ["X-API-Key": other]) }
            return try psql("SELECT last_used_at IS NOT NULL FROM convergence.api_keys WHERE key_id = '\(usedID)'") == "t"
        }, "last_used_at never written")
        XCTAssertEqual(try psql("SELECT last_used_at < revoked_at FROM convergence.api_keys WHERE key_id = '\(usedID)'"), "t")
        let listed = try client.get("/admin/keys?customer_id=\(customerID)", headers: admin).json()["keys"] as? [[String: Any]] ?? []
        XCTAssertNotNil(listed.first { $0["key_id"] as? String == usedID }?["last_used_at"] as? String, "visible in the key list")
    }

    // MARK: Seed 002's names

    func testIssueAndRotationNameTheSecretKeyAsTheSeedDoes() throws {
        let (customerID, tenant) = try customer("Seed Names")
        let issued = try issue(customerID)
        let key = try XCTUnwrap(issued["key"] as? String)
        XCTAssertEqual(issued["api_key"] as? String, key, "the same value under both names")
        XCTAssertEqual(issued["id"] as? String, issued["key_id"] as? String)
        XCTAssertEqual(try client.get("/api/v1/tenants/\(tenant)/credentials", headers: ["X-API-Key": key]).status, 200)
        let rotated = try client.post("/admin/keys/\(try XCTUnwrap(issued["id"] as? String))/rotate", json: "{}", headers: admin).json()
        XCTAssertNotNil(rotated["key"] as? String)
        XCTAssertEqual(rotated["key"] as? String, rotated["api_key"] as? String)
        XCTAssertEqual(rotated["id"] as? String, rotated["key_id"] as? String)
        // Listing never shows it under either name.
        let listed = try client.get("/admin/keys?customer_id=\(customerID)", headers: admin)
        XCTAssertFalse(listed.text.contains(key))
    }

    // MARK: Admin audit

    func testSettingAKeysRateLimitWritesAnAdminAuditRecord() throws {
        let (customerID, _) = try customer("Audited Limits")
        let keyID = try XCTUnwrap(try issue(customerID)["key_id"] as? String)
        let set = try client.send("PUT", "/admin/keys/\(keyID)/rate_limit", headers: admin.merging(["Content-Type": "application/json"]) { $1 },
                                  body: Data(#"{"limit": 50, "period_seconds": 60}"#.utf8))
        XCTAssertEqual(set.status, 200, set.text)
        let cleared = try client.send("PUT", "/admin/keys/\(keyID)/rate_limit", headers: admin.merging(["Content-Type": "application/json"]) { $1 },
                                      body: Data("null".utf8))
        XCTAssertEqual(cleared.status, 200, cleared.text)
        var targets: [String] = []
        XCTAssertTrue(try waitUntil(timeout: 10, interval: 0.1) {
            let records = try client.get("/logs?kind=admin&customer_id=\(customerID)&limit=50", headers: admin).json()["logs"]
                as? [[String: Any]] ?? []
            targets = records.filter { $0["action"] as? String == "key.rate_limit" }.compactMap { $0["target"] as? String }
            return targets.count == 2
        }, "rate-limit changes in the admin audit: \(targets)")
        XCTAssertEqual(Set(targets), ["key:\(keyID) 50/60s", "key:\(keyID) tier"])
    }

    // MARK: Tenant ids

    func testTenantIDsInTheKeyNamespaceOrDifferingOnlyInCaseAreRefused() throws {
        for tenant in ["sk_live_acme", "sk_admin_ops"] {
            let refused = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
            XCTAssertEqual(refused.status, 400, refused.text)
            XCTAssertEqual(errorCode(refused), "invalid_tenant_id")
            XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE nspname = '\(tenant)'"), "0")
        }
        let first = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "CaseCo_1"}"#, headers: admin)
        XCTAssertEqual(first.status, 201, first.text)
        for spelling in ["caseco_1", "CASECO_1"] {
            let twin = try client.post("/admin/customers", json: #"{"tenant_id": "\#(spelling)", "name": "Twin"}"#, headers: admin)
            XCTAssertEqual(twin.status, 409, twin.text)
            XCTAssertEqual(errorCode(twin), "tenant_exists")
        }
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE lower(nspname) = 'caseco_1'"), "1")
    }

    // MARK: Strict request rules

    func testUnknownOrUndecodableQueryParametersAre400OnEveryRoute() throws {
        let (customerID, _) = try customer("Query Rules")
        // A misspelt filter would have listed every customer's keys.
        let typo = try client.get("/admin/keys?customerid=\(customerID)", headers: admin)
        XCTAssertEqual(typo.status, 400, typo.text)
        XCTAssertTrue(errorMessage(typo).contains("customerid"), typo.text)
        XCTAssertEqual(try client.get("/admin/customers?tenant_id=x", headers: admin).status, 400)
        XCTAssertEqual(try client.get("/admin/customers/\(customerID)?verbose=1", headers: admin).status, 400)
        XCTAssertEqual(try client.get("/logs?%ZZ=1", headers: admin).status, 400)
        XCTAssertEqual(try client.get("/logs?limit=%FF", headers: admin).status, 400)
        let long = try client.get("/logs?" + String(repeating: "n", count: 3000) + "=1", headers: admin)
        XCTAssertEqual(long.status, 400)
        XCTAssertLessThan(errorMessage(long).utf8.count, 200, "the name is not echoed whole")
        XCTAssertEqual(try client.get("/admin/keys?customer_id=\(customerID)", headers: admin).status, 200)
    }

    func testDuplicateKeysInABodyAreRefusedAndChangeNothing() throws {
        let (customerID, _) = try customer("Duplicate Keys")
        let before = try psql("SELECT count(*) FROM convergence.api_keys WHERE customer_id = '\(customerID)'")
        let issued = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "name": "a", "name": "b"}"#, headers: admin)
        XCTAssertEqual(issued.status, 400, issued.text)
        XCTAssertEqual(errorCode(issued), "invalid_json")
        XCTAssertTrue(errorMessage(issued).contains("duplicate key"), issued.text)
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.api_keys WHERE customer_id = '\(customerID)'"), before)

        let key = try XCTUnwrap(try issue(customerID)["key"] as? String)
        let check = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "tokens": 1, "tokens": 90000}]}"#,
                                    headers: ["X-API-Key": key])
        XCTAssertEqual(check.status, 400, check.text)
        XCTAssertTrue(errorMessage(check).contains("duplicate key"), check.text)
    }

    /// Issue 14: `token` for `tokens` under a max_tokens policy was answered allowed.
    func testAMisspeltOperationFieldIs400NotASilentlySkippedRule() throws {
        let (customerID, _) = try customer("Typo Guard")
        let policy = try client.post("/policies", json: #"{"customer_id": "\#(customerID)", "name": "tokens", "rules": {"max_tokens": 10000, "allowed_models": ["gpt-4"]}}"#,
                                     headers: admin)
        XCTAssertEqual(policy.status, 201, policy.text)
        let key = ["X-API-Key": try XCTUnwrap(try issue(customerID)["key"] as? String)]
        let typo = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "model": "gpt-4", "token": 50000}]}"#, headers: key)
        XCTAssertEqual(typo.status, 400, typo.text)
        XCTAssertTrue(errorMessage(typo).hasPrefix("operations[0].token:"), typo.text)
        let topLevel = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call"}], "contxt": {"email": "a@b.example"}}"#, headers: key)
        XCTAssertEqual(topLevel.status, 400, topLevel.text)
        let spelt = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 50000}]}"#, headers: key)
        XCTAssertEqual(spelt.status, 200, spelt.text)
        XCTAssertEqual(try spelt.json()["allowed"] as? Bool, false)
    }

    func testAPipelineCursorOutOfRangeIsInvalidCursor() throws {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "cursor_range"}"#, headers: admin)
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String, onboarded.text)
        for cursor in ["9223372036854775807_00000000-0000-0000-0000-000000000000", "-5_00000000-0000-0000-0000-000000000000"] {
            let response = try client.get("/api/v1/pipelines/runs/cursor_range?cursor=\(cursor)", headers: ["X-API-Key": key])
            XCTAssertEqual(response.status, 400, response.text)
            XCTAssertEqual(errorCode(response), "invalid_cursor")
        }
    }
}

import ConvergenceTestSupport
import Foundation
import XCTest

/// The backend of the operators' dashboard (issue 17): read-only admin keys, cookie
/// sessions, `/admin/stats`, `/admin/usage` and the list fields the views need.
final class DashboardAPITests: StackTestCase {
    override class var stackLabel: String { "dashboard-api" }

    func json(_ method: String, _ path: String, _ body: String?, headers: [String: String]) throws -> HTTPClient.Response {
        var all = headers
        if body != nil { all["Content-Type"] = "application/json" }
        return try client.send(method, path, headers: all, body: body.map { Data($0.utf8) })
    }

    func onboard(_ tenant: String) throws -> (customerID: String, key: String) {
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
        XCTAssertEqual(response.status, 201, response.text)
        let body = try response.json()
        return (try XCTUnwrap(body["customer_id"] as? String), try XCTUnwrap(body["api_key"] as? String))
    }

    // MARK: Read-only keys

    func testReadOnlyKeyReadsEverythingAndChangesNothing() throws {
        let (customerID, _) = try onboard("readonly_t1")
        let keyID = try XCTUnwrap(try json("POST", "/admin/keys", #"{"customer_id": "\#(customerID)"}"#, headers: admin).json()["key_id"] as? String)
        let policy = try json("POST", "/policies", #"{"customer_id": "\#(customerID)", "name": "p", "rules": {"max_tokens": 10}}"#, headers: admin)
        let policyID = try XCTUnwrap(try policy.json()["id"] as? String)
        let viewer = ["Authorization": "Bearer \(try stack.createAdminKey(name: "viewer", readOnly: true))"]

        XCTAssertEqual(try psql("SELECT kind FROM convergence.api_keys WHERE name = 'viewer'"), "admin_read_only")
        for path in ["/admin/customers", "/admin/customers/\(customerID)", "/admin/keys", "/policies", "/policies/\(policyID)", "/logs"] {
            XCTAssertEqual(try client.get(path, headers: viewer).status, 200, path)
        }
        func snapshot() throws -> String {
            try psql("""
                SELECT (SELECT count(*) FROM convergence.customers) || '/' || (SELECT string_agg(name || tier, ',' ORDER BY id) FROM convergence.customers)
                    || '/' || (SELECT string_agg(key_id || coalesce(revoked_at::text, '') || coalesce(rate_limit::text, '') || coalesce(rotated_at::text, ''), ','
                                                 ORDER BY key_id) FROM convergence.api_keys)
                    || '/' || (SELECT string_agg(id || version, ',' ORDER BY id) FROM convergence.policies)
                    || '/' || (SELECT count(*) FROM pg_namespace)
                """)
        }
        let before = try snapshot()
        let mutations: [(String, String, String?)] = [
            ("POST", "/api/v1/customers/onboard", #"{"tenant_id": "readonly_t2"}"#),
            ("POST", "/admin/customers", #"{"name": "Another"}"#),
            ("PATCH", "/admin/customers/\(customerID)", #"{"tier": "pro"}"#),
            ("DELETE", "/admin/customers/\(customerID)", nil),
            ("DELETE", "/admin/customers/\(customerID)?purge=true", nil),
            ("POST", "/admin/keys", #"{"customer_id": "\#(customerID)"}"#),
            ("PUT", "/admin/keys/\(keyID)/rate_limit", #"{"limit": 5, "period_seconds": 60}"#),
            ("POST", "/admin/keys/\(keyID)/rotate", nil),
            ("DELETE", "/admin/keys/\(keyID)", nil),
            ("POST", "/policies", #"{"customer_id": "\#(customerID)", "name": "q", "rules": {"max_tokens": 5}}"#),
            ("PUT", "/policies/\(policyID)", #"{"rules": {"max_tokens": 5}}"#),
            ("PATCH", "/policies/\(policyID)", #"{"rules": {"max_tokens": 5}}"#),
            ("DELETE", "/policies/\(policyID)", nil),
        ]
        for (method, path, body) in mutations {
            let response = try json(method, path, body, headers: viewer)
            XCTAssertEqual(response.status, 403, "\(method) \(path): \(response.text)")
            XCTAssertEqual(errorCode(response), "read_only_key", "\(method) \(path)")
        }
        XCTAssertEqual(try snapshot(), before, "a read-only key changed something")
        // The full admin key still can.
        XCTAssertEqual(try json("PATCH", "/admin/customers/\(customerID)", #"{"tier": "pro"}"#, headers: admin).status, 200)
    }

    // MARK: Sessions

    func signIn(_ key: String) throws -> (response: HTTPClient.Response, cookie: String) {
        let response = try client.post("/admin/session", json: #"{"key": "\#(key)"}"#)
        let setCookie = response.headers["set-cookie"] ?? ""
        let pair = setCookie.split(separator: ";").first.map(String.init) ?? ""
        return (response, pair)
    }

    func testSignInSetsAHardenedCookieThatWorksAndSignOutRevokesIt() throws {
        let before = try psql("SELECT count(*) FROM convergence.admin_sessions")
        let (response, cookie) = try signIn(adminKey)
        XCTAssertEqual(response.status, 201, response.text)
        let setCookie = try XCTUnwrap(response.headers["set-cookie"])
        let token = String(cookie.dropFirst("cv_session=".count))
        XCTAssertNotNil(token.range(of: "^[0-9a-f]{64}$", options: .regularExpression), setCookie)
        XCTAssertEqual(setCookie, "cv_session=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=28800", "plain HTTP: no Secure")
        XCTAssertEqual(response.headers["cache-control"], "no-store")
        let body = try response.json()
        XCTAssertEqual(body["read_only"] as? Bool, false)
        XCTAssertEqual(body["name"] as? String, "test-admin")
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let expires = try XCTUnwrap((body["expires_at"] as? String).flatMap(iso.date(from:)), "\(body)")
        XCTAssertEqual(expires.timeIntervalSinceNow, 28800, accuracy: 60)
        let keyID = try XCTUnwrap(body["key_id"] as? String)

        // Only the digest is stored; the token is in no table, no log line and no audit record.
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.admin_sessions"), String(Int(before)! + 1))
        XCTAssertEqual(try psql("SELECT key_id FROM convergence.admin_sessions WHERE digest = sha256(convert_to('\(token)', 'UTF8'))"), keyID)
        XCTAssertFalse(try psql("SELECT string_agg(row_to_json(s)::text, '') FROM convergence.admin_sessions s").contains(token))
        XCTAssertFalse(try String(contentsOfFile: stack.server.logPath, encoding: .utf8).contains(token))

        let withCookie = ["Cookie": "other=1; \(cookie)"]
        for _ in 0..<6 { XCTAssertEqual(try client.get("/admin/customers", headers: withCookie).status, 200) } // every worker
        let me = try client.get("/admin/session", headers: withCookie)
        XCTAssertEqual(me.status, 200, me.text)
        XCTAssertEqual(try me.json()["key_id"] as? String, keyID)

        // A change made with the cookie needs the CSRF header; a Bearer key does not.
        let noHeader = try json("POST", "/admin/customers", #"{"name": "Cookie Co"}"#, headers: withCookie)
        XCTAssertEqual(noHeader.status, 403)
        XCTAssertEqual(errorCode(noHeader), "csrf_header_required")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.customers WHERE name = 'Cookie Co'"), "0")
        let wrongHeader = try json("POST", "/admin/customers", #"{"name": "Cookie Co"}"#, headers: withCookie.merging(["X-Convergence-CSRF": "yes"]) { $1 })
        XCTAssertEqual(errorCode(wrongHeader), "csrf_header_required")
        let withHeader = try json("POST", "/admin/customers", #"{"name": "Cookie Co"}"#, headers: withCookie.merging(["X-Convergence-CSRF": "1"]) { $1 })
        XCTAssertEqual(withHeader.status, 201, withHeader.text)
        XCTAssertEqual(try json("DELETE", "/admin/session", nil, headers: withCookie).status, 403, "sign-out is a change too")

        // The session names its admin key in the audit trail, never the token.
        let signOut = try json("DELETE", "/admin/session", nil, headers: withCookie.merging(["X-Convergence-CSRF": "1"]) { $1 })
        XCTAssertEqual(signOut.status, 204)
        XCTAssertEqual(signOut.headers["set-cookie"], "cv_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
        XCTAssertNotEqual(try psql("SELECT revoked_at IS NOT NULL FROM convergence.admin_sessions WHERE key_id = '\(keyID)' ORDER BY created_at DESC LIMIT 1"), "f")
        // Refused at once on every worker (the next few requests reach all of them).
        for _ in 0..<6 {
            let reused = try client.get("/admin/customers", headers: withCookie)
            XCTAssertEqual(reused.status, 401)
            XCTAssertEqual(errorCode(reused), "invalid_api_key")
        }
        XCTAssertEqual(try client.get("/admin/session", headers: withCookie).status, 401)
        XCTAssertEqual(try json("DELETE", "/admin/session", nil, headers: withCookie.merging(["X-Convergence-CSRF": "1"]) { $1 }).status, 204,
                       "signing out twice is fine")
        // Bearer keys never needed the header.
        XCTAssertEqual(try json("POST", "/admin/customers", #"{"name": "Bearer Co"}"#, headers: admin).status, 201)
        try waitUntil("the audit records arrive") { try psql("SELECT count(*) FROM convergence.audit_log WHERE action LIKE 'session.%' AND key_id = '\(keyID)'") == "2" }
        XCTAssertEqual(try psql("SELECT string_agg(action || ' ' || target || ' ' || key_id, ',' ORDER BY created_at) FROM convergence.audit_log WHERE action LIKE 'session.%' AND key_id = '\(keyID)'"),
                       "session.create key:\(keyID) \(keyID),session.delete key:\(keyID) \(keyID)")
        XCTAssertFalse(try psql("SELECT string_agg(row_to_json(a)::text, '') FROM convergence.audit_log a").contains(token))
    }

    func testWrongKeysGetNoCookieAndStoreNothing() throws {
        let (_, customerKey) = try onboard("session_t1")
        let revoked = try stack.createAdminKey(name: "to-revoke")
        let revokedID = try psql("SELECT key_id FROM convergence.api_keys WHERE name = 'to-revoke'")
        _ = try Shell.run([TestPaths.binary, "admin", "revoke-key", revokedID], environment: ["CONVERGENCE_DATABASE_URL": stack.postgres.url])
        let before = try psql("SELECT count(*) FROM convergence.admin_sessions")
        let forged = "sk_admin_" + String(adminKey.dropFirst("sk_admin_".count).reversed())
        for body in [#"{"key": "\#(forged)"}"#, #"{"key": "\#(customerKey)"}"#, #"{"key": "\#(revoked)"}"#, #"{"key": ""}"#, "{}"] {
            let response = try client.post("/admin/session", json: body)
            XCTAssertEqual(response.status, 401, body)
            XCTAssertEqual(errorCode(response), "invalid_api_key", body)
            XCTAssertNil(response.headers["set-cookie"], body)
        }
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.admin_sessions"), before)
        // A made-up cookie is refused like a made-up key.
        let madeUp = try client.get("/admin/customers", headers: ["Cookie": "cv_session=" + String(repeating: "0", count: 64)])
        XCTAssertEqual(madeUp.status, 401)
        XCTAssertEqual(try client.get("/admin/session").status, 401)
    }

    func testRevokingTheAdminKeyEndsItsSessionsWithinOneSecond() throws {
        let key = try stack.createAdminKey(name: "short-lived")
        let (response, cookie) = try signIn(key)
        XCTAssertEqual(response.status, 201)
        let keyID = try XCTUnwrap(try response.json()["key_id"] as? String)
        let headers = ["Cookie": cookie]
        for _ in 0..<6 { XCTAssertEqual(try client.get("/admin/keys", headers: headers).status, 200) } // cached on every worker
        _ = try Shell.run([TestPaths.binary, "admin", "revoke-key", keyID], environment: ["CONVERGENCE_DATABASE_URL": stack.postgres.url])
        let revokedAt = Date()
        var refusedSince: Date?
        while Date().timeIntervalSince(revokedAt) < 3 {
            let status = try client.get("/admin/keys", headers: headers).status
            if status == 401 { refusedSince = refusedSince ?? Date() } else { refusedSince = nil }
            if let refusedSince, Date().timeIntervalSince(refusedSince) > 0.5 { break }
        }
        let since = try XCTUnwrap(refusedSince, "the session outlived its key")
        XCTAssertLessThanOrEqual(since.timeIntervalSince(revokedAt), 1.0)
        XCTAssertEqual(try client.get("/admin/session", headers: headers).status, 401)
    }

    func testReadOnlySessionAndTheSecureAttributeOverTLS() throws {
        let viewer = try stack.createAdminKey(name: "tls-viewer", readOnly: true)
        // Straight to the backend with the param nginx sets over TLS (HTTPS=on).
        let fastcgi = FastCGIClient(.unix(stack.server.socketPath))
        let signedIn = try fastcgi.request(method: "POST", uri: "/admin/session", headers: ["Content-Type": "application/json"],
                                           body: Data(#"{"key": "\#(viewer)"}"#.utf8), extraParams: [("HTTPS", "on")])
        XCTAssertEqual(signedIn.status, 201, signedIn.body)
        let setCookie = try XCTUnwrap(signedIn.headers["Set-Cookie"] ?? signedIn.headers["set-cookie"])
        XCTAssertTrue(setCookie.hasSuffix("; Max-Age=28800; Secure"), setCookie)
        XCTAssertTrue(signedIn.body.contains(#""read_only":true"#), signedIn.body)
        let cookie = ["Cookie": String(setCookie.split(separator: ";")[0]), "X-Convergence-CSRF": "1"]
        XCTAssertEqual(try client.get("/admin/keys", headers: cookie).status, 200)
        let refused = try json("POST", "/admin/customers", #"{"name": "Viewer Co"}"#, headers: cookie)
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(errorCode(refused), "read_only_key")
    }

    // MARK: List fields

    func testCustomerSearchKeyCountAndStatus() throws {
        let (alphaID, _) = try onboard("alpha_w1")
        XCTAssertEqual(try json("PATCH", "/admin/customers/\(alphaID)", #"{"name": "Alpha Widgets"}"#, headers: admin).status, 200)
        let (betaID, _) = try onboard("beta_gadgets")
        let extra = try json("POST", "/admin/keys", #"{"customer_id": "\#(alphaID)"}"#, headers: admin)
        XCTAssertEqual(extra.status, 201)
        // An expired key is not live either.
        try psql("UPDATE convergence.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = '\(try extra.json()["key_id"] as! String)'")
        _ = try json("POST", "/admin/keys", #"{"customer_id": "\#(alphaID)"}"#, headers: admin)

        func list(_ query: String) throws -> [[String: Any]] {
            let response = try client.get("/admin/customers?\(query)", headers: admin)
            XCTAssertEqual(response.status, 200, response.text)
            return try XCTUnwrap(try response.json()["customers"] as? [[String: Any]])
        }
        let widgets = try list("q=WIDG")
        XCTAssertEqual(widgets.map { $0["id"] as? String }, [alphaID])
        XCTAssertEqual(widgets.first?["key_count"] as? Int, 2, "the onboarding key and the live extra one")
        XCTAssertEqual(widgets.first?["status"] as? String, "active")
        XCTAssertEqual(try list("q=Beta_G").map { $0["id"] as? String }, [betaID], "tenant ids match too, ignoring case")
        XCTAssertEqual(try list("q=%25").count, 0, "no wildcards")
        XCTAssertEqual(try list("q=_w1&limit=1").count, 1)
        XCTAssertEqual(try json("DELETE", "/admin/customers/\(betaID)", nil, headers: admin).status, 200)
        XCTAssertEqual(try list("q=beta_g").count, 0)
        let deleted = try list("q=beta_g&include_deleted=true")
        XCTAssertEqual(deleted.first?["status"] as? String, "deleted")
        XCTAssertEqual(deleted.first?["key_count"] as? Int, 0, "deleting revoked its keys")
        let long = try client.get("/admin/customers?q=" + String(repeating: "x", count: 101), headers: admin)
        XCTAssertEqual(errorCode(long), "invalid_q")
    }

    func testKeyStatesTenantAndSortOrdersWithCursors() throws {
        let (customerID, _) = try onboard("keys_sort")
        var ids: [String] = []
        for i in 0..<4 {
            let issued = try json("POST", "/admin/keys", #"{"customer_id": "\#(customerID)", "name": "k\#(i)", "rate_limit": {"limit": 7, "period_seconds": 60}}"#, headers: admin)
            XCTAssertEqual(issued.status, 201, issued.text)
            ids.append(try XCTUnwrap(try issued.json()["key_id"] as? String))
        }
        // k0 used long ago, k2 recently, k1/k3 never; k3 expires soon, k1 later, k0/k2 never.
        try psql("UPDATE convergence.api_keys SET last_used_at = now() - interval '2 days' WHERE key_id = '\(ids[0])'")
        try psql("UPDATE convergence.api_keys SET last_used_at = now() - interval '1 minute' WHERE key_id = '\(ids[2])'")
        try psql("UPDATE convergence.api_keys SET expires_at = now() + interval '1 day' WHERE key_id = '\(ids[3])'")
        try psql("UPDATE convergence.api_keys SET expires_at = now() + interval '3 days' WHERE key_id = '\(ids[1])'")
        let rotated = try json("POST", "/admin/keys/\(ids[0])/rotate", #"{"grace_seconds": 3600}"#, headers: admin)
        XCTAssertEqual(rotated.status, 201, rotated.text)
        let replacement = try XCTUnwrap(try rotated.json()["key_id"] as? String)
        XCTAssertEqual(try json("DELETE", "/admin/keys/\(ids[1])", nil, headers: admin).status, 200)

        func page(_ sort: String) throws -> [[String: Any]] {
            var rows: [[String: Any]] = []
            var cursor: String?
            repeat {
                let path = "/admin/keys?customer_id=keys_sort&limit=2&sort=\(sort)" + (cursor.map { "&cursor=\($0)" } ?? "")
                let response = try client.get(path, headers: admin)
                XCTAssertEqual(response.status, 200, response.text)
                let body = try response.json()
                rows += try XCTUnwrap(body["keys"] as? [[String: Any]])
                cursor = body["next_cursor"] as? String
            } while cursor != nil && rows.count < 20
            return rows
        }
        let created = try page("created")
        let byID = Dictionary(uniqueKeysWithValues: created.map { ($0["key_id"] as! String, $0) })
        XCTAssertEqual(created.count, 6, "the onboarding key, four, one replacement")
        XCTAssertEqual(byID[ids[0]]?["state"] as? String, "rotating")
        XCTAssertNotNil(byID[ids[0]]?["grace_until"] as? String)
        XCTAssertEqual(byID[ids[1]]?["state"] as? String, "revoked")
        XCTAssertEqual(byID[ids[2]]?["state"] as? String, "active")
        XCTAssertNil(byID[ids[2]]?["grace_until"] as? String)
        XCTAssertEqual(byID[replacement]?["state"] as? String, "active")
        XCTAssertEqual(byID[ids[2]]?["tenant_id"] as? String, "keys_sort")
        XCTAssertEqual(byID[ids[2]]?["customer_id"] as? String, customerID)
        XCTAssertEqual((byID[ids[2]]?["rate_limit"] as? [String: Int])?["limit"], 7)
        try psql("UPDATE convergence.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = '\(ids[3])'")
        XCTAssertEqual(try page("created").first { $0["key_id"] as? String == ids[3] }?["state"] as? String, "expired")

        let lastUsed = try page("last_used").map { $0["key_id"] as! String }
        XCTAssertEqual(Array(lastUsed.prefix(2)), [ids[2], ids[0]], "most recently used first, never-used last")
        XCTAssertEqual(Set(lastUsed), Set(byID.keys))
        let expires = try page("expires").map { $0["key_id"] as! String }
        XCTAssertEqual(Array(expires.prefix(3)), [ids[3], ids[0], ids[1]], "soonest expiry first (k0's grace ends in an hour), never last")
        XCTAssertEqual(Set(expires), Set(byID.keys))

        XCTAssertEqual(errorCode(try client.get("/admin/keys?sort=name", headers: admin)), "invalid_sort")
        let createdCursor = try XCTUnwrap(try client.get("/admin/keys?customer_id=keys_sort&limit=1", headers: admin).json()["next_cursor"] as? String)
        XCTAssertEqual(errorCode(try client.get("/admin/keys?customer_id=keys_sort&sort=last_used&cursor=\(createdCursor)", headers: admin)), "invalid_cursor",
                       "a cursor belongs to its order")
    }

    // MARK: Stats

    static let wouldBlockCheck = #"{"operations": [{"type": "llm_call", "model": "m", "provider": "internal", "tokens": 500}]}"#
    static let allowedCheck = #"{"operations": [{"type": "llm_call", "model": "m", "provider": "internal", "tokens": 50}]}"#
    static let blockedCheck = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 50}]}"#

    /// A customer with a monitor-mode policy (max_tokens 100) and its key.
    func monitoredCustomer(_ tenant: String) throws -> (customerID: String, key: String, policyID: String) {
        let (customerID, key) = try onboard(tenant)
        let policy = try json("POST", "/policies", #"{"customer_id": "\#(customerID)", "name": "watch", "rules": {"max_tokens": 100}, "mode": "monitor"}"#,
                              headers: admin)
        XCTAssertEqual(policy.status, 201, policy.text)
        return (customerID, key, try XCTUnwrap(try policy.json()["id"] as? String))
    }

    /// Sends `allowed` plain checks, `wouldBlock` allowed checks a monitor policy would block, and `blocked` blocked ones.
    func sendChecks(_ key: String, allowed: Int, wouldBlock: Int, blocked: Int) throws {
        for (body, count, expectAllowed) in [(Self.allowedCheck, allowed, true), (Self.wouldBlockCheck, wouldBlock, true), (Self.blockedCheck, blocked, false)] {
            for _ in 0..<count {
                let response = try client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"])
                XCTAssertEqual(response.status, 200, response.text)
                XCTAssertEqual(try response.json()["allowed"] as? Bool, expectAllowed, response.text)
            }
        }
    }

    func stats() throws -> [String: Any] {
        let response = try client.get("/admin/stats", headers: admin)
        XCTAssertEqual(response.status, 200, response.text)
        return try response.json()
    }

    func testStatsReflectChecks() throws {
        let (_, key, _) = try monitoredCustomer("stats_t1")
        let before = try XCTUnwrap(try stats()["checks"] as? [String: Int])
        try sendChecks(key, allowed: 3, wouldBlock: 2, blocked: 1)
        let body = try stats()
        let after = try XCTUnwrap(body["checks"] as? [String: Int])
        XCTAssertEqual(after["total"]! - before["total"]!, 6)
        XCTAssertEqual(after["allowed"]! - before["allowed"]!, 5)
        XCTAssertEqual(after["blocked"]! - before["blocked"]!, 1)
        XCTAssertEqual(after["would_block"]! - before["would_block"]!, 2)
        let latency = try XCTUnwrap(body["latency_ms"] as? [String: Double])
        XCTAssertGreaterThan(latency["p50"]!, 0)
        XCTAssertGreaterThanOrEqual(latency["p95"]!, latency["p50"]!)
        let audit = try XCTUnwrap(body["audit"] as? [String: Any])
        XCTAssertEqual(audit["postgres_up"] as? Bool, true)
        XCTAssertEqual(audit["flusher_up"] as? Bool, true)
        XCTAssertNotNil(audit["backlog"] as? Int)
        XCTAssertNotNil(audit["oldest_unflushed_age_seconds"] as? Double)
        let workers = try XCTUnwrap(body["workers"] as? [String: Int])
        XCTAssertEqual(workers["up"], workers["configured"])
        XCTAssertGreaterThan(workers["up"] ?? 0, 0)
        let table = try XCTUnwrap(body["bucket_table"] as? [String: Int])
        XCTAssertGreaterThan(table["used"] ?? 0, 0, "the customer key took a bucket")
        XCTAssertGreaterThan(table["capacity"] ?? 0, table["used"] ?? 0)
        XCTAssertNotNil(body["rate_limited"] as? Int)
        XCTAssertEqual(Set((body["rate_limited_by_tier"] as? [String: Int])?.keys.map { $0 } ?? []), ["free", "pro", "key"])
        XCTAssertNotNil(body["generated_at"] as? String)
        // A read-only key reads it too; a customer key does not.
        let viewer = ["Authorization": "Bearer \(try stack.createAdminKey(name: "stats-viewer", readOnly: true))"]
        XCTAssertEqual(try client.get("/admin/stats", headers: viewer).status, 200)
        XCTAssertEqual(try client.get("/admin/stats", headers: ["Authorization": "Bearer \(key)"]).status, 403)
    }

    // MARK: Usage

    func usage(_ query: String) throws -> [String: Any] {
        let response = try client.get("/admin/usage?\(query)", headers: admin)
        XCTAssertEqual(response.status, 200, response.text)
        return try response.json()
    }

    func totals(_ query: String) throws -> [String: Int] {
        try XCTUnwrap(try usage(query)["totals"] as? [String: Any]).compactMapValues { $0 as? Int }
    }

    func testUsageCountsEveryFlushedCheckOnceWithTopListsAndZeroFilledBuckets() throws {
        let (customerID, key, policyID) = try monitoredCustomer("usage_t1")
        let everyone = try totals("bucket=1h")
        XCTAssertEqual(try totals("customer_id=usage_t1")["checks"], 0)
        try sendChecks(key, allowed: 3, wouldBlock: 2, blocked: 1)
        try waitUntil("the checks are flushed and rolled up") { try self.totals("customer_id=usage_t1")["checks"] == 6 }
        Thread.sleep(forTimeInterval: 0.5) // a double count would show up now
        let mine = try totals("customer_id=\(customerID)")
        XCTAssertEqual(mine["checks"], 6)
        XCTAssertEqual(mine["allowed"], 5)
        XCTAssertEqual(mine["blocked"], 1)
        XCTAssertEqual(mine["would_block"], 2)
        XCTAssertEqual(mine["rate_limited"], 0)
        XCTAssertEqual(mine["pii_findings"], 0)
        XCTAssertEqual(try totals("bucket=1h")["checks"], everyone["checks"]! + 6, "and in the everything scope")
        let keyID = try psql("SELECT key_id FROM convergence.api_keys WHERE digest = sha256(convert_to('\(key)', 'UTF8'))")
        XCTAssertEqual(try totals("key_id=\(keyID)&bucket=1d")["checks"], 6)
        XCTAssertEqual(try totals("key_id=\(keyID)&customer_id=usage_t1")["checks"], 6)
        XCTAssertEqual(try totals("key_id=\(keyID)&customer_id=stats_t1")["checks"], 0, "another customer's key: nothing")

        // Zero-filled, aligned buckets: a customer's day is 24 hourly ones (customers and keys
        // are kept by hour and day; 5-minute buckets are the installation's only).
        XCTAssertEqual(errorCode(try client.get("/admin/usage?customer_id=usage_t1&bucket=5m", headers: admin)), "invalid_bucket")
        XCTAssertEqual(try usage("bucket=5m")["bucket"] as? String, "5m")
        let now = Int(Date().timeIntervalSince1970)
        let end = (now / 3600 + 1) * 3600
        let iso = ISO8601DateFormatter()
        let since = iso.string(from: Date(timeIntervalSince1970: TimeInterval(end - 86_400)))
        let until = iso.string(from: Date(timeIntervalSince1970: TimeInterval(end)))
        let day = try usage("customer_id=usage_t1&since=\(since)&until=\(until)")
        let series = try XCTUnwrap(day["series"] as? [[String: Any]])
        XCTAssertEqual(series.count, 24)
        XCTAssertEqual(series.map { $0["checks"] as? Int ?? -1 }.reduce(0, +), 6)
        XCTAssertEqual(series.filter { ($0["checks"] as? Int) == 0 }.count, series.count - series.filter { ($0["checks"] as? Int ?? 0) > 0 }.count)
        XCTAssertEqual(series.first?["start"] as? String, since.replacingOccurrences(of: "Z", with: ".000Z"))
        let busy = try XCTUnwrap(series.last { ($0["checks"] as? Int ?? 0) > 0 })
        let latency = try XCTUnwrap(busy["latency_ms"] as? [String: Double])
        XCTAssertGreaterThan(latency["p50"] ?? 0, 0)
        XCTAssertEqual(series.first?["latency_ms"] as? [String: Double], ["p50": 0, "p95": 0])
        XCTAssertEqual(day["bucket"] as? String, "1h")

        let top = try XCTUnwrap(try usage("bucket=1h")["top_customers_by_blocks"] as? [[String: Any]])
        let row = try XCTUnwrap(top.first { $0["customer_id"] as? String == customerID }, "\(top)")
        XCTAssertEqual(row["blocked"] as? Int, 1)
        XCTAssertEqual(row["tenant_id"] as? String, "usage_t1")
        XCTAssertNotNil(row["name"] as? String)
        let rules = try XCTUnwrap(day["top_rules"] as? [[String: Any]])
        XCTAssertEqual(rules.count, 1, "\(rules)")
        XCTAssertEqual(rules.first?["policy_id"] as? String, policyID)
        XCTAssertEqual(rules.first?["rule"] as? String, "max_tokens")
        XCTAssertEqual(rules.first?["would_block"] as? Int, 2)
        XCTAssertEqual(rules.first?["blocked"] as? Int, 0)

        // The policy list says what the monitor policy would have blocked.
        let policies = try XCTUnwrap(try client.get("/policies?customer_id=usage_t1", headers: admin).json()["policies"] as? [[String: Any]])
        XCTAssertEqual(policies.first?["would_block_24h"] as? Int, 2)

        // Validation.
        XCTAssertEqual(errorCode(try client.get("/admin/usage?bucket=2m", headers: admin)), "invalid_bucket")
        XCTAssertEqual(errorCode(try client.get("/admin/usage?since=yesterday", headers: admin)), "invalid_since")
        XCTAssertEqual(errorCode(try client.get("/admin/usage?since=\(until)&until=\(since)", headers: admin)), "invalid_range")
        XCTAssertEqual(errorCode(try client.get("/admin/usage?since=2020-01-01&until=2020-01-08&bucket=5m", headers: admin)), "invalid_range",
                       "2,016 buckets is over the limit")
        XCTAssertEqual(try client.get("/admin/usage?since=2020-01-01&until=2020-01-07&bucket=5m", headers: admin).status, 200, "1,728 is fine")
        XCTAssertEqual(errorCode(try client.get("/admin/usage?key_id=nope", headers: admin)), "invalid_key_id")
        let bare = try usage("top=false")
        XCTAssertNil(bare["top_rules"], "top=false leaves the top lists out")
        XCTAssertNil(bare["top_customers_by_blocks"])
        XCTAssertNotNil(bare["series"])
    }

    func waitUntil(_ what: String, timeout: TimeInterval = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("timed out waiting until \(what)")
    }
}

/// A replayed spool batch must not count twice in the usage rollups either.
final class UsageRollupReplayTests: XCTestCase {
    var stack: TestStack!

    override func tearDown() {
        stack?.stop()
    }

    func testReplayingSegmentsAlreadyFlushedAddsNothingToUsage() throws {
        stack = try TestStack(label: "usage-replay")
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "usage_replay"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String)
        func check() throws {
            let response = try stack.client.post("/v1/check", json: DashboardAPITests.blockedCheck, headers: ["Authorization": "Bearer \(key)"])
            XCTAssertEqual(response.status, 200, response.text)
        }
        func checks() throws -> Int {
            let response = try stack.client.get("/admin/usage?customer_id=usage_replay&bucket=1h", headers: admin)
            XCTAssertEqual(response.status, 200, response.text)
            return (try response.json()["totals"] as? [String: Any])?["blocked"] as? Int ?? -1
        }
        let spool = stack.directory.appendingPathComponent("audit-spool").path
        for _ in 0..<20 { try check() }
        for pid in [stack.server.pid] + stack.server.childPIDs { kill(pid, SIGKILL) }
        XCTAssertNotNil(stack.server.waitForExit(timeout: 5))
        let backup = stack.directory.appendingPathComponent("spool-copy").path
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        let segments = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".spool") }
        XCTAssertFalse(segments.isEmpty)
        for name in segments { try FileManager.default.copyItem(atPath: spool + "/" + name, toPath: backup + "/" + name) }

        try stack.restartServer()
        XCTAssertTrue(try waitUntil(timeout: 15) { try checks() == 20 }, "first flush")
        stack.server.signal(SIGTERM)
        XCTAssertEqual(stack.server.waitForExit(timeout: 20), 0)

        // The same records again, plus new ones that may share their batch.
        for name in segments { try FileManager.default.copyItem(atPath: backup + "/" + name, toPath: spool + "/" + name) }
        try stack.restartServer()
        for _ in 0..<5 { try check() }
        XCTAssertTrue(waitUntil(timeout: 15) {
            let audit = (try? self.stack.client.get("/ready").json())?["audit"] as? [String: Any]
            return (audit?["replayed_total"] as? Int ?? 0) >= 20 && audit?["backlog_bytes"] as? Int == 0
        }, stack.server.log)
        XCTAssertTrue(try waitUntil(timeout: 10) { try checks() >= 25 })
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try checks(), 25, "the replayed batch counted once")
        XCTAssertEqual(try stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'"), "25")
    }
}

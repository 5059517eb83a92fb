import ConvergenceTestSupport
import Foundation
import XCTest

/// Policies and `POST /v1/check` through nginx, with two worker processes.
final class GovernanceTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var admin: [String: String] = [:]
    nonisolated(unsafe) static var customerKey = ""
    nonisolated(unsafe) static var customerID = ""

    static let seedPolicy = #"{"max_external_calls": 5, "block_personal_data": true, "allowed_models": ["gpt-4", "claude-3"], "max_tokens": 10000}"#
    static let seedCheck = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 500}], "context": {"user_id": "user_123", "session_id": "session_456"}}"#

    override class func setUp() {
        super.setUp()
        do {
            // The longest cache lifetime there is: a change seen sooner came through invalidation.
            stack = try TestStack(label: "gov", overrides: ["CONVERGENCE_POLICY_CACHE_TTL_MS": "1000", "CONVERGENCE_KEY_CACHE_TTL_MS": "1000"])
            admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
            let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "gov_acme"}"#, headers: admin).json()
            customerKey = onboarded["api_key"] as? String ?? ""
            customerID = onboarded["customer_id"] as? String ?? ""
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }
    var customer: [String: String] { ["Authorization": "Bearer \(Self.customerKey)"] }

    func createPolicy(_ rules: String, name: String = "Allow Internal Data Only", mode: String = "enforce") throws -> [String: Any] {
        let response = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "\#(name)", "rules": \#(rules), "active": true, "mode": "\#(mode)"}"#, headers: Self.admin)
        XCTAssertEqual(response.status, 201, response.text)
        return try response.json()
    }

    func deleteAllPolicies() throws {
        let list = try client.get("/policies?customer_id=\(Self.customerID)", headers: Self.admin).json()["policies"] as? [[String: Any]] ?? []
        for policy in list { _ = try client.send("DELETE", "/policies/\(policy["id"]!)", headers: Self.admin) }
        Thread.sleep(forTimeInterval: 0.6) // let every worker's policy cache expire
    }

    func errorOf(_ response: HTTPClient.Response) -> (code: String, message: String) {
        let error = (try? response.json())?["error"] as? [String: Any]
        return (error?["code"] as? String ?? "", error?["message"] as? String ?? "")
    }

    func testSeedExamplesBehaveAsTheSeedSays() throws {
        try deleteAllPolicies()
        _ = try createPolicy(Self.seedPolicy)
        Thread.sleep(forTimeInterval: 0.6)
        let allowed = try client.post("/v1/check", json: Self.seedCheck, headers: customer)
        XCTAssertEqual(allowed.status, 200, allowed.text)
        let body = try allowed.json()
        XCTAssertEqual(body["allowed"] as? Bool, true)
        XCTAssertEqual(body["reason"] as? String, "Within policy limits")
        XCTAssertEqual(body["request_id"] as? String, allowed.headers["x-request-id"])
        XCTAssertNil(allowed.headers["x-convergence-decision"], "ops headers are hidden from clients")

        let withEmail = Self.seedCheck.replacingOccurrences(of: #""session_id": "session_456""#, with: #""email": "jane.doe@example.com""#)
        let blocked = try client.post("/v1/check", json: withEmail, headers: customer)
        XCTAssertEqual(blocked.status, 200, "a completed check is 200 whether allowed or blocked")
        let b = try blocked.json()
        XCTAssertEqual(b["allowed"] as? Bool, false)
        XCTAssertEqual(b["reason"] as? String, "Personal data detected in context")
        XCTAssertGreaterThanOrEqual(b["risk_score"] as? Int ?? 0, 50)
        XCTAssertFalse(blocked.text.contains("jane.doe"), "the PII itself never appears")
        let reasons = try XCTUnwrap(b["reasons"] as? [[String: Any]])
        XCTAssertEqual(reasons.first?["factor"] as? String, "personal_data")
        XCTAssertTrue((reasons.first?["detail"] as? String ?? "").contains("context.email"))
        XCTAssertEqual((b["violations"] as? [[String: Any]])?.first?["rule"] as? String, "block_personal_data")

        // nginx logs the decision headers it hides.
        let id = try XCTUnwrap(blocked.headers["x-request-id"])
        XCTAssertTrue(waitUntil(timeout: 3) { Self.stack.nginx.accessLog.contains(id) })
        let line = Self.stack.nginx.accessLog.split(separator: "\n").first { $0.contains(id) }.map(String.init) ?? ""
        XCTAssertTrue(line.contains(#""decision":"block""#), line)
        XCTAssertTrue(line.contains(#""customer":"gov_acme""#), line)
    }

    /// Per-model rules through the API: a policy with `models` and `denied_models` is stored
    /// and returned as sent, and checks through nginx meet the pattern that fits their model.
    func testPerModelLimitsAndDeniedModelsThroughTheAPI() throws {
        try deleteAllPolicies()
        let rules = #"{"models": {"gpt-4*": {"max_tokens": 2000}, "*": {"max_tokens": 8000}}, "denied_models": ["*-preview"]}"#
        let policy = try createPolicy(rules, name: "Per model")
        let stored = try XCTUnwrap(policy["rules"] as? [String: Any])
        XCTAssertEqual((stored["models"] as? [String: Any])?.keys.sorted(), ["*", "gpt-4*"])
        XCTAssertEqual(stored["denied_models"] as? [String], ["*-preview"])
        Thread.sleep(forTimeInterval: 0.6)
        func decide(_ model: String, tokens: Int) throws -> [String: Any] {
            let body = #"{"operations": [{"type": "llm_call", "model": "\#(model)", "provider": "internal", "tokens": \#(tokens)}]}"#
            let response = try client.post("/v1/check", json: body, headers: customer)
            XCTAssertEqual(response.status, 200, response.text)
            return try response.json()
        }
        XCTAssertEqual(try decide("gpt-4o", tokens: 1500)["allowed"] as? Bool, true)
        let over = try decide("gpt-4o", tokens: 3000)
        XCTAssertEqual(over["allowed"] as? Bool, false)
        let violation = try XCTUnwrap((over["violations"] as? [[String: Any]])?.first)
        XCTAssertEqual(violation["rule"] as? String, "models")
        XCTAssertEqual(violation["detail"] as? String, #"operations[0].tokens over 2000 (models "gpt-4*")"#)
        XCTAssertEqual(try decide("llama-3-70b", tokens: 3000)["allowed"] as? Bool, true, "other models fall to \"*\"")
        let denied = try decide("gpt-4-turbo-preview", tokens: 10)
        XCTAssertEqual((denied["violations"] as? [[String: Any]])?.map { $0["rule"] as? String }, ["denied_models"])

        for (bad, field) in [(#"{"models": {"gpt-4": {"max_tokenz": 5}}}"#, "models.gpt-4.max_tokenz"),
                             (#"{"denied_models": [""]}"#, "denied_models")] {
            let response = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "bad", "rules": \#(bad)}"#,
                                           headers: Self.admin)
            XCTAssertEqual(response.status, 400, response.text)
            XCTAssertEqual(errorOf(response).code, "invalid_rules")
            XCTAssertTrue(errorOf(response).message.contains(field), errorOf(response).message)
        }
        try deleteAllPolicies()
    }

    /// A policy with `not_before` in the future does not apply (nor is it named) until then;
    /// taking the bound away with a merge patch puts it in effect on the next check.
    func testATimeBoundPolicyAppliesOnlyInItsWindow() throws {
        try deleteAllPolicies()
        let rules = #"{"denied_models": ["gpt-4*"], "not_before": "2999-01-01T00:00:00Z", "active": {"tz": "UTC", "from": "00:00", "to": "24:00"}}"#
        let policy = try createPolicy(rules, name: "Later")
        let id = try XCTUnwrap(policy["id"] as? String)
        XCTAssertEqual((policy["rules"] as? [String: Any])?["not_before"] as? String, "2999-01-01T00:00:00Z")
        Thread.sleep(forTimeInterval: 0.6)
        let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4o", "provider": "internal"}]}"#
        let early = try client.post("/v1/check", json: body, headers: customer).json()
        XCTAssertEqual(early["allowed"] as? Bool, true, "\(early)")
        XCTAssertEqual(early["policy_versions"] as? [String], [], "\(early)")
        let patched = try client.send("PATCH", "/policies/\(id)", headers: Self.admin.merging(["Content-Type": "application/merge-patch+json"]) { $1 },
                                      body: Data(#"{"rules": {"not_before": null}}"#.utf8))
        XCTAssertEqual(patched.status, 200, patched.text)
        Thread.sleep(forTimeInterval: 0.6)
        let now = try client.post("/v1/check", json: body, headers: customer).json()
        XCTAssertEqual(now["allowed"] as? Bool, false, "\(now)")
        XCTAssertEqual((now["violations"] as? [[String: Any]])?.first?["rule"] as? String, "denied_models")
        let bad = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "bad", "rules": {"active": {"tz": "Mars/Base"}}}"#,
                                  headers: Self.admin)
        XCTAssertEqual(bad.status, 400, bad.text)
        XCTAssertTrue(errorOf(bad).message.contains("active.tz"), errorOf(bad).message)
        try deleteAllPolicies()
    }

    /// `applies_to` through the API: the calling key's id and `context.department` decide
    /// which policies apply; one that does not is not named in `policy_versions`.
    func testScopedPoliciesApplyToTheirKeysAndDepartments() throws {
        try deleteAllPolicies()
        let keys = try client.get("/admin/keys?customer_id=\(Self.customerID)", headers: Self.admin).json()["keys"] as? [[String: Any]] ?? []
        let prefix = String(Self.customerKey.suffix(4))
        let keyID = try XCTUnwrap(keys.first { $0["last4"] as? String == prefix }?["key_id"] as? String, "\(keys)")
        _ = try createPolicy(#"{"applies_to": {"departments": ["finance"]}, "max_tokens": 100}"#, name: "Finance")
        _ = try createPolicy(#"{"applies_to": {"keys": ["\#(keyID)"]}, "denied_models": ["claude-*"]}"#, name: "This key")
        _ = try createPolicy(#"{"applies_to": {"keys": ["key_someone_else"]}, "denied_models": ["*"]}"#, name: "Other key")
        Thread.sleep(forTimeInterval: 0.6)
        func decide(_ model: String, tokens: Int, department: String) throws -> [String: Any] {
            let body = #"{"operations": [{"type": "llm_call", "model": "\#(model)", "provider": "internal", "tokens": \#(tokens)}], "context": {"department": "\#(department)"}}"#
            return try client.post("/v1/check", json: body, headers: customer).json()
        }
        let sales = try decide("gpt-4", tokens: 500, department: "sales")
        XCTAssertEqual(sales["allowed"] as? Bool, true, "\(sales)")
        XCTAssertEqual((sales["policy_versions"] as? [String])?.count, 1, "only this key's policy applies: \(sales)")
        let finance = try decide("gpt-4", tokens: 500, department: "finance")
        XCTAssertEqual((finance["violations"] as? [[String: Any]])?.map { $0["rule"] as? String }, ["max_tokens"], "\(finance)")
        let claude = try decide("claude-3", tokens: 5, department: "sales")
        XCTAssertEqual((claude["violations"] as? [[String: Any]])?.map { $0["rule"] as? String }, ["denied_models"], "\(claude)")
        try deleteAllPolicies()
    }

    /// A key's stored department decides which department policies its checks meet; the
    /// check's `context.department` cannot move it elsewhere. Set at creation, changed or
    /// cleared with PUT …/department (seen by the next check), kept by a rotation.
    func testAKeysDepartmentDecidesOverTheContext() throws {
        try deleteAllPolicies()
        _ = try createPolicy(#"{"applies_to": {"departments": ["finance"]}, "max_tokens": 100}"#, name: "Finance")
        let created = try client.post("/admin/keys", json: #"{"customer_id": "\#(Self.customerID)", "name": "fin", "department": "finance"}"#,
                                      headers: Self.admin)
        XCTAssertEqual(created.status, 201, created.text)
        let body = try created.json()
        let secret = try XCTUnwrap(body["api_key"] as? String)
        let keyID = try XCTUnwrap(body["key_id"] as? String)
        XCTAssertEqual(body["department"] as? String, "finance")
        Thread.sleep(forTimeInterval: 0.6)
        func decide(_ key: String, department: String) throws -> [String: Any] {
            let check = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "provider": "internal", "tokens": 500}], "context": {"department": "\#(department)"}}"#
            return try client.post("/v1/check", json: check, headers: ["Authorization": "Bearer \(key)"]).json()
        }
        let claimed = try decide(secret, department: "sales")
        XCTAssertEqual(claimed["allowed"] as? Bool, false, "the key's department applies, not the context's: \(claimed)")
        func putDepartment(_ json: String) throws -> HTTPClient.Response {
            try client.send("PUT", "/admin/keys/\(keyID)/department", headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 },
                            body: Data(json.utf8))
        }
        XCTAssertEqual(try putDepartment(#"{"departement": "x"}"#).status, 400, "a misspelt member is not read as no department")
        XCTAssertEqual(errorOf(try putDepartment(#"{"department": ""}"#)).code, "invalid_department")
        let listed = try client.get("/admin/keys?customer_id=\(Self.customerID)", headers: Self.admin).json()
        let stored = (listed["keys"] as? [[String: Any]])?.first { $0["key_id"] as? String == keyID }
        XCTAssertEqual(stored?["department"] as? String, "finance", "a refused PUT changes nothing: \(listed)")
        XCTAssertEqual(try decide(secret, department: "sales")["allowed"] as? Bool, false, "still finance after the refused PUTs")
        let cleared = try putDepartment(#"{"department": null}"#)
        XCTAssertEqual(cleared.status, 200, cleared.text)
        XCTAssertNil(try cleared.json()["department"] as Any?)
        XCTAssertEqual(try decide(secret, department: "sales")["allowed"] as? Bool, true, "without one, context.department stands in")
        XCTAssertEqual(try decide(secret, department: "finance")["allowed"] as? Bool, false)
        XCTAssertEqual(try putDepartment(#"{"department": "finance"}"#).status, 200)
        let rotated = try client.post("/admin/keys/\(keyID)/rotate", json: "{}", headers: Self.admin)
        XCTAssertEqual(rotated.status, 201, rotated.text)
        let replacement = try rotated.json()
        XCTAssertEqual(replacement["department"] as? String, "finance", "\(replacement)")
        let newSecret = try XCTUnwrap(replacement["api_key"] as? String)
        XCTAssertEqual(try decide(newSecret, department: "sales")["allowed"] as? Bool, false)
        _ = try client.send("DELETE", "/admin/keys/\(keyID)", headers: Self.admin)
        try deleteAllPolicies()
    }

    /// `POST /policies/preview`: a draft replayed over the customer's recorded checks says what
    /// it would have blocked, next to what the policies in force do, and changes nothing.
    func testAPreviewReplaysRecordedChecksAgainstADraft() throws {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "preview_t"}"#, headers: Self.admin).json()
        let key = try XCTUnwrap(onboarded["api_key"] as? String)
        let customerID = try XCTUnwrap(onboarded["customer_id"] as? String)
        let org = try client.post("/policies", json: #"{"customer_id": "\#(customerID)", "name": "org", "rules": {"max_tokens": 10000}}"#,
                                  headers: Self.admin)
        XCTAssertEqual(org.status, 201, org.text)
        let orgID = try XCTUnwrap(try org.json()["id"] as? String)
        Thread.sleep(forTimeInterval: 0.6)
        var sent: [String: String] = [:]
        for model in ["gpt-4o", "gpt-4", "gpt-3.5", "claude-3"] {
            let body = #"{"operations": [{"type": "llm_call", "model": "\#(model)", "provider": "internal", "tokens": 100}]}"#
            let response = try client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"]).json()
            XCTAssertEqual(response["allowed"] as? Bool, true, "\(response)")
            sent[model] = response["request_id"] as? String
        }
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.1) {
            (try? Self.stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check' AND customer_id = '\(customerID)'")) == "4"
        })
        func preview(_ json: String) throws -> HTTPClient.Response { try client.post("/policies/preview", json: json, headers: Self.admin) }
        let added = try preview(#"{"customer_id": "preview_t", "rules": {"denied_models": ["gpt-4*"]}}"#)
        XCTAssertEqual(added.status, 200, added.text)
        let result = try added.json()
        XCTAssertEqual(result["replayed"] as? Int, 4)
        XCTAssertEqual(result["newly_blocked"] as? Int, 2, "\(result)")
        XCTAssertEqual((result["current"] as? [String: Any])?["blocked"] as? Int, 0)
        XCTAssertEqual((result["draft"] as? [String: Any])?["blocked"] as? Int, 2)
        let changed = Set((result["changes"] as? [[String: Any]] ?? []).compactMap { $0["request_id"] as? String })
        XCTAssertEqual(changed, Set([sent["gpt-4o"], sent["gpt-4"]].compactMap { $0 }))
        XCTAssertEqual((result["by_rule"] as? [[String: Any]])?.first?["rule"] as? String, "denied_models")
        // Replacing the org policy with a stricter token limit: every check would be blocked.
        let replacing = try preview(#"{"policy_id": "\#(orgID)", "rules": {"max_tokens": 50}}"#).json()
        XCTAssertEqual(replacing["newly_blocked"] as? Int, 4, "\(replacing)")
        XCTAssertEqual((replacing["draft_policy"] as? [String: Any])?["version"] as? Int, 2)
        // Against a direct recomputation from the records themselves (GET /logs, oldest first): a draft
        // budget of 250 tokens per key and day admits checks while their running sum fits.
        let logs = try client.get("/logs?customer_id=\(customerID)&limit=100", headers: Self.admin).json()["logs"] as? [[String: Any]] ?? []
        var spent = 0
        var expectedBlocked: [String] = []
        for record in logs.reversed() {
            let tokens = (record["operations"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["tokens"] as? Int ?? 0) }
            if spent + tokens <= 250 { spent += tokens } else { expectedBlocked.append(record["request_id"] as? String ?? "") }
        }
        XCTAssertEqual(expectedBlocked.count, 2)
        let budget = try preview(#"{"customer_id": "preview_t", "rules": {"budgets": [{"scope": "key", "metric": "tokens", "limit": 250, "period": "1d"}]}}"#)
            .json()
        XCTAssertEqual(budget["newly_blocked"] as? Int, expectedBlocked.count, "\(budget)")
        let examples = (budget["examples"] as? [String: Any])?["newly_blocked"] as? [[String: Any]] ?? []
        XCTAssertEqual(examples.compactMap { $0["request_id"] as? String }, expectedBlocked.reversed(), "newest first")
        XCTAssertEqual(((budget["examples"] as? [String: Any])?["newly_allowed"] as? [Any])?.count, 0)
        XCTAssertEqual((budget["by_rule"] as? [[String: Any]])?.first?["rule"] as? String, "budgets")
        XCTAssertEqual((budget["per_day"] as? [String: Any])?["newly_blocked"] as? Double ?? -1, Double(expectedBlocked.count) / 7, accuracy: 0.006,
                       "a 7-day window")
        XCTAssertEqual(budget["time_limit_reached"] as? Bool, false)
        // The newest `limit` records only.
        let newest = try preview(#"{"customer_id": "preview_t", "rules": {"denied_models": ["gpt-4*"]}, "limit": 2}"#).json()
        XCTAssertEqual(newest["replayed"] as? Int, 2)
        XCTAssertEqual(newest["truncated"] as? Bool, true)
        XCTAssertEqual(newest["newly_blocked"] as? Int, 0, "the two newest are gpt-3.5 and claude-3: \(newest)")
        XCTAssertEqual(errorOf(try preview(#"{"customer_id": "preview_t", "rules": {}, "since": "2016-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}"#)).code,
                       "invalid_range", "a ten-year window")
        // A window that holds nothing, and bad input.
        let empty = try preview(#"{"customer_id": "preview_t", "rules": {}, "until": "2001-01-01T00:00:00Z"}"#).json()
        XCTAssertEqual(empty["replayed"] as? Int, 0)
        XCTAssertEqual(errorOf(try preview(#"{"customer_id": "preview_t", "rules": {"max_tokenz": 5}}"#)).code, "invalid_rules")
        XCTAssertEqual(errorOf(try preview(#"{"customer_id": "preview_t", "rules": {}, "dry": true}"#)).code, "invalid_field")
        XCTAssertEqual(errorOf(try preview(#"{"rules": {}}"#)).code, "invalid_customer_id")
        XCTAssertEqual(errorOf(try preview(#"{"policy_id": "pol_nope", "rules": {}}"#)).code, "policy_not_found")
        XCTAssertEqual(errorOf(try preview(#"{"customer_id": "preview_t", "rules": {}, "limit": 0}"#)).code, "invalid_limit")
        XCTAssertEqual(try client.post("/policies/preview", json: #"{"customer_id": "preview_t", "rules": {}}"#,
                                       headers: ["Authorization": "Bearer \(key)"]).status, 403)
        // Nothing changed: the org policy is still version 1 and the same checks still pass.
        XCTAssertEqual(try client.get("/policies/\(orgID)", headers: Self.admin).json()["version"] as? Int, 1)
        let again = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "provider": "internal", "tokens": 100}]}"#
        XCTAssertEqual(try client.post("/v1/check", json: again, headers: ["Authorization": "Bearer \(key)"]).json()["allowed"] as? Bool, true)
    }

    /// A long window is read a page at a time, oldest first, and only its newest `limit` records:
    /// 12,000 records made in SQL (three models in turn), a limit of 11,000, against counts from SQL.
    func testAPreviewStreamsTheNewestRecordsOfALongWindow() throws {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "preview_long"}"#, headers: Self.admin).json()
        let customerID = try XCTUnwrap(onboarded["customer_id"] as? String)
        _ = try Self.stack.postgres.psql("""
            INSERT INTO convergence.audit_log (id, kind, created_at, customer_id, key_id, request_id, decision, risk_score, reasons, operations)
            SELECT gen_random_uuid(), 'check', now() - interval '2 days' + i * interval '10 seconds', '\(customerID)', 'key_long', 'req_long_' || i,
                   'allow', 0, '[]'::json,
                   ('[{"type":"llm_call","model":"' || (ARRAY['gpt-4', 'gpt-4o', 'claude-3'])[1 + i % 3] || '","provider":"internal","tokens":10}]')::json
            FROM generate_series(1, 12000) i
            """)
        // The draft denies gpt-4o; among the newest 11,000 (i = 1001…12000) those are the i with i % 3 = 1.
        let expected = Int(try Self.stack.postgres.psql("SELECT count(*) FROM generate_series(1001, 12000) i WHERE i % 3 = 1")) ?? -1
        let response = try client.post("/policies/preview", json: #"{"customer_id": "preview_long", "rules": {"denied_models": ["gpt-4o"]}, "limit": 11000}"#,
                                       headers: Self.admin)
        XCTAssertEqual(response.status, 200, response.text)
        let result = try response.json()
        XCTAssertEqual(result["replayed"] as? Int, 11000)
        XCTAssertEqual(result["truncated"] as? Bool, true)
        XCTAssertEqual(result["newly_blocked"] as? Int, expected, "\(result["by_rule"] ?? "")")
        let newest = ((result["examples"] as? [String: Any])?["newly_blocked"] as? [[String: Any]])?.first?["request_id"] as? String
        XCTAssertEqual(newest, "req_long_11998", "the newest change first (i = 11998 is the last with i % 3 = 1)")
        let whole = try client.post("/policies/preview", json: #"{"customer_id": "preview_long", "rules": {"denied_models": ["gpt-4o"]}}"#,
                                    headers: Self.admin).json()
        XCTAssertEqual(whole["replayed"] as? Int, 12000)
        XCTAssertEqual(whole["truncated"] as? Bool, false)
        XCTAssertEqual(whole["newly_blocked"] as? Int, 4000)
    }

    func testPolicyCRUDWithVersionsAndStrictRules() throws {
        let created = try createPolicy(#"{"max_tokens": 1000}"#, name: "CRUD")
        let id = try XCTUnwrap(created["id"] as? String)
        XCTAssertEqual(created["version"] as? Int, 1)
        XCTAssertEqual(created["mode"] as? String, "enforce")
        let updated = try client.send("PUT", "/policies/\(id)", headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 },
                                      body: Data(#"{"rules": {"max_tokens": 2000}, "mode": "monitor"}"#.utf8))
        XCTAssertEqual(updated.status, 200, updated.text)
        XCTAssertEqual(try updated.json()["version"] as? Int, 2)
        XCTAssertEqual((try updated.json()["rules"] as? [String: Any])?["max_tokens"] as? Int, 2000)
        XCTAssertEqual(try client.get("/policies/\(id)", headers: Self.admin).json()["mode"] as? String, "monitor")
        // An update that names nothing to change is refused and makes no version.
        let empty = try client.send("PUT", "/policies/\(id)", headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 },
                                    body: Data(#"{}"#.utf8))
        XCTAssertEqual(empty.status, 400, empty.text)
        XCTAssertEqual(errorOf(empty).code, "empty_update")
        XCTAssertEqual(try client.get("/policies/\(id)", headers: Self.admin).json()["version"] as? Int, 2)
        let listed = try client.get("/policies?customer_id=\(Self.customerID)", headers: Self.admin).json()["policies"] as? [[String: Any]]
        XCTAssertTrue(listed?.contains { $0["id"] as? String == id } ?? false)

        for (rules, field) in [(#"{"max_tokenz": 5}"#, "max_tokenz"), (#"{"max_tokens": "many"}"#, "max_tokens"),
                               (#"{"allowed_models": "gpt-4"}"#, "allowed_models"), (#"{"risk_weights": {"pii": 5}}"#, "risk_weights.pii")] {
            let response = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "bad", "rules": \#(rules)}"#, headers: Self.admin)
            XCTAssertEqual(response.status, 400, rules)
            XCTAssertEqual(errorOf(response).code, "invalid_rules")
            XCTAssertTrue(errorOf(response).message.contains(field), errorOf(response).message)
        }
        XCTAssertEqual(errorOf(try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "m", "rules": {}, "mode": "audit"}"#, headers: Self.admin)).code, "invalid_mode")
        XCTAssertEqual(try client.post("/policies", json: #"{"customer_id": "\#(UUID().uuidString)", "name": "x", "rules": {}}"#, headers: Self.admin).status, 404)
        XCTAssertEqual(try client.post("/policies", json: #"{"name": "x", "rules": {}}"#, headers: Self.admin).status, 400)
        XCTAssertEqual(try client.get("/policies", headers: customer).status, 403)
        // Text PostgreSQL cannot store is the client's problem (400), never a 500. The JSON
        // escape decodes to a NUL that passes the parser and reaches the database layer.
        let policiesBefore = try Self.stack.postgres.psql("SELECT count(*) FROM convergence.policies")
        let nul = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "a\u0000b", "rules": {}}"#, headers: Self.admin)
        XCTAssertEqual(nul.status, 400, nul.text)
        XCTAssertEqual(errorOf(nul).code, "invalid_value", nul.text)
        let nulModel = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerID)", "name": "n", "rules": {"allowed_models": ["a\u0000b"]}}"#, headers: Self.admin)
        XCTAssertEqual(nulModel.status, 400, nulModel.text)
        XCTAssertEqual(errorOf(nulModel).code, "invalid_value", nulModel.text)
        XCTAssertEqual(try Self.stack.postgres.psql("SELECT count(*) FROM convergence.policies"), policiesBefore, "nothing stored")

        XCTAssertEqual(try client.send("DELETE", "/policies/\(id)", headers: Self.admin).status, 200)
        XCTAssertEqual(try client.get("/policies/\(id)", headers: Self.admin).status, 404)
    }

    /// A policy change applies on every worker at once (the shared-memory generation), not
    /// after the cache lifetime: checked well inside the 1 s TTL this stack runs with, on
    /// checks answered by every worker process (sent to the FastCGI socket directly, where
    /// the answering worker's pid is visible).
    func testAPolicyChangeReachesEveryWorker() throws {
        try deleteAllPolicies()
        let policy = try createPolicy(#"{"allowed_models": ["gpt-4"]}"#, name: "Switch")
        let id = try XCTUnwrap(policy["id"] as? String)
        let workers = Set(Self.stack.server.workerPIDs)
        XCTAssertGreaterThanOrEqual(workers.count, 2)
        let fastcgi = FastCGIClient(.unix(Self.stack.server.socketPath))
        let headers = ["Content-Type": "application/json", "Authorization": "Bearer \(Self.customerKey)"]
        // Heavy checks (~700 kB of context to scan) overlap, so one worker's threads fill up
        // and the other worker takes connections too.
        let filler = String(repeating: "quarterly numbers for the board ", count: 2800)
        let notes = (0..<8).map { #""notes\#($0)": "\#(filler)""# }.joined(separator: ", ")
        let heavyCheck = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 500}], "context": {\#(notes)}}"#
        // A steady stream from 16 threads, each sending one check after another: connections
        // keep arriving while one worker's threads are busy, so every worker takes some.
        let answers = AnswerList()
        let streams = (0..<16).map { _ in
            Thread {
                while !answers.stopped {
                    let sent = Date()
                    guard let response = try? fastcgi.request(method: "POST", uri: "/v1/check", headers: headers,
                                                              body: Data(heavyCheck.utf8)),
                          let pid = response.headers["x-convergence-worker"],
                          let body = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
                          let allowed = body["allowed"] as? Bool else { continue }
                    answers.append(Answer(pid: pid, allowed: allowed, sent: sent, received: Date()))
                }
            }
        }
        streams.forEach { $0.start() }
        defer { answers.stop() }
        let everyWorker = Set(workers.map(String.init))
        XCTAssertTrue(waitUntil(timeout: 20, interval: 0.05) { Set(answers.all.map(\.pid)) == everyWorker },
                      "every worker answers the stream")
        XCTAssertTrue(answers.all.allSatisfy(\.allowed), "gpt-4 is allowed before the change")

        let changed = try client.send("PUT", "/policies/\(id)", headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 },
                                      body: Data(#"{"rules": {"allowed_models": ["claude-3"]}}"#.utf8))
        XCTAssertEqual(changed.status, 200)
        let change = Date()
        // A worker still trusting its cache would answer "allowed" for up to 1 s after the change.
        XCTAssertTrue(waitUntil(timeout: 20, interval: 0.05) {
            Set(answers.all.filter { $0.sent > change }.map(\.pid)) == everyWorker
        }, "every worker answers after the change")
        Thread.sleep(forTimeInterval: 0.3)
        answers.stop()
        let after = answers.all.filter { $0.sent > change }
        XCTAssertEqual(after.filter(\.allowed).map(\.pid), [], "a check sent after the change was allowed by a stale worker")
        // Each worker answered with the new policy inside the cache lifetime.
        for pid in everyWorker {
            let first = try XCTUnwrap(after.filter { $0.pid == pid }.map(\.received).min())
            XCTAssertLessThan(first.timeIntervalSince(change), 1.0, "worker \(pid)")
        }
    }

    func testBadCheckInputIs400NamingTheProblem() throws {
        let cases: [(String, String)] = [
            (#"[1, 2]"#, "body"), (#"{}"#, "operations"), (#"{"operations": []}"#, "operations"),
            (#"{"operations": "llm_call"}"#, "operations"), (#"{"operations": [{"model": "gpt-4"}]}"#, "operations[0].type"),
            (#"{"operations": [{"type": "llm_call", "tokens": -5}]}"#, "operations[0].tokens"),
            (#"{"operations": [{"type": "llm_call", "tokens": 12.5}]}"#, "operations[0].tokens"),
            (#"{"operations": [{"type": "llm_call", "tokens": 1e300}]}"#, "operations[0].tokens"),
            (#"{"operations": [{"type": "llm_call"}], "context": "user_123"}"#, "context"),
            ("{\"operations\": [" + Array(repeating: #"{"type": "llm_call"}"#, count: 101).joined(separator: ",") + "]}", "operations"),
            (#"{"operations": [{"type": "llm_call"}], "context": "# + String(repeating: #"{"a": "#, count: 17) + "1" + String(repeating: "}", count: 17) + "}", "context"),
            // (The over-long `input` is CheckRequestTests.boundsAreEnforced's: the bound is pure logic.)
        ]
        for (body, field) in cases {
            let response = try client.post("/v1/check", json: body, headers: customer)
            XCTAssertEqual(response.status, 400, "\(body.prefix(80)): \(response.text.prefix(200))")
            XCTAssertTrue(errorOf(response).message.contains(field), "\(field): \(errorOf(response).message) [\(response.text.prefix(300))] \(response.headers)")
        }
        XCTAssertEqual(errorOf(try client.send("POST", "/v1/check", headers: customer.merging(["Content-Type": "application/json"]) { $1 })).code, "missing_body")
        XCTAssertEqual(errorOf(try client.post("/v1/check", json: "{oops", headers: customer)).code, "invalid_json")
        let tooDeep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        XCTAssertEqual(try client.post("/v1/check", json: tooDeep, headers: customer).status, 400)
        let huge = #"{"operations": [{"type": "llm_call", "input": ""# + String(repeating: "x", count: 1_100_000) + #""}]}"#
        XCTAssertEqual(try client.post("/v1/check", json: huge, headers: customer).status, 413)
        var invalidUTF8 = Data(#"{"operations": [{"type": "llm_call", "input": ""#.utf8)
        invalidUTF8.append(contentsOf: [0xFF, 0xFE, 0xC3])
        invalidUTF8.append(Data(#""}]}"#.utf8))
        XCTAssertEqual(try client.send("POST", "/v1/check", headers: customer.merging(["Content-Type": "application/json"]) { $1 }, body: invalidUTF8).status, 400)
        let emoji = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "model": "gpt-4", "input": "héllo 👋🏽 世界"}], "context": {"note": "🚀"}}"#, headers: customer)
        XCTAssertEqual(emoji.status, 200, emoji.text)
    }

    func testChecksNeedACustomerKey() throws {
        XCTAssertEqual(try client.post("/v1/check", json: Self.seedCheck).status, 401)
        let response = try client.post("/v1/check", json: Self.seedCheck, headers: Self.admin)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(errorOf(response).code, "customer_key_required")
    }
}

/// Answers collected from concurrent requests.
struct Answer: Sendable {
    let pid: String
    let allowed: Bool
    let sent: Date
    let received: Date
}

final class AnswerList: @unchecked Sendable {
    // @unchecked: `answers` and `isStopped` are only touched under `lock`.
    private let lock = NSLock()
    private var answers: [Answer] = []
    private var isStopped = false
    func append(_ answer: Answer) { lock.withLock { answers.append(answer) } }
    var all: [Answer] { lock.withLock { answers } }
    var stopped: Bool { lock.withLock { isStopped } }
    func stop() { lock.withLock { isStopped = true } }
}

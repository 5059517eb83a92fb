import ConvergenceTestSupport
import Foundation
import XCTest

/// Issue 14, items 2 and 3 through nginx and PostgreSQL: the audit trail names
/// the policy version and rule that decided (or, in monitor mode, would have),
/// and every policy version can be read back; PUT replaces, PATCH merges.
final class PolicyHistoryAndAuditReasonTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var admin: [String: String] = [:]
    nonisolated(unsafe) static var adminKeyID = ""
    /// tenant → (customer id, customer key)
    nonisolated(unsafe) static var customers: [String: (id: String, key: String)] = [:]

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "polhist")
            admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
            adminKeyID = try stack.postgres.psql("SELECT key_id FROM convergence.api_keys WHERE kind = 'admin'")
            for tenant in ["hist_rule", "hist_monitor", "hist_versions", "hist_put", "hist_bad", "hist_pii"] {
                let body = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin).json()
                customers[tenant] = (body["customer_id"] as? String ?? "", body["api_key"] as? String ?? "")
            }
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }

    func customerKey(_ tenant: String) -> [String: String] { ["Authorization": "Bearer \(Self.customers[tenant]!.key)"] }

    func createPolicy(_ tenant: String, rules: String, mode: String = "enforce", name: String = "p") throws -> String {
        let response = try client.post("/policies", json: #"{"customer_id": "\#(Self.customers[tenant]!.id)", "name": "\#(name)", "rules": \#(rules), "mode": "\#(mode)"}"#,
                                       headers: Self.admin)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(try response.json()["id"] as? String)
    }

    func send(_ method: String, _ path: String, _ body: String, contentType: String = "application/json") throws -> HTTPClient.Response {
        try client.send(method, path, headers: Self.admin.merging(["Content-Type": contentType]) { $1 }, body: Data(body.utf8))
    }

    func error(_ response: HTTPClient.Response) -> (code: String, message: String) {
        let error = (try? response.json())?["error"] as? [String: Any]
        return (error?["code"] as? String ?? "(no error code: \(response.text))", error?["message"] as? String ?? "")
    }

    /// The audit record of a check, once the flusher has stored it.
    func auditRecord(_ path: String, requestID: String, _ headers: [String: String]) throws -> [String: Any] {
        var record: [String: Any]?
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.1) {
            record = ((try? self.client.get("\(path)?request_id=\(requestID)", headers: headers).json())?["logs"] as? [[String: Any]])?.first
            return record != nil
        }, "no audit record for \(requestID) at \(path)")
        return try XCTUnwrap(record)
    }

    /// Issue 16: a policy narrows personal data to the kinds it cares about, a secret
    /// blocks on its own rule, and the audit trail keeps where and what kind — never the value.
    func testPersonalDataKindsAndSecretsThroughTheAPIAndTheAuditTrail() throws {
        let customer = Self.customers["hist_pii"]!.id
        let refused = try client.post("/policies", json: #"{"customer_id": "\#(customer)", "name": "p", "rules": {"personal_data_kinds": ["email", "passport_photo"]}}"#,
                                      headers: Self.admin)
        XCTAssertEqual(refused.status, 400, refused.text)
        XCTAssertEqual(error(refused).code, "invalid_rules")
        XCTAssertTrue(error(refused).message.contains("personal_data_kinds.passport_photo"), error(refused).message)

        let policyID = try createPolicy("hist_pii", rules: #"{"block_personal_data": true, "personal_data_kinds": ["email"]}"#)
        let fetched = try client.get("/policies/\(policyID)", headers: Self.admin).json()
        XCTAssertEqual((fetched["rules"] as? [String: Any])?["personal_data_kinds"] as? [String], ["email"])

        let ipOnly = try client.post("/v1/check", json: #"{"operations": [{"type": "tool_call", "input": "Dear Ms. Okafor, your host 10.0.0.7 is up"}]}"#,
                                     headers: customerKey("hist_pii")).json()
        XCTAssertEqual(ipOnly["allowed"] as? Bool, true, "\(ipOnly): a name and an IP address are not personal data for this customer")

        let withEmail = try client.post("/v1/check", json: #"""
            {"operations": [{"type": "tool_call"}],
             "context": {"customer": {"email": "jane.okafor@example.com"}, "session_id": "sess_4111111111111111"}}
            """#, headers: customerKey("hist_pii"))
        let blocked = try withEmail.json()
        XCTAssertEqual(blocked["allowed"] as? Bool, false, withEmail.text)
        let detail = "Personal data detected in context.customer.email (email)"
        XCTAssertEqual((blocked["violations"] as? [[String: Any]])?.first?["detail"] as? String, detail)
        let record = try auditRecord("/logs", requestID: try XCTUnwrap(withEmail.headers["x-request-id"]), Self.admin)
        XCTAssertEqual((record["violations"] as? [[String: Any]])?.first?["detail"] as? String, detail, "\(record)")
        XCTAssertTrue(record["session_id"] is NSNull, "a card glued into an identifier is not kept: \(record)")
        let stored = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        XCTAssertFalse(stored.contains("jane.okafor") || stored.contains("4111"), stored)

        let token = "AKIA" + "Z7Q3K9LM2XW4PB6D"
        let secret = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "provider": "internal", "input": "deploy with \#(token)"}]}"#,
                                     headers: customerKey("hist_pii"))
        let refusedSecret = try secret.json()
        XCTAssertEqual(refusedSecret["allowed"] as? Bool, false, secret.text)
        XCTAssertEqual(refusedSecret["reason"] as? String, "Secret detected in operation input")
        XCTAssertEqual((refusedSecret["violations"] as? [[String: Any]])?.map { $0["rule"] as? String }, ["block_secrets"],
                       "block_secrets follows block_personal_data")
        XCTAssertFalse(secret.text.contains(token))
        let secretRecord = try auditRecord("/logs", requestID: try XCTUnwrap(secret.headers["x-request-id"]), Self.admin)
        XCTAssertFalse(String(decoding: try JSONSerialization.data(withJSONObject: secretRecord), as: UTF8.self).contains(token))
    }

    func testARuleBlockNamesPolicyVersionAndRuleInTheAnswerAndTheAuditTrail() throws {
        let policyID = try createPolicy("hist_rule", rules: #"{"max_external_calls": 2}"#)
        // v2, so that the version recorded is the one applied, not a default of 1.
        XCTAssertEqual(try send("PUT", "/policies/\(policyID)", #"{"rules": {"max_external_calls": 2}}"#).status, 200)
        let check = try client.post("/v1/check", json: #"{"operations": [{"type": "external_api_call"}, {"type": "external_api_call"}, {"type": "external_api_call"}]}"#,
                                    headers: customerKey("hist_rule"))
        XCTAssertEqual(check.status, 200, check.text)
        let decision = try check.json()
        XCTAssertEqual(decision["allowed"] as? Bool, false)
        XCTAssertEqual(decision["risk_score"] as? Int, 0)
        XCTAssertEqual(decision["reason"] as? String, "Blocked by policy \(policyID) rule max_external_calls: 3 external calls, at most 2")
        let requestID = try XCTUnwrap(check.headers["x-request-id"])

        for (path, headers) in [("/logs", Self.admin), ("/v1/logs", customerKey("hist_rule"))] {
            let record = try auditRecord(path, requestID: requestID, headers)
            XCTAssertEqual(record["decision"] as? String, "block", path)
            XCTAssertEqual(record["risk_score"] as? Int, 0, path)
            XCTAssertEqual((record["reasons"] as? [Any])?.count, 0, "no factor fired (\(path))")
            let violations = try XCTUnwrap(record["violations"] as? [[String: Any]], "\(path): \(record)")
            XCTAssertEqual(violations.count, 1, path)
            XCTAssertEqual(violations.first?["policy_id"] as? String, policyID, path)
            XCTAssertEqual(violations.first?["version"] as? Int, 2, path)
            XCTAssertEqual(violations.first?["rule"] as? String, "max_external_calls", path)
            XCTAssertEqual(violations.first?["mode"] as? String, "enforce", path)
            XCTAssertEqual(violations.first?["detail"] as? String, "3 external calls, at most 2", path)
            XCTAssertEqual(record["policy_versions"] as? [String], ["\(policyID):2"], path)
            XCTAssertEqual(record["would_block_by"] as? [String], [], path)
        }
    }

    func testAMonitorPolicyThatWouldHaveBlockedIsNamed() throws {
        let monitorID = try createPolicy("hist_monitor", rules: #"{"max_tokens": 100}"#, mode: "monitor")
        let check = try client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "model": "m", "provider": "internal", "tokens": 500}]}"#,
                                    headers: customerKey("hist_monitor"))
        let decision = try check.json()
        XCTAssertEqual(decision["allowed"] as? Bool, true, check.text)
        XCTAssertEqual(decision["would_block"] as? Bool, true, check.text)
        XCTAssertEqual(decision["would_block_by"] as? [String], ["\(monitorID):1"], check.text)
        let requestID = try XCTUnwrap(check.headers["x-request-id"])
        for (path, headers) in [("/logs", Self.admin), ("/v1/logs", customerKey("hist_monitor"))] {
            let record = try auditRecord(path, requestID: requestID, headers)
            XCTAssertEqual(record["decision"] as? String, "allow", path)
            XCTAssertEqual(record["would_block"] as? Bool, true, path)
            XCTAssertEqual(record["would_block_by"] as? [String], ["\(monitorID):1"], path)
            let violation = try XCTUnwrap((record["violations"] as? [[String: Any]])?.first, "\(path): \(record)")
            XCTAssertEqual(violation["policy_id"] as? String, monitorID, path)
            XCTAssertEqual(violation["version"] as? Int, 1, path)
            XCTAssertEqual(violation["rule"] as? String, "max_tokens", path)
            XCTAssertEqual(violation["mode"] as? String, "monitor", path)
        }
    }

    func testEveryVersionIsReadableAndListedNewestFirst() throws {
        let id = try createPolicy("hist_versions", rules: #"{"max_tokens": 1000, "block_threshold": 40, "risk_weights": {"unknown_operation": 30}}"#,
                                  name: "first")
        let put = try send("PUT", "/policies/\(id)",
                           #"{"name": "second", "rules": {"max_tokens": 2000, "block_threshold": 40, "risk_weights": {"unknown_operation": 30}}, "mode": "monitor"}"#)
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(try put.json()["version"] as? Int, 2)
        let patch = try send("PATCH", "/policies/\(id)", #"{"rules": {"max_tokens": null}}"#, contentType: "application/merge-patch+json")
        XCTAssertEqual(patch.status, 200, patch.text)
        let patched = try patch.json()
        XCTAssertEqual(patched["version"] as? Int, 3)
        XCTAssertEqual(patched["name"] as? String, "second", "a merge patch keeps what it does not name")
        XCTAssertEqual(patched["mode"] as? String, "monitor")
        let rules = try XCTUnwrap(patched["rules"] as? [String: Any])
        XCTAssertNil(rules["max_tokens"], "null removes the rule")
        XCTAssertEqual(rules["block_threshold"] as? Int, 40)
        XCTAssertEqual((rules["risk_weights"] as? [String: Any])?["unknown_operation"] as? Int, 30)

        let expected: [(version: Int, name: String, mode: String, maxTokens: Int?)] = [
            (1, "first", "enforce", 1000), (2, "second", "monitor", 2000), (3, "second", "monitor", nil),
        ]
        for want in expected {
            let response = try client.get("/policies/\(id)?version=\(want.version)", headers: Self.admin)
            XCTAssertEqual(response.status, 200, response.text)
            let version = try response.json()
            XCTAssertEqual(version["id"] as? String, id)
            XCTAssertEqual(version["version"] as? Int, want.version)
            XCTAssertEqual(version["name"] as? String, want.name)
            XCTAssertEqual(version["mode"] as? String, want.mode)
            XCTAssertEqual((version["rules"] as? [String: Any])?["max_tokens"] as? Int, want.maxTokens, "version \(want.version)")
            XCTAssertEqual(version["admin_key_id"] as? String, Self.adminKeyID)
        }
        let listed = try client.get("/policies/\(id)/versions", headers: Self.admin)
        XCTAssertEqual(listed.status, 200, listed.text)
        let versions = try XCTUnwrap(try listed.json()["versions"] as? [[String: Any]])
        XCTAssertEqual(versions.compactMap { $0["version"] as? Int }, [3, 2, 1])
        for version in versions {
            for field in ["rules", "mode", "active", "name", "created_at", "admin_key_id"] { XCTAssertNotNil(version[field], field) }
        }
        XCTAssertEqual(try client.get("/policies/\(id)", headers: Self.admin).json()["version"] as? Int, 3, "without ?version: the current one")

        let missing = try client.get("/policies/\(id)?version=9", headers: Self.admin)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(error(missing).code, "version_not_found")
        XCTAssertEqual(error(try client.get("/policies/\(id)?version=first", headers: Self.admin)).code, "invalid_version")
        XCTAssertEqual(error(try client.get("/policies/\(id)?versoin=1", headers: Self.admin)).code, "invalid_parameter")
        XCTAssertEqual(error(try client.get("/policies/pol_nope/versions", headers: Self.admin)).code, "policy_not_found")

        // Each edit is an admin audit record citing the version it made.
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.1) {
            let logs = ((try? self.client.get("/logs?kind=admin&customer_id=\(Self.customers["hist_versions"]!.id)&limit=100",
                                               headers: Self.admin).json())?["logs"] as? [[String: Any]]) ?? []
            return logs.contains { $0["action"] as? String == "policy.patch" && $0["target"] as? String == "policy:\(id):3" }
                && logs.contains { $0["action"] as? String == "policy.update" && $0["target"] as? String == "policy:\(id):2" }
        })

        // A deleted policy's history stays readable: audit records still cite it.
        XCTAssertEqual(try client.send("DELETE", "/policies/\(id)", headers: Self.admin).status, 200)
        XCTAssertEqual(try client.get("/policies/\(id)", headers: Self.admin).status, 404)
        XCTAssertEqual(try client.get("/policies/\(id)?version=2", headers: Self.admin).json()["name"] as? String, "second")
        let afterDelete = try client.get("/policies/\(id)/versions", headers: Self.admin).json()["versions"] as? [[String: Any]] ?? []
        XCTAssertEqual(afterDelete.first?["version"] as? Int, 4)
        XCTAssertEqual(afterDelete.first?["deleted"] as? Bool, true)
    }

    func testPutReplacesTheWholePolicy() throws {
        let id = try createPolicy("hist_put", rules: #"{"max_tokens": 5, "block_threshold": 30, "risk_weights": {"personal_data": 90}}"#,
                                  mode: "monitor", name: "kept")
        let put = try send("PUT", "/policies/\(id)", #"{"rules": {"max_tokens": 10}}"#)
        XCTAssertEqual(put.status, 200, put.text)
        let replaced = try put.json()
        XCTAssertEqual(replaced["rules"] as? [String: Int], ["max_tokens": 10], "block_threshold and risk_weights not sent: gone (documented)")
        XCTAssertEqual(replaced["mode"] as? String, "enforce", "mode not sent: back to its default")
        XCTAssertEqual(replaced["active"] as? Bool, true)
        XCTAssertEqual(replaced["name"] as? String, "kept", "name not sent: kept")
        // Without rules a PUT would silently drop every rule: refused, no version made.
        let noRules = try send("PUT", "/policies/\(id)", #"{"name": "renamed"}"#)
        XCTAssertEqual(noRules.status, 400, noRules.text)
        XCTAssertEqual(error(noRules).code, "invalid_rules")
        XCTAssertTrue(error(noRules).message.contains("PATCH"), error(noRules).message)
        XCTAssertEqual((try client.get("/policies/\(id)/versions", headers: Self.admin).json()["versions"] as? [Any])?.count, 2)
    }

    func testBadPatchesAre400NamingTheFieldAndMakeNoVersion() throws {
        let id = try createPolicy("hist_bad", rules: #"{"max_tokens": 100}"#)
        let cases: [(body: String, code: String, names: String)] = [
            (#"{}"#, "empty_update", "empty"),
            (#"{"rules": {"max_tokenz": 5}}"#, "invalid_rules", "max_tokenz"),
            (#"{"rules": {"max_tokens": "many"}}"#, "invalid_rules", "rules.max_tokens"),
            (#"{"rules": {"risk_weights": {"pii": 5}}}"#, "invalid_rules", "risk_weights.pii"),
            (#"{"rules": null}"#, "invalid_rules", "rules"),
            (#"{"rules": [1]}"#, "invalid_rules", "rules"),
            (#"{"nmae": "x"}"#, "invalid_field", "nmae"),
            (#"{"name": null}"#, "invalid_name", "name"),
            (#"{"mode": "audit"}"#, "invalid_mode", "mode"),
            (#"{"active": "yes"}"#, "invalid_active", "active"),
            (#"{"customer_id": "\#(UUID().uuidString)"}"#, "invalid_customer_id", "customer"),
            (#"[{"op": "remove", "path": "/rules/max_tokens"}]"#, "invalid_json", "object"),
        ]
        for c in cases {
            let response = try send("PATCH", "/policies/\(id)", c.body, contentType: "application/merge-patch+json")
            XCTAssertEqual(response.status, 400, "\(c.body): \(response.text)")
            XCTAssertEqual(error(response).code, c.code, c.body)
            XCTAssertTrue(error(response).message.contains(c.names), "\(c.body): \(error(response).message)")
        }
        XCTAssertEqual(try send("PATCH", "/policies/pol_nope", #"{"name": "x"}"#).status, 404)
        let versions = try client.get("/policies/\(id)/versions", headers: Self.admin).json()["versions"] as? [[String: Any]] ?? []
        XCTAssertEqual(versions.compactMap { $0["version"] as? Int }, [1], "no bad patch made a version")
        let current = try client.get("/policies/\(id)", headers: Self.admin).json()
        XCTAssertEqual(current["version"] as? Int, 1)
        XCTAssertEqual(current["rules"] as? [String: Int], ["max_tokens": 100])
    }
}

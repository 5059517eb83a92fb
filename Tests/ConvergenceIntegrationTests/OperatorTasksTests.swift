import ConvergenceTestSupport
import Foundation
import XCTest

/// Issue 14's operator tasks through nginx against real PostgreSQL: changing a
/// customer, naming customers by tenant id, finding deleted customers, and
/// paging admin lists.
final class OperatorTasksTests: StackTestCase {
    override class var stackLabel: String { "operator-tasks" }
    // The tiers' real sizes (the harness makes them huge by default), so a tier change shows.
    override class var stackOverrides: [String: String] {
        ["CONVERGENCE_RATE_LIMIT_FREE": "100/60s", "CONVERGENCE_RATE_LIMIT_PRO": "1000/60s"]
    }

    func patch(_ path: String, _ json: String) throws -> HTTPClient.Response {
        try client.send("PATCH", path, headers: admin.merging(["Content-Type": "application/json"]) { $1 }, body: Data(json.utf8))
    }

    func onboard(_ tenant: String) throws -> (customerID: String, key: String) {
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
        XCTAssertEqual(response.status, 201, response.text)
        let body = try response.json()
        return (try XCTUnwrap(body["customer_id"] as? String), try XCTUnwrap(body["api_key"] as? String))
    }

    func testATierChangeTakesEffectOnTheKeysBucketAtOnce() throws {
        let (customerID, key) = try onboard("tier_change")
        let path = "/api/v1/tenants/tier_change/credentials"
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": key]).headers["x-ratelimit-limit"], "100")
        let changed = try patch("/admin/customers/\(customerID)", #"{"tier": "pro"}"#)
        XCTAssertEqual(changed.status, 200, changed.text)
        XCTAssertEqual(try changed.json()["tier"] as? String, "pro")
        // Every worker, well inside the key cache's lifetime: the change invalidates caches.
        let start = Date()
        XCTAssertTrue(try waitUntil(timeout: 2, interval: 0.01) {
            try client.get(path, headers: ["X-API-Key": key]).headers["x-ratelimit-limit"] == "1000"
        })
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.4)
        for _ in 0..<20 { XCTAssertEqual(try client.get(path, headers: ["X-API-Key": key]).headers["x-ratelimit-limit"], "1000") }
        // By tenant id too; the name changes and the change is audited.
        let renamed = try patch("/admin/customers/tier_change", #"{"name": "Tier Change GmbH", "tier": "free"}"#)
        XCTAssertEqual(renamed.status, 200, renamed.text)
        XCTAssertEqual(try renamed.json()["name"] as? String, "Tier Change GmbH")
        XCTAssertTrue(try waitUntil(timeout: 10, interval: 0.1) {
            let logs = try client.get("/logs?kind=admin&customer_id=tier_change", headers: admin).json()["logs"] as? [[String: Any]] ?? []
            return logs.filter { $0["action"] as? String == "customer.update" }.count == 2
        }, "customer.update in the admin audit")
    }

    func testBadCustomerChangesAre4xxAndChangeNothing() throws {
        let (customerID, _) = try onboard("tier_bad")
        for (body, code) in [("{}", "empty_update"), (#"{"tier": "gold"}"#, "invalid_tier"), (#"{"name": ""}"#, "invalid_name"),
                             (#"{"tier": "pro", "tier": "free"}"#, "invalid_json")] {
            let response = try patch("/admin/customers/\(customerID)", body)
            XCTAssertEqual(response.status, 400, response.text)
            XCTAssertEqual(errorCode(response), code, body)
        }
        XCTAssertEqual(try patch("/admin/customers/no_such_tenant", #"{"tier": "pro"}"#).status, 404)
        XCTAssertEqual(try patch("/admin/customers/x-y", #"{"tier": "pro"}"#).status, 400)
        XCTAssertEqual(try psql("SELECT tier || name FROM convergence.customers WHERE id = '\(customerID)'"), "freetier_bad")
    }

    func testAdminRoutesTakeTheTenantIDWhereTheyTakeTheCustomerUUID() throws {
        let (customerID, _) = try onboard("by_tenant")
        let fetched = try client.get("/admin/customers/by_tenant", headers: admin)
        XCTAssertEqual(fetched.status, 200, fetched.text)
        XCTAssertEqual(try fetched.json()["id"] as? String, customerID)
        let issued = try client.post("/admin/keys", json: #"{"customer_id": "by_tenant", "name": "ci"}"#, headers: admin)
        XCTAssertEqual(issued.status, 201, issued.text)
        XCTAssertEqual(try issued.json()["customer_id"] as? String, customerID)
        let keys = try client.get("/admin/keys?customer_id=by_tenant", headers: admin).json()["keys"] as? [[String: Any]] ?? []
        XCTAssertEqual(keys.count, 2, "the onboarding key and the one just issued")
        XCTAssertEqual(try client.get("/logs?customer_id=by_tenant", headers: admin).status, 200)
        let policy = try client.post("/policies", json: #"{"customer_id": "by_tenant", "name": "p", "rules": {"max_tokens": 5}}"#, headers: admin)
        XCTAssertEqual(policy.status, 201, policy.text)
        XCTAssertEqual(try policy.json()["customer_id"] as? String, customerID)
        let policies = try client.get("/policies?customer_id=by_tenant", headers: admin).json()["policies"] as? [[String: Any]] ?? []
        XCTAssertEqual(policies.count, 1)
        XCTAssertEqual(try client.get("/admin/customers/nobody_here", headers: admin).status, 404)
        XCTAssertEqual(try client.get("/admin/keys?customer_id=nobody_here", headers: admin).status, 404)
    }

    func testDeletedCustomersCanBeListedAndPurgedByTenantID() throws {
        let (customerID, _) = try onboard("gone_soon")
        XCTAssertEqual(try client.send("DELETE", "/admin/customers/gone_soon", headers: admin).status, 200)
        let live = try client.get("/admin/customers?limit=1000", headers: admin).json()["customers"] as? [[String: Any]] ?? []
        XCTAssertFalse(live.contains { $0["id"] as? String == customerID })
        let all = try client.get("/admin/customers?include_deleted=true&limit=1000", headers: admin).json()["customers"] as? [[String: Any]] ?? []
        let deleted = try XCTUnwrap(all.first { $0["id"] as? String == customerID })
        XCTAssertNotNil(deleted["deleted_at"] as? String)
        XCTAssertEqual(try client.get("/admin/customers?include_deleted=maybe", headers: admin).status, 400)
        let purged = try client.send("DELETE", "/admin/customers/gone_soon?purge=true", headers: admin)
        XCTAssertEqual(purged.status, 200, purged.text)
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'gone_soon'"), "0")
    }

    func testAdminListsPageWithCursorsThatDoNotShiftWhileRowsArrive() throws {
        for i in 0..<5 { _ = try onboard("paged_\(i)") }
        let everything = try client.get("/admin/customers?limit=1000", headers: admin).json()["customers"] as? [[String: Any]] ?? []
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let response = try client.get("/admin/customers?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: admin)
            XCTAssertEqual(response.status, 200, response.text)
            let body = try response.json()
            seen += (body["customers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = body["next_cursor"] as? String
            if pages == 0 { _ = try onboard("paged_late") } // arrives while paging: at the end, nothing shifts
            pages += 1
        } while cursor != nil && pages < 100
        XCTAssertEqual(Array(seen.prefix(everything.count)), everything.compactMap { $0["id"] as? String })
        XCTAssertEqual(seen.count, everything.count + 1, "the late customer appears once, on the last page")
        XCTAssertEqual(Set(seen).count, seen.count, "no row twice")

        // Keys page the same way.
        let (customerID, _) = try onboard("paged_keys")
        for _ in 0..<3 { _ = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin) }
        let first = try client.get("/admin/keys?customer_id=\(customerID)&limit=3", headers: admin).json()
        XCTAssertEqual((first["keys"] as? [[String: Any]])?.count, 3)
        let next = try XCTUnwrap(first["next_cursor"] as? String)
        let second = try client.get("/admin/keys?customer_id=\(customerID)&limit=3&cursor=\(next)", headers: admin).json()
        XCTAssertEqual((second["keys"] as? [[String: Any]])?.count, 1)
        XCTAssertTrue(second["next_cursor"] is NSNull)
        for bad in ["forged", "99999999999999999999_key_x", "1_notakey"] {
            let response = try client.get("/admin/keys?cursor=\(bad)", headers: admin)
            XCTAssertEqual(errorCode(response), "invalid_cursor", bad)
        }
        XCTAssertEqual(errorCode(try client.get("/admin/customers?limit=0", headers: admin)), "invalid_limit")

        // And policies.
        for i in 0..<3 {
            let created = try client.post("/policies", json: #"{"customer_id": "\#(customerID)", "name": "p\#(i)", "rules": {}}"#, headers: admin)
            XCTAssertEqual(created.status, 201, created.text)
        }
        let firstPolicies = try client.get("/policies?customer_id=\(customerID)&limit=2", headers: admin).json()
        let policyCursor = try XCTUnwrap(firstPolicies["next_cursor"] as? String)
        let restPolicies = try client.get("/policies?customer_id=\(customerID)&limit=2&cursor=\(policyCursor)", headers: admin).json()
        let names = ((firstPolicies["policies"] as? [[String: Any]] ?? []) + (restPolicies["policies"] as? [[String: Any]] ?? []))
            .compactMap { $0["name"] as? String }
        XCTAssertEqual(names, ["p0", "p1", "p2"])
        XCTAssertTrue(restPolicies["next_cursor"] is NSNull)
    }
}

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
}

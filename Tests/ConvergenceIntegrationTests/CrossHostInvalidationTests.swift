import ConvergenceTestSupport
import Foundation
import XCTest

/// Two hosts (each its own `convergence serve`, shared-memory region and nginx) on one
/// PostgreSQL, with cache TTLs of 30 s: a key or policy change made on one host must be
/// seen by the other within 1 s, which only the NOTIFY path can do.
final class CrossHostInvalidationTests: StackTestCase {
    override class var stackOverrides: [String: String] { Self.longTTLs }
    static let longTTLs = ["CONVERGENCE_KEY_CACHE_TTL_MS": "30000", "CONVERGENCE_POLICY_CACHE_TTL_MS": "30000"]

    let check = #"{"operations": [{"type": "llm_call", "model": "llama-3", "provider": "internal", "tokens": 10}]}"#

    /// Sends `count` requests so that every worker of the host has the key (and policies) cached.
    func warm(_ client: HTTPClient, key: String, count: Int = 16) throws {
        for _ in 0..<count { XCTAssertEqual(try client.post("/v1/check", json: check, headers: ["X-API-Key": key]).status, 200) }
    }

    /// How long after `start` every request through `client` got `status` for 10 requests in a row; nil past `timeout`.
    func secondsUntil(_ client: HTTPClient, status: Int, key: String, timeout: TimeInterval = 5, _ probe: (() throws -> Int)? = nil) -> TimeInterval? {
        let start = Date()
        var streak = 0
        while Date().timeIntervalSince(start) < timeout {
            let got = (try? probe?() ?? client.post("/v1/check", json: check, headers: ["X-API-Key": key]).status) ?? 0
            streak = got == status ? streak + 1 : 0
            if streak >= 10 { return Date().timeIntervalSince(start) }
        }
        return nil
    }

    func testKeyAndPolicyChangesOnOneHostReachTheOtherWithinOneSecond() throws {
        let hostB = try SecondHost(databaseURL: stack.postgres.url, overrides: Self.longTTLs)
        defer { hostB.stop() }
        let clientA = client, clientB = hostB.client
        // Each listener expires its host's caches when it starts listening: warm them only after that.
        for server in [stack.server, hostB.server] {
            XCTAssertTrue(waitUntil(timeout: 10) { server.count(message: "cache listener listening; cached keys and policies expired") >= 1 },
                          server.log)
        }

        let onboarded = try clientA.post("/api/v1/customers/onboard", json: #"{"tenant_id": "xhost_acme"}"#, headers: admin).json()
        let key = try XCTUnwrap(onboarded["api_key"] as? String), customerID = try XCTUnwrap(onboarded["customer_id"] as? String)

        // A policy made on host A blocks on host B within 1 s, although B had cached "no policies" for 30 s.
        try warm(clientB, key: key)
        XCTAssertEqual(try clientB.post("/v1/check", json: check, headers: ["X-API-Key": key]).json()["allowed"] as? Bool, true)
        let made = try clientA.post("/policies", json: #"{"customer_id": "\#(customerID)", "name": "small", "rules": {"max_tokens": 5}}"#,
                                    headers: admin)
        XCTAssertEqual(made.status, 201, made.text)
        let blocked = secondsUntil(clientB, status: 200, key: key) {
            let decision = try clientB.post("/v1/check", json: self.check, headers: ["X-API-Key": key]).json()
            return decision["allowed"] as? Bool == false ? 200 : 0
        }
        XCTAssertNotNil(blocked, "host B still allows 10 tokens 5 s after host A's policy change")
        XCTAssertLessThan(blocked ?? 99, 1.0)

        // A key revoked on host A is refused on host B within 1 s.
        let issued = try clientA.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin).json()
        let second = try XCTUnwrap(issued["api_key"] as? String), secondID = try XCTUnwrap(issued["key_id"] as? String)
        try warm(clientB, key: second)
        XCTAssertEqual(try clientA.send("DELETE", "/admin/keys/\(secondID)", headers: admin).status, 200)
        let refused = secondsUntil(clientB, status: 401, key: second)
        XCTAssertNotNil(refused, "host B still accepts a key revoked on host A after 5 s")
        XCTAssertLessThan(refused ?? 99, 1.0)

        // `convergence admin revoke-key` (no server involved) reaches both hosts too.
        let env = ["CONVERGENCE_DATABASE_URL": stack.postgres.url]
        let adminKey2 = try Shell.run([TestPaths.binary, "admin", "create-key", "--name", "xhost-cli"], environment: env, stdoutOnly: true).output
        let bearer = ["Authorization": "Bearer \(adminKey2)"]
        for c in [clientA, clientB] { for _ in 0..<8 { XCTAssertEqual(try c.get("/admin/customers", headers: bearer).status, 200) } }
        let listing = try Shell.run([TestPaths.binary, "admin", "list-keys"], environment: env).output
        let adminID = try XCTUnwrap(listing.split(separator: "\n").first { $0.contains("xhost-cli") }?.split(separator: " ").first)
        try Shell.run([TestPaths.binary, "admin", "revoke-key", String(adminID)], environment: env)
        for c in [clientA, clientB] {
            let seconds = secondsUntil(c, status: 401, key: "") { try c.get("/admin/customers", headers: bearer).status }
            XCTAssertLessThan(seconds ?? 99, 1.0, "an admin key revoked by the CLI is refused on every host within 1 s")
        }

        // A listener that dies misses notifications; its replacement expires everything when it connects.
        let third = try clientA.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin).json()
        let thirdKey = try XCTUnwrap(third["api_key"] as? String), thirdID = try XCTUnwrap(third["key_id"] as? String)
        try warm(clientB, key: thirdKey)
        let listener = try XCTUnwrap(hostB.server.children(role: "cache-listener").first)
        kill(listener, SIGSTOP) // alive but deaf: the notification of the revocation is queued for a connection that is then killed
        XCTAssertEqual(try clientA.send("DELETE", "/admin/keys/\(thirdID)", headers: admin).status, 200)
        kill(listener, SIGKILL)
        XCTAssertNotNil(secondsUntil(clientB, status: 401, key: thirdKey, timeout: 10),
                        "the replacement listener expires host B's caches: \(hostB.server.log.suffix(2000))")
        XCTAssertTrue(waitUntil(timeout: 10) { hostB.server.children(role: "cache-listener").count == 1 }, hostB.server.log)
        XCTAssertGreaterThanOrEqual(hostB.server.count(message: "cache listener listening; cached keys and policies expired"), 2)
    }
}

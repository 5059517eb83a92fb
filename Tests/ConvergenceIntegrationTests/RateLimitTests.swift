import ConvergenceTestSupport
import Foundation
import XCTest

/// Per-key token buckets in shared memory, through nginx, with four worker processes.
final class RateLimitTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var admin: [String: String] = [:]
    nonisolated(unsafe) static var customerID = ""

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "ratelimit", overrides: ["CONVERGENCE_WORKERS": "4", "CONVERGENCE_CRASH_LOOP_MAX": "1000",
                                                                       "CONVERGENCE_RATE_LIMIT_FREE": "100/60s", "CONVERGENCE_RATE_LIMIT_PRO": "1000/60s",
                                                                       "CONVERGENCE_KEY_CACHE_TTL_MS": "1000"], waitForWorkers: 4)
            admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
            let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "rl_acme"}"#, headers: admin).json()
            customerID = onboarded["customer_id"] as? String ?? ""
        } catch {
            XCTFail("cannot start the stack: \(error)")
            FileHandle.standardError.write(Data("cannot start the stack: \(error)\n".utf8))
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }

    /// A new customer key with its own bucket.
    func newKey(limit: Int, period: Int) throws -> (key: String, id: String) {
        let body = #"{"customer_id": "\#(Self.customerID)", "name": "rl", "rate_limit": {"limit": \#(limit), "period_seconds": \#(period)}}"#
        let response = try client.post("/admin/keys", json: body, headers: Self.admin)
        XCTAssertEqual(response.status, 201, response.text)
        let json = try response.json()
        return (json["api_key"] as? String ?? "", json["key_id"] as? String ?? "")
    }

    static let check = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 10}]}"#

    func testManyClientsOnFourWorkersGetExactlyTheBudget() throws {
        let (key, _) = try newKey(limit: 60, period: 3600) // refill during the test: one token per minute
        let tally = Tally()
        let client = self.client
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            for _ in 0..<15 {
                do {
                    let r = try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key])
                    var problem: String?
                    if r.status == 429 {
                        let code = ((try? r.json())?["error"] as? [String: Any])?["code"] as? String
                        if code != "rate_limited" || r.headers["retry-after"] == nil { problem = r.text }
                    }
                    tally.record(status: r.status, remaining: r.status == 200 ? r.headers["x-ratelimit-remaining"].flatMap(Int.init) : nil,
                                 problem: problem)
                } catch {
                    tally.record(status: 0, remaining: nil, problem: "\(error)")
                }
            }
        }
        let (statuses, remaining, problems) = tally.snapshot
        XCTAssertEqual(problems, [])
        XCTAssertEqual(statuses[200], 60, "\(statuses)")
        XCTAssertEqual(statuses[429], 16 * 15 - 60, "\(statuses)")
        // Every token was handed out once: the remaining counts are exactly 59…0.
        XCTAssertEqual(remaining.sorted(), Array(0..<60))
    }

    func testHeadersOnEveryCustomerResponse() throws {
        let (key, _) = try newKey(limit: 3, period: 60)
        let before = Int(Date().timeIntervalSince1970)
        let first = try client.post("/v1/check", json: Self.check, headers: ["Authorization": "Bearer \(key)"])
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.headers["x-ratelimit-limit"], "3")
        XCTAssertEqual(first.headers["x-ratelimit-remaining"], "2")
        let reset = Int(first.headers["x-ratelimit-reset"] ?? "") ?? 0
        XCTAssertTrue((before + 19...before + 22).contains(reset), "reset \(reset) vs now \(before)") // one token = 20 s
        XCTAssertEqual(first.headers["ratelimit-policy"], #""key";q=3;w=60"#)
        // A customer route that fails validation still counts and still carries the headers.
        let bad = try client.post("/v1/check", json: "{}", headers: ["Authorization": "Bearer \(key)"])
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.headers["x-ratelimit-remaining"], "1")
        _ = try client.post("/v1/check", json: Self.check, headers: ["Authorization": "Bearer \(key)"])
        let refused = try client.post("/v1/check", json: Self.check, headers: ["Authorization": "Bearer \(key)"])
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(refused.headers["x-ratelimit-remaining"], "0")
        XCTAssertEqual(refused.headers["retry-after"], "20")
        XCTAssertEqual(refused.headers["x-request-id"]?.hasPrefix("req_"), true)
        // Admin routes are not limited (and carry no bucket headers).
        let list = try client.get("/admin/customers", headers: Self.admin)
        XCTAssertEqual(list.status, 200)
        XCTAssertNil(list.headers["x-ratelimit-limit"])
    }

    func testTierDefaultsAndOverrides() throws {
        // The onboarding key has no override: the free tier's 100/60 s applies.
        let created = try client.post("/admin/keys", json: #"{"customer_id": "\#(Self.customerID)"}"#, headers: Self.admin).json()
        let key = created["api_key"] as? String ?? ""
        let keyID = created["key_id"] as? String ?? ""
        let r = try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key])
        XCTAssertEqual(r.headers["x-ratelimit-limit"], "100")
        // An operator raises it; the next request sees the new rule.
        let put = try client.send("PUT", "/admin/keys/\(keyID)/rate_limit", headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 },
                                  body: Data(#"{"limit": 5000, "period_seconds": 60}"#.utf8))
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual((try put.json()["rate_limit"] as? [String: Any])?["limit"] as? Int, 5000)
        XCTAssertTrue(waitUntil(timeout: 3) {
            (try? self.client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key]))?.headers["x-ratelimit-limit"] == "5000"
        })
        // Bad overrides are refused and change nothing.
        for body in [#"{"limit": 0, "period_seconds": 60}"#, #"{"limit": 10}"#, #"{"limit": "10", "period_seconds": 60}"#,
                     #"{"limit": 10, "period_seconds": 99999999}"#, "[]"] {
            let refused = try client.send("PUT", "/admin/keys/\(keyID)/rate_limit",
                                          headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 }, body: Data(body.utf8))
            XCTAssertEqual(refused.status, 400, "\(body): \(refused.text)")
        }
        let unknown = try client.send("PUT", "/admin/keys/key_nope/rate_limit", headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 },
                                      body: Data("null".utf8))
        XCTAssertEqual(unknown.status, 404)
        let creation = try client.post("/admin/keys", json: #"{"customer_id": "\#(Self.customerID)", "rate_limit": {"limit": -1, "period_seconds": 60}}"#,
                                       headers: Self.admin)
        XCTAssertEqual(creation.status, 400)
    }

    /// Key caches live up to 1 s here; a revocation through the API must not wait for them.
    func testRevocationReachesEveryWorkerAtOnce() throws {
        let (key, keyID) = try newKey(limit: 1000, period: 60)
        for _ in 0..<40 { XCTAssertEqual(try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key]).status, 200) }
        XCTAssertEqual(try client.send("DELETE", "/admin/keys/\(keyID)", headers: Self.admin).status, 200)
        let statuses = try (0..<20).map { _ in try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key]).status }
        XCTAssertEqual(statuses, Array(repeating: 401, count: 20))
    }

    func testWorkersKilledInALoopLeaveEveryBucketUsable() throws {
        let keys = try (0..<6).map { _ in try newKey(limit: 1_000_000, period: 60).key }
        let load = LoadGenerator()
        let client = self.client
        load.start(clients: 6) {
            try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": keys.randomElement()!])
        }
        let deadline = Date().addingTimeInterval(4)
        var kills = 0
        while Date() < deadline {
            // Counted only once the worker is confirmed dead (reaped, gone from /proc).
            if let victim = Self.stack.server.workerPIDs.randomElement(), Self.stack.server.killChild(victim) { kills += 1 }
            Thread.sleep(forTimeInterval: 0.25)
        }
        let outcome = load.finish()
        XCTAssertGreaterThan(kills, 8)
        // A kill fails at most the requests in flight on that worker (one per client), with nginx's 502.
        XCTAssertEqual(Set(outcome.failures.map { String($0.prefix(8)) }).subtracting(["HTTP 502"]), [], "\(outcome.failures.prefix(5))")
        XCTAssertLessThanOrEqual(outcome.failures.count, kills * 6, "\(outcome.failures.count) failed for \(kills) kills")
        XCTAssertTrue(waitUntil(timeout: 20) { Self.stack.server.workerPIDs.count == 4 })
        Thread.sleep(forTimeInterval: 0.5) // replacements finish starting
        // Every bucket answers at once, with a sane count: nothing was left locked or torn.
        for key in keys {
            let started = Date()
            let r = try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key])
            XCTAssertEqual(r.status, 200, r.text)
            XCTAssertLessThan(Date().timeIntervalSince(started), 1)
            let left = Int(r.headers["x-ratelimit-remaining"] ?? "") ?? -1
            XCTAssertTrue((0..<1_000_000).contains(left), "remaining \(left)")
        }
        // And a tight budget is still exact after all that.
        let (tight, _) = try newKey(limit: 5, period: 3600)
        let results = try (0..<8).map { _ in try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": tight]).status }
        XCTAssertEqual(results, [200, 200, 200, 200, 200, 429, 429, 429])
    }
}

/// Outcomes gathered from concurrent clients.
/// @unchecked Sendable: every field is only touched under `lock`.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int: Int] = [:]
    private var remaining: [Int] = []
    private var problems: [String] = []

    func record(status: Int, remaining left: Int?, problem: String?) {
        lock.withLock {
            statuses[status, default: 0] += 1
            if let left { remaining.append(left) }
            if let problem { problems.append(problem) }
        }
    }

    var snapshot: ([Int: Int], [Int], [String]) { lock.withLock { (statuses, remaining, problems) } }
}

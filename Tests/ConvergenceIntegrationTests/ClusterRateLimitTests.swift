import ConvergenceTestSupport
import Foundation
import XCTest

/// rate_limit_scope = cluster: two hosts on one PostgreSQL hold one budget per key.
/// A key of 20 per 2 s blasted from both hosts may be admitted at most B + r·t
/// = 20 + 10·t times in any interval t — in host scope the same load gets twice that.
final class ClusterRateLimitTests: StackTestCase {
    static let cluster = ["CONVERGENCE_RATE_LIMIT_SCOPE": "cluster"]
    override class var stackOverrides: [String: String] { cluster }

    let check = #"{"operations": [{"type": "llm_call", "model": "llama-3", "provider": "internal", "tokens": 10}]}"#

    /// Requests sent by `threads` clients per host until `until()` is true: (send time, status, host).
    final class Blast: @unchecked Sendable {
        // @unchecked: `outcomes` is only touched under `lock`; the clients are immutable.
        struct Outcome {
            let sent: Date
            let status: Int
            let host: Int
            let remaining: Int?
        }
        private let lock = NSLock()
        private var outcomes: [Outcome] = []
        private var stopped = false
        private var threads: [Thread] = []

        init(clients: [HTTPClient], threads perHost: Int, key: String, body: String) {
            for (host, client) in clients.enumerated() {
                for _ in 0..<perHost {
                    let thread = Thread { [self] in
                        while !lock.withLock({ stopped }) {
                            let sent = Date()
                            let response = try? client.post("/v1/check", json: body, headers: ["X-API-Key": key])
                            let remaining = response?.headers["x-ratelimit-remaining"].flatMap { Int($0) }
                            lock.withLock { outcomes.append(Outcome(sent: sent, status: response?.status ?? 0, host: host, remaining: remaining)) }
                            Thread.sleep(forTimeInterval: 0.01) // ~100/s per thread: ten times the key's rate per host
                        }
                    }
                    threads.append(thread)
                    thread.start()
                }
            }
        }

        func finish() -> [Outcome] {
            lock.withLock { stopped = true }
            while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.02) }
            return lock.withLock { outcomes }
        }
    }

    func testOneBudgetAcrossTwoHostsAndThroughAPostgresOutage() throws {
        let hostB = try SecondHost(databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        XCTAssertTrue(waitUntil(timeout: 10) { hostB.server.children(role: "rate-leaser").count == 1 }, hostB.server.log)
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "cluster_acme"}"#, headers: admin).json()
        let customerID = try XCTUnwrap(onboarded["customer_id"] as? String)
        let issued = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "rate_limit": {"limit": 20, "period_seconds": 2}}"#,
                                     headers: admin).json()
        let key = try XCTUnwrap(issued["api_key"] as? String)

        // Six seconds (three windows) at about ten times the rate, from both hosts.
        let blast = Blast(clients: [client, hostB.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 6)
        let outcomes = blast.finish()
        let admitted = outcomes.filter { $0.status == 200 }
        let seconds = (outcomes.map(\.sent).max() ?? Date()).timeIntervalSince(outcomes.map(\.sent).min() ?? Date())
        let bound = 20 + 10 * (seconds + 0.2) // + the time between a request's send and its lease
        XCTAssertEqual(Set(outcomes.map(\.status)), [200, 429], "only admitted or limited: \(Set(outcomes.map(\.status)))")
        XCTAssertLessThanOrEqual(Double(admitted.count), bound, "admitted \(admitted.count) in \(seconds) s: over B + r·t = \(bound)")
        XCTAssertGreaterThanOrEqual(Double(admitted.count), 0.6 * bound, "leases sitting idle on one host cost too much: \(admitted.count)")
        XCTAssertGreaterThan(admitted.filter { $0.host == 1 }.count, 0, "host B admits too")
        XCTAssertGreaterThan(admitted.filter { $0.host == 0 }.count, 0, "host A admits too")
        XCTAssertGreaterThan(outcomes.count, Int(bound) * 4, "the load was not ten times the rate: \(outcomes.count) requests")

        // PostgreSQL stopped for 3 s mid-run: no 5xx; each host admits its share (1/2) once its
        // leased tokens are spent, and says so in /metrics; leasing resumes after.
        let outageLoad = Blast(clients: [client, hostB.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 1)
        let stopped = Date()
        try stack.postgres.stop()
        XCTAssertTrue(waitUntil(timeout: 5) { (try? self.metric(self.client, "convergence_ratelimit_cluster_outage")) == 1 },
                      "host A reports the outage in /metrics")
        Thread.sleep(forTimeInterval: 3)
        let restarted = Date()
        try stack.postgres.start()
        XCTAssertTrue(waitUntil(timeout: 10) { (try? self.metric(hostB.client, "convergence_ratelimit_cluster_outage")) == 0 },
                      "host B leases again without operator action: \(hostB.server.log.suffix(1500))")
        let recovered = Date()
        Thread.sleep(forTimeInterval: 2)
        let during = outageLoad.finish()
        XCTAssertEqual(Set(during.map(\.status)).subtracting([200, 429]), [], "no 5xx through the outage")
        let outageSeconds = restarted.timeIntervalSince(stopped)
        let admittedDuring = during.filter { $0.status == 200 && $0.sent >= stopped && $0.sent <= restarted }.count
        // Each host: what it still held leased (at most its share, 10) plus 1/2 of the rule over the outage.
        XCTAssertLessThanOrEqual(Double(admittedDuring), 2 * 10 + 20 + 10 * (outageSeconds + 0.2),
                                 "admitted \(admittedDuring) in a \(outageSeconds) s outage")
        XCTAssertGreaterThan(during.filter { $0.status == 200 && $0.sent > recovered }.count, 0, "admitting again after the outage")
        let ready = try client.get("/ready").json()
        XCTAssertEqual(((ready["checks"] as? [String: Any])?["rate_limits"] as? [String: Any])?["ok"] as? Bool, true, "\(ready)")
    }

    /// Three hosts, and one host's worker SIGKILLed mid-run: leased tokens live in the host's
    /// shared memory, not in the worker, so the bound holds through the kill.
    func testThreeHostsHoldOneBudgetThroughAWorkerKill() throws {
        let hostB = try SecondHost(label: "host-b3", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        let hostC = try SecondHost(label: "host-c3", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostC.stop() }
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "cluster_three"}"#, headers: admin).json()
        let customerID = try XCTUnwrap(onboarded["customer_id"] as? String)
        let issued = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "rate_limit": {"limit": 30, "period_seconds": 3}}"#,
                                     headers: admin).json()
        let key = try XCTUnwrap(issued["api_key"] as? String)

        let blast = Blast(clients: [client, hostB.client, hostC.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 2)
        let worker = try XCTUnwrap(hostB.server.workerPIDs.first)
        kill(worker, SIGKILL)
        Thread.sleep(forTimeInterval: 3)
        let outcomes = blast.finish()
        let admitted = outcomes.filter { $0.status == 200 }
        let seconds = (outcomes.map(\.sent).max() ?? Date()).timeIntervalSince(outcomes.map(\.sent).min() ?? Date())
        let bound = 30 + 10 * (seconds + 0.2)
        XCTAssertLessThanOrEqual(Double(admitted.count), bound, "admitted \(admitted.count) in \(seconds) s on three hosts: over B + r·t = \(bound)")
        XCTAssertGreaterThanOrEqual(Double(admitted.count), 0.6 * bound, "under-admission: \(admitted.count) of \(bound)")
        for host in 0..<3 { XCTAssertGreaterThan(admitted.filter { $0.host == host }.count, 0, "host \(host) admits too") }
        XCTAssertEqual(Set(outcomes.map(\.status)).subtracting([200, 429, 0, 502]), [], "only admitted or limited (or the killed worker's requests)")
        XCTAssertLessThanOrEqual(outcomes.filter { $0.status == 0 || $0.status == 502 }.count, 8, "only requests in flight on the killed worker fail")
    }

    func metric(_ client: HTTPClient, _ name: String) throws -> Double? {
        let text = try client.get("/metrics").text
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }
}

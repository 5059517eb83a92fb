import ConvergenceTestSupport
import Foundation
import Synchronization
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
        let key = try keyLimited(tenant: "cluster_acme", limit: 20, periodSeconds: 2)

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

        // PostgreSQL stopped for 30 s mid-run (fifteen windows, longer than any lease or cache
        // deadline): no 5xx; each host admits its share (1/2) once its leased tokens are spent, and
        // says so in /metrics; leasing resumes after.
        let outageLoad = Blast(clients: [client, hostB.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 1)
        let stopped = Date()
        try stack.postgres.stop()
        XCTAssertTrue(waitUntil(timeout: 5) { (try? self.metric(self.client, "convergence_ratelimit_cluster_outage")) == 1 },
                      "host A reports the outage in /metrics")
        Thread.sleep(forTimeInterval: 30)
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
        print("outage: admitted \(admittedDuring) in \(outageSeconds) s (bound \(2 * 10 + 20 + 10 * (outageSeconds + 0.2)))")
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
        let key = try keyLimited(tenant: "cluster_three", limit: 30, periodSeconds: 3)

        let blast = Blast(clients: [client, hostB.client, hostC.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 2)
        let worker = try XCTUnwrap(hostB.server.workerPIDs.first)
        kill(worker, SIGKILL)
        Thread.sleep(forTimeInterval: 3)
        let outcomes = blast.finish()
        let admitted = outcomes.filter { $0.status == 200 }
        let seconds = (outcomes.map(\.sent).max() ?? Date()).timeIntervalSince(outcomes.map(\.sent).min() ?? Date())
        let bound = 30 + 10 * (seconds + 0.2)
        print("three hosts: admitted per host \((0..<3).map { host in admitted.filter { $0.host == host }.count }) of \(outcomes.count) in \(seconds) s")
        XCTAssertLessThanOrEqual(Double(admitted.count), bound, "admitted \(admitted.count) in \(seconds) s on three hosts: over B + r·t = \(bound)")
        XCTAssertGreaterThanOrEqual(Double(admitted.count), 0.6 * bound, "under-admission: \(admitted.count) of \(bound)")
        for host in 0..<3 { XCTAssertGreaterThan(admitted.filter { $0.host == host }.count, 0, "host \(host) admits too") }
        XCTAssertEqual(Set(outcomes.map(\.status)).subtracting([200, 429, 0, 502]), [], "only admitted or limited (or the killed worker's requests)")
        XCTAssertLessThanOrEqual(outcomes.filter { $0.status == 0 || $0.status == 502 }.count, 8, "only requests in flight on the killed worker fail")
    }

    /// A new key's first burst: 24 concurrent requests on each host, far below the limit. One
    /// thread per host leases; the others wait for its grant instead of being refused (they
    /// were answered 429 with tokens to spare before).
    func testAColdKeysFirstBurstIsAdmittedWhileOneThreadLeases() throws {
        let hostB = try SecondHost(label: "host-burst", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        let key = try keyLimited(tenant: "cluster_burst", limit: 100000, periodSeconds: 60)
        let statuses = Mutex<[Int]>([])
        let clients = [client, hostB.client], body = check
        // Threads of their own (not a dispatch pool of two), released together.
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        for i in 0..<48 {
            done.enter()
            Thread {
                start.wait()
                let status = (try? clients[i % 2].post("/v1/check", json: body, headers: ["X-API-Key": key]).status) ?? 0
                statuses.withLock { $0.append(status) }
                done.leave()
            }.start()
        }
        for _ in 0..<48 { start.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(statuses.withLock { $0.filter { $0 != 200 } }, [], "every request of the burst admitted")
        // Each host leased a small part of the bucket for its burst, not its whole share: a host
        // that had not yet seen the other's heartbeat used to take all 100,000 tokens and leave the
        // other refused until they came back (the upper estimate would read ≤ 50,000 on one host).
        for (host, hostClient) in clients.enumerated() {
            let response = try hostClient.post("/v1/check", json: body, headers: ["X-API-Key": key])
            XCTAssertEqual(response.status, 200, "host \(host)")
            let remaining = Int(response.headers["x-ratelimit-remaining"] ?? "") ?? 0
            XCTAssertGreaterThan(remaining, 90_000, "host \(host): a burst of 48 left \(remaining) of 100,000 to the others")
        }
    }

    /// A key at its limit that comes back to this host only every 6 s (the leaser stops syncing a
    /// key after 2 s idle, and a request on a key it has not synced for three syncs used to lease
    /// synchronously, one statement per visit): while its central bucket cannot have refilled a
    /// whole token since the last lease this host saw (2 per 60 s: a token per 30 s), each visit
    /// is refused at once without a statement, with truthful headers.
    func testAQuietKeyAtItsLimitIsRefusedWithoutAStatementPerVisit() throws {
        let key = try keyLimited(tenant: "cluster_quiet", limit: 2, periodSeconds: 60)
        let leases = "convergence_ratelimit_synchronous_leases_total"
        let before = try XCTUnwrap(try metric(client, leases), "the counter is exported in cluster scope")
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try client.post("/v1/check", json: check, headers: ["X-API-Key": key]).status) }
        XCTAssertEqual(statuses, [200, 200, 429], "the bucket of two spent, then refused")
        let afterBurst = try XCTUnwrap(try metric(client, leases))
        XCTAssertGreaterThanOrEqual(afterBurst - before, 1, "a key new on this host leases synchronously")
        XCTAssertLessThanOrEqual(afterBurst - before, 2)
        for visit in 0..<2 {
            Thread.sleep(forTimeInterval: 6)
            let started = Date()
            let response = try client.post("/v1/check", json: check, headers: ["X-API-Key": key])
            XCTAssertEqual(response.status, 429, "visit \(visit): the central bucket holds at most 0.2 tokens")
            XCTAssertLessThan(Date().timeIntervalSince(started), 0.3)
            // Reset (Unix seconds) from the central bucket's full time: within the minute it takes to refill.
            let reset = try XCTUnwrap(response.headers["x-ratelimit-reset"].flatMap { Int($0) }) - Int(Date().timeIntervalSince1970)
            XCTAssertTrue((1...61).contains(reset), "the bucket is full again in \(reset) s")
        }
        XCTAssertEqual(try metric(client, leases), afterBurst, "no statement on the quiet visits")
    }

    /// A slow PostgreSQL: the lease function answers after 2 s (well past its 200 ms lock
    /// timeout, which cannot help here). A cold key's first request waits at most the
    /// synchronous lease's deadline (100 ms), then the outage mode (`share`) decides it from
    /// the host's local bucket, and the key's next requests at once, until the leaser has
    /// leased for it; the host is not put in an outage for it (other keys lease as usual).
    func testSlowLeaseStatementIsDecidedLocallyWithinItsDeadline() throws {
        let cold = try keyLimited(tenant: "cluster_slow", limit: 20, periodSeconds: 2) // never leased yet: its first request leases synchronously
        let original = try psql("SELECT pg_get_functiondef('convergence.rate_lease_held'::regproc)")
        XCTAssertTrue(original.contains("BEGIN\n"), original)
        _ = try psql(original.replacingOccurrences(of: "BEGIN\n", with: "BEGIN\n    PERFORM pg_sleep(2);\n"))
        defer { _ = try? psql(original) }

        var answers: [(status: Int, seconds: Double)] = []
        for _ in 0..<6 {
            let started = Date()
            let response = try client.post("/v1/check", json: check, headers: ["X-API-Key": cold])
            answers.append((response.status, Date().timeIntervalSince(started)))
        }
        print("slow lease: answers \(answers.map { "\($0.status) in \(Int($0.seconds * 1000)) ms" })")
        for answer in answers {
            XCTAssertLessThan(answer.seconds, 0.3, "a request waited on the slow lease: \(answers)")
            XCTAssertTrue([200, 429].contains(answer.status), "decided locally, never a 5xx: \(answers)")
        }
        XCTAssertEqual(answers.first?.status, 200, "share mode admits from the host's 1/N bucket: \(answers)")
        XCTAssertGreaterThanOrEqual(try metric(client, "convergence_ratelimit_lease_failures_total") ?? 0, 1, "the timeout is counted")
        XCTAssertEqual(try metric(client, "convergence_ratelimit_cluster_outage"), 0, "one slow lease is not a host-wide outage")

        _ = try psql(original)
        XCTAssertTrue(waitUntil(timeout: 10) { (try? self.metric(self.client, "convergence_ratelimit_cluster_outage")) == 0 },
                      "the leaser clears the outage once PostgreSQL answers")
        Thread.sleep(forTimeInterval: 3.5) // the leaser has leased for the key since: served from its tokens, promptly
        let started = Date()
        XCTAssertEqual(try client.post("/v1/check", json: check, headers: ["X-API-Key": cold]).status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.3)
    }

    /// Membership change mid-run on three hosts: host C dies (SIGKILL of its whole `serve`,
    /// holding leased tokens) and host D joins. While PostgreSQL is reachable the bound
    /// B + r·t does not depend on membership; the dead host's tokens stay counted as held until
    /// its holding expires (at most its share), and the central bucket keeps refilling at r below that, so the others
    /// admit the full rate right after.
    func testMembershipChangeKeepsTheBound() throws {
        let hostB = try SecondHost(label: "host-bm", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        let hostC = try SecondHost(label: "host-cm", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostC.stop() }
        let key = try keyLimited(tenant: "cluster_members", limit: 30, periodSeconds: 3)

        let steady = Blast(clients: [client, hostB.client], threads: 2, key: key, body: check)
        let leaving = Blast(clients: [hostC.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 2.5)
        let left = leaving.finish()
        let cMetrics = (try? hostC.client.get("/metrics").text)?.split(separator: "\n").filter { $0.hasPrefix("convergence_ratelimit_") && !$0.contains("lock") }
        print("host C before it dies: admitted \(left.filter { $0.status == 200 }.count) of \(left.count); \(cMetrics ?? [])")
        let children = hostC.server.childPIDs
        kill(hostC.server.pid, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        let died = Date()
        Thread.sleep(forTimeInterval: 1)
        let hostD = try SecondHost(label: "host-dm", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostD.stop() }
        let joining = Blast(clients: [hostD.client], threads: 2, key: key, body: check)
        let joined = Date()
        Thread.sleep(forTimeInterval: 4)
        let rest = steady.finish(), added = joining.finish()
        let outcomes = rest + left + added.map { Blast.Outcome(sent: $0.sent, status: $0.status, host: 3, remaining: $0.remaining) }

        let admitted = outcomes.filter { $0.status == 200 }
        let seconds = (outcomes.map(\.sent).max() ?? Date()).timeIntervalSince(outcomes.map(\.sent).min() ?? Date())
        let bound = 30 + 10 * (seconds + 0.2)
        print("membership change: admitted \(admitted.count) of \(outcomes.count) in \(seconds) s; bound B + r·(t + 0.2 s) = \(bound)")
        XCTAssertEqual(Set(outcomes.map(\.status)), [200, 429], "only admitted or limited")
        XCTAssertLessThanOrEqual(Double(admitted.count), bound, "admitted \(admitted.count) in \(seconds) s with a host gone and one added: over \(bound)")
        XCTAssertGreaterThanOrEqual(Double(admitted.count), 0.6 * bound, "under-admission: \(admitted.count) of \(bound)")
        XCTAssertGreaterThan(left.filter { $0.status == 200 }.count, 0, "host C admitted before it died")
        XCTAssertGreaterThan(added.filter { $0.status == 200 }.count, 0, "host D admits once it joined")
        // After the death the rest of the fleet gets the full rate: nothing waits for C's tokens.
        let afterDeath = admitted.filter { $0.sent >= died.addingTimeInterval(0.5) }.count
        let afterSeconds = (outcomes.map(\.sent).max() ?? Date()).timeIntervalSince(died.addingTimeInterval(0.5))
        XCTAssertGreaterThanOrEqual(Double(afterDeath), 0.6 * 10 * afterSeconds, "after C died: \(afterDeath) in \(afterSeconds) s")
        XCTAssertLessThanOrEqual(Double(admitted.filter { $0.sent >= joined }.count), 30 + 10 * (4 + 0.2), "after D joined")
        // Heartbeats: C drops out of the live count after 5 s, D is in it.
        XCTAssertTrue(waitUntil(timeout: 10) { (try? self.metric(self.client, "convergence_ratelimit_cluster_hosts")) == 3 },
                      "live hosts A, B, D: \(String(describing: try? self.metric(self.client, "convergence_ratelimit_cluster_hosts")))")
    }

    /// A host that dies holding leased tokens (SIGKILL of its whole `serve` while it uses a
    /// key below the key's rate, so its lease is ahead of its use): PostgreSQL counts them as
    /// its holding, so they are never spent twice and the bound holds; the holding expires
    /// `holdSeconds` (10 s) after its last refresh and the tokens go back to the bucket: then
    /// the surviving host gets a full burst B.
    func testAHostDyingWithALeaseLosesItsTokensNotTheBudget() throws {
        let hostC = try SecondHost(label: "host-cd", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostC.stop() }
        let key = try keyLimited(tenant: "cluster_dies", limit: 100, periodSeconds: 5)

        // Host C alone at ~15 requests/s, below the key's 20/s: its leaser leases two syncs of that ahead.
        let started = Date()
        var admittedOnC = 0, lastRemaining: Int?
        while Date().timeIntervalSince(started) < 3 {
            let response = try hostC.client.post("/v1/check", json: check, headers: ["X-API-Key": key])
            if response.status == 200 { admittedOnC += 1 }
            lastRemaining = response.headers["x-ratelimit-remaining"].flatMap { Int($0) }
            Thread.sleep(forTimeInterval: 0.066)
        }
        let children = hostC.server.childPIDs
        kill(hostC.server.pid, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        let died = Date()
        XCTAssertGreaterThan(admittedOnC, 30, "host C was served below the rate, not limited")

        // Right after the death host A blasts: with C's tokens lost it may get less than the rest
        // of the bucket, never more; the whole run stays within B + r·t.
        let burst = Blast(clients: [client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 1)
        let first = burst.finish().filter { $0.status == 200 }.count
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThanOrEqual(Double(admittedOnC + first), 100 + 20 * (elapsed + 0.2), "C \(admittedOnC) + A \(first) in \(elapsed) s")

        // Once C's holding expired (10 s after its last refresh, before it died) and a period of
        // refill after A's burst: the bucket is full again for host A.
        Thread.sleep(forTimeInterval: max(0, 11 - Date().timeIntervalSince(died)))
        let again = Blast(clients: [client], threads: 4, key: key, body: check)
        Thread.sleep(forTimeInterval: 1.5)
        let refilled = again.finish().filter { $0.status == 200 }.count
        print("dies with a lease: C admitted \(admittedOnC) (last remaining \(lastRemaining ?? -1)); A right after \(first); A once C's holding expired \(refilled)")
        XCTAssertGreaterThanOrEqual(refilled, 90, "a full burst (B = 100) once the dead host's holding expired: \(refilled)")
        XCTAssertLessThanOrEqual(Double(refilled), 100 + 20 * (1.5 + 0.2))
    }

    /// Tokens a host holds leased count against the central bucket: an interval that starts
    /// while host B holds a lease ahead of its use admits at most B + r·t over both hosts — the
    /// bound no longer needs a term for what hosts held at its start — and not much less.
    func testTokensHeldOnAHostCountAgainstTheBucket() throws {
        let hostB = try SecondHost(label: "host-held", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        let key = try keyLimited(tenant: "cluster_held", limit: 100, periodSeconds: 5) // r = 20/s
        // Host B alone at ~15/s, below the rate: its leaser leases two syncs of that ahead, and the
        // central bucket stays near full, less what B holds.
        let started = Date()
        var admittedOnB = 0
        while Date().timeIntervalSince(started) < 3 {
            if try hostB.client.post("/v1/check", json: check, headers: ["X-API-Key": key]).status == 200 { admittedOnB += 1 }
            Thread.sleep(forTimeInterval: 0.066)
        }
        XCTAssertGreaterThan(admittedOnB, 30, "host B was served below the rate")
        // Both hosts blast for 1.5 s: B spends what it holds, A what the central bucket has.
        let blast = Blast(clients: [client, hostB.client], threads: 2, key: key, body: check)
        Thread.sleep(forTimeInterval: 1.5)
        let outcomes = blast.finish()
        let admitted = outcomes.filter { $0.status == 200 }
        let seconds = (outcomes.map(\.sent).max() ?? Date()).timeIntervalSince(outcomes.map(\.sent).min() ?? Date())
        let bound = 100 + 20 * (seconds + 0.2)
        print("held tokens: B admitted \(admittedOnB) before; blast admitted A \(admitted.filter { $0.host == 0 }.count), B \(admitted.filter { $0.host == 1 }.count) in \(seconds) s (bound \(bound))")
        XCTAssertLessThanOrEqual(Double(admitted.count), bound, "an interval starting while B held a lease: over B + r·t")
        XCTAssertGreaterThanOrEqual(Double(admitted.count), 0.7 * bound, "under-admission: \(admitted.count) of \(bound)")
    }

    /// A rule change while a host holds tokens of the old rule: the new rule is a fresh central
    /// bucket (its id includes the rule), as in host scope, on every host at once; the old
    /// rule's tokens are never spent under the new one.
    func testARuleChangeMidLeaseStartsAFreshBucket() throws {
        let hostB = try SecondHost(label: "host-rule", databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        let (key, keyID) = try keyAndIDLimited(tenant: "cluster_rule", limit: 4, periodSeconds: 3600)
        let statuses = try (0..<6).map { i in try (i % 2 == 0 ? client : hostB.client).post("/v1/check", json: check, headers: ["X-API-Key": key]).status }
        XCTAssertEqual(statuses.filter { $0 == 200 }.count, 4, "the old rule's budget across both hosts: \(statuses)")
        let set = try client.send("PUT", "/admin/keys/\(keyID)/rate_limit", headers: admin.merging(["Content-Type": "application/json"]) { $1 },
                                  body: Data(#"{"limit": 10, "period_seconds": 3600}"#.utf8))
        XCTAssertEqual(set.status, 200, set.text)
        Thread.sleep(forTimeInterval: 1.5) // the change reaches host B's caches within 1 s (NOTIFY)
        let after = try (0..<14).map { i in try (i % 2 == 0 ? client : hostB.client).post("/v1/check", json: check, headers: ["X-API-Key": key]) }
        XCTAssertEqual(after.filter { $0.status == 200 }.count, 10, "a fresh bucket of the new rule: \(after.map(\.status))")
        XCTAssertEqual(after.first?.headers["x-ratelimit-limit"], "10")
    }

    /// A new customer's key with its own rate limit.
    func keyLimited(tenant: String, limit: Int, periodSeconds: Int) throws -> String {
        try keyAndIDLimited(tenant: tenant, limit: limit, periodSeconds: periodSeconds).key
    }

    func keyAndIDLimited(tenant: String, limit: Int, periodSeconds: Int) throws -> (key: String, id: String) {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin).json()
        let customerID = try XCTUnwrap(onboarded["customer_id"] as? String)
        let body = #"{"customer_id": "\#(customerID)", "rate_limit": {"limit": \#(limit), "period_seconds": \#(periodSeconds)}}"#
        let issued = try client.post("/admin/keys", json: body, headers: admin).json()
        return (try XCTUnwrap(issued["api_key"] as? String), try XCTUnwrap(issued["key_id"] as? String))
    }

    func metric(_ client: HTTPClient, _ name: String) throws -> Double? {
        let text = try client.get("/metrics").text
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }
}

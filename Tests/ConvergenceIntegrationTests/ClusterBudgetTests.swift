import ConvergenceTestSupport
import Foundation
import Synchronization
import XCTest

/// Policies' budgets in rate_limit_scope = cluster (issue 19): two hosts on one PostgreSQL
/// lease grants from each counter's central row, which never grants past the limit, so
/// the fleet admits at most the limit, however the checks are spread, and every grant a
/// host leaves unspent comes back; through a PostgreSQL outage each host admits at most
/// its share of what was left.
final class ClusterBudgetTests: StackTestCase {
    static let cluster = ["CONVERGENCE_RATE_LIMIT_SCOPE": "cluster", "CONVERGENCE_RATE_LIMIT_FREE": "100000/60s"]
    override class var stackOverrides: [String: String] { cluster }

    func customer(_ tenant: String, budget: String) throws -> String {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin).json()
        let id = try XCTUnwrap(onboarded["customer_id"] as? String)
        let policy = try client.post("/policies", json: #"{"customer_id": "\#(id)", "name": "budget", "rules": {"budgets": [\#(budget)]}}"#,
                                     headers: admin)
        XCTAssertEqual(policy.status, 201, policy.text)
        return try XCTUnwrap(onboarded["api_key"] as? String)
    }

    struct Tally {
        var admitted = 0, refused = 0, tokens = 0
        var problems: [String] = []
    }

    /// `count` checks of `tokens` from each client on `threads` threads each; what was decided.
    func blast(_ clients: [HTTPClient], key: String, count: Int, threads: Int = 1, tokens: Int = 10) -> Tally {
        let tally = Mutex(Tally())
        let body = #"{"operations": [{"type": "llm_call", "model": "llama-3", "provider": "internal", "tokens": \#(tokens)}]}"#
        let jobs = clients.flatMap { client in (0..<threads).map { _ in client } }
        DispatchQueue.concurrentPerform(iterations: jobs.count) { job in
            for _ in 0..<(count / threads) {
                do {
                    let response = try jobs[job].post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"])
                    let d = try response.json()
                    let rules = (d["violations"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
                    tally.withLock { t in
                        if response.status != 200 {
                            t.problems.append("\(response.status) \(response.text)")
                        } else if d["allowed"] as? Bool == true {
                            t.admitted += 1
                            t.tokens += tokens
                        } else if rules == ["budgets"] {
                            t.refused += 1
                        } else {
                            t.problems.append("\(d)")
                        }
                    }
                } catch {
                    tally.withLock { $0.problems.append("\(error)") }
                }
            }
        }
        return tally.withLock { $0 }
    }

    func testOneBudgetAcrossTwoHostsAdmitsExactlyItsLimitAndHoldsThroughAnOutage() throws {
        let hostB = try SecondHost(databaseURL: stack.postgres.url, overrides: Self.cluster)
        defer { hostB.stop() }
        XCTAssertTrue(waitUntil(timeout: 10) { hostB.server.children(role: "budget-keeper").count == 1 }, hostB.server.log)
        let key = try customer("cluster_budget", budget: #"{"scope": "key", "metric": "requests", "limit": 40, "period": "1d"}"#)

        // 160 concurrent checks, half on each host: never more than 40 admitted.
        let burst = blast([client, hostB.client], key: key, count: 80, threads: 8)
        XCTAssertEqual(burst.problems, [])
        XCTAssertLessThanOrEqual(burst.admitted, 40, "the fleet admitted past the budget")
        XCTAssertGreaterThan(burst.admitted, 0)
        // Grants one host left unspent go back after two idle seconds; then checks on both hosts
        // take the rest, to the last request (a round can end with a host holding a refill it no
        // longer uses: the next round, after it came back, takes it).
        var admitted = [burst.admitted]
        for _ in 0..<4 where admitted.reduce(0, +) < 40 {
            Thread.sleep(forTimeInterval: 3.5)
            let round = blast([client, hostB.client], key: key, count: 20)
            XCTAssertEqual(round.problems, [])
            admitted.append(round.admitted)
        }
        XCTAssertEqual(admitted.reduce(0, +), 40, "exactly the limit across two hosts, round by round: \(admitted)")
        let beyond = blast([client, hostB.client], key: key, count: 5)
        XCTAssertEqual(beyond.admitted, 0, "and nothing past it")
        XCTAssertGreaterThan(try metric(client, "convergence_budget_leases_total") ?? 0, 0, "host A leased on the check path")
        XCTAssertEqual(try psql("SELECT string_agg(used::text, ',') FROM convergence.budget_usage").trimmingCharacters(in: .whitespacesAndNewlines),
                       "40", "PostgreSQL's usage: every grant spent or given back")

        // A tokens budget of 1,000, 400 spent, then PostgreSQL stopped: each host spends what it holds
        // and at most half of what was left, so the fleet stays within 1,000; charged when it is back.
        let tokensKey = try customer("cluster_outage", budget: #"{"scope": "key", "metric": "tokens", "limit": 1000, "period": "1mo"}"#)
        let warm = blast([client, hostB.client], key: tokensKey, count: 2, tokens: 100)
        XCTAssertEqual(warm.admitted, 4, "\(warm)")
        Thread.sleep(forTimeInterval: 1.5) // both keepers have read the counter since
        try stack.postgres.stop()
        let started = Date()
        let during = blast([client, hostB.client], key: tokensKey, count: 8, tokens: 100)
        let seconds = Date().timeIntervalSince(started)
        try stack.postgres.start()
        XCTAssertEqual(during.problems, [], "no 5xx while PostgreSQL is down")
        XCTAssertLessThanOrEqual(warm.tokens + during.tokens, 1000, "the outage share kept the fleet within the budget")
        XCTAssertGreaterThan(during.admitted, 0, "each host admits its share of what was left")
        XCTAssertLessThan(seconds, 8, "16 checks decided without waiting on PostgreSQL")
        XCTAssertTrue(waitUntil(timeout: 15) {
            (try? self.psql("SELECT max(used) FROM convergence.budget_usage WHERE period_end - period_start > 86400"))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == String(warm.tokens + during.tokens)
        }, "what the outage admitted is charged once PostgreSQL is back, and unspent grants given back: "
            + ((try? psql("SELECT used FROM convergence.budget_usage")) ?? "?"))
    }

    func metric(_ client: HTTPClient, _ name: String) throws -> Double? {
        let text = try client.get("/metrics").text
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}

import ConvergenceTestSupport
import Foundation
import Synchronization
import XCTest

/// Policies' budgets through nginx with four worker processes (issue 19): exact across
/// workers, kept across a reload and a `serve` restart, refunded when a check is blocked,
/// reported before they run out, per key or per department.
final class BudgetTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var admin: [String: String] = [:]
    static let overrides = ["CONVERGENCE_WORKERS": "4", "CONVERGENCE_RATE_LIMIT_FREE": "100000/60s", "CONVERGENCE_CRASH_LOOP_MAX": "1000"]

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "budgets", overrides: overrides, waitForWorkers: 4)
            admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }

    /// A new customer with one policy holding `rules`; returns its key and id.
    func customer(_ tenant: String, rules: String, mode: String = "enforce") throws -> (key: String, id: String) {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: Self.admin).json()
        let id = try XCTUnwrap(onboarded["customer_id"] as? String)
        let policy = try client.post("/policies", json: #"{"customer_id": "\#(id)", "name": "budget", "rules": \#(rules), "mode": "\#(mode)"}"#,
                                     headers: Self.admin)
        XCTAssertEqual(policy.status, 201, policy.text)
        return (try XCTUnwrap(onboarded["api_key"] as? String), id)
    }

    static func body(tokens: Int, model: String = "gpt-4", department: String? = nil) -> String {
        let context = department.map { #", "context": {"department": "\#($0)"}"# } ?? ""
        return #"{"operations": [{"type": "llm_call", "model": "\#(model)", "provider": "internal", "tokens": \#(tokens)}]\#(context)}"#
    }

    func check(_ key: String, tokens: Int = 10, model: String = "gpt-4", department: String? = nil) throws -> [String: Any] {
        let body = Self.body(tokens: tokens, model: model, department: department)
        let response = try client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"])
        XCTAssertEqual(response.status, 200, response.text)
        return try response.json()
    }

    static func rules(of decision: [String: Any]) -> [String] { (decision["violations"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String } }
    static func factors(of decision: [String: Any]) -> [String] { (decision["reasons"] as? [[String: Any]] ?? []).compactMap { $0["factor"] as? String } }

    func testARequestBudgetAdmitsExactlyItsLimitAcrossFourWorkersAndAReload() throws {
        let (key, customerID) = try customer("budget_exact", rules: #"{"budgets": [{"scope": "key", "metric": "requests", "limit": 40, "period": "1d", "warn_at": 0.5}]}"#)
        struct Tally { var allowed = 0, refused = 0, warned = 0, problems: [String] = [] }
        let tally = Mutex(Tally())
        let client = self.client
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            for _ in 0..<5 {
                do {
                    let d = try client.post("/v1/check", json: Self.body(tokens: 10), headers: ["Authorization": "Bearer \(key)"]).json()
                    tally.withLock { t in
                        if d["allowed"] as? Bool == true { t.allowed += 1 } else if Self.rules(of: d) == ["budgets"] { t.refused += 1 } else {
                            t.problems.append("\(d)")
                        }
                        if Self.factors(of: d).contains("budget_warning") { t.warned += 1 }
                    }
                } catch {
                    tally.withLock { $0.problems.append("\(error)") }
                }
            }
        }
        let (allowed, refused, warned, problems) = tally.withLock { ($0.allowed, $0.refused, $0.warned, $0.problems) }
        XCTAssertEqual(problems, [])
        XCTAssertEqual(allowed, 40, "exactly the limit, whichever of the four workers answered")
        XCTAssertEqual(refused, 40)
        XCTAssertEqual(warned, 21, "from the 20th request (warn_at 0.5) to the 40th")
        XCTAssertGreaterThanOrEqual(Set(Self.stack.server.workerPIDs).count, 4)

        // A reload replaces every worker; the usage is in the shared region and stays.
        let reloads = Self.stack.server.count(message: "reload complete")
        let workers = Set(Self.stack.server.workerPIDs)
        Self.stack.server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 20) { Self.stack.server.count(message: "reload complete") > reloads }, Self.stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 10) { Set(Self.stack.server.workerPIDs).isDisjoint(with: workers) })
        let after = try check(key)
        XCTAssertEqual(after["allowed"] as? Bool, false, "\(after)")
        XCTAssertEqual(Self.rules(of: after), ["budgets"])
        XCTAssertTrue((after["reason"] as? String ?? "").contains("key budget of 40 requests per 1d reached: 40 used"), "\(after)")

        // The refusals are in the audit trail under their rule, and counted in /metrics.
        XCTAssertTrue(waitUntil(timeout: 10) {
            let logs = try? self.client.get("/logs?customer_id=\(customerID)&rule=budgets&limit=100", headers: Self.admin).json()
            return (logs?["logs"] as? [[String: Any]])?.count == 41
        })
        let metrics = try client.get("/metrics").text
        XCTAssertTrue(metrics.contains("convergence_budget_refusals_total "), metrics)
        let refusals = metrics.split(separator: "\n").first { $0.hasPrefix("convergence_budget_refusals_total ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        XCTAssertGreaterThanOrEqual(refusals, 41)
    }

    func testATokenBudgetSurvivesAServeRestartAndBlockedChecksSpendNothing() throws {
        let (key, customerID) = try customer("budget_tokens", rules: #"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1000, "period": "1mo", "tz": "Europe/Berlin"}], "denied_models": ["banned"]}"#)
        for _ in 0..<3 { XCTAssertEqual(try check(key, tokens: 300)["allowed"] as? Bool, true) }
        // Every worker and the budget keeper SIGKILLed: the usage is in the shared region, and the
        // keeper that replaces its predecessor neither loses nor doubles it.
        let server = Self.stack.server
        let killed = server.workerPIDs + server.children(role: "budget-keeper")
        XCTAssertEqual(killed.count, 5)
        for pid in killed { XCTAssertTrue(server.killChild(pid)) }
        XCTAssertTrue(waitUntil(timeout: 20) {
            server.workerPIDs.count == 4 && server.children(role: "budget-keeper").count == 1 && Set(server.workerPIDs).isDisjoint(with: killed)
        })
        Thread.sleep(forTimeInterval: 2.5) // two of the new keeper's syncs
        let over = try check(key, tokens: 300)
        XCTAssertTrue((over["reason"] as? String ?? "").contains("900 used"), "\(over)")
        XCTAssertEqual(over["allowed"] as? Bool, false, "900 used, 300 more would pass 1000: \(over)")
        XCTAssertEqual(Self.rules(of: over), ["budgets"])
        // Blocked by another rule: its tokens are not spent.
        let denied = try check(key, tokens: 100, model: "banned")
        XCTAssertEqual(denied["allowed"] as? Bool, false)
        XCTAssertEqual(Self.rules(of: denied), ["denied_models"])
        XCTAssertEqual(try check(key, tokens: 60)["allowed"] as? Bool, true, "960 used")

        // Stopped and started again (a new shared region): the month's usage is read back from PostgreSQL.
        Self.stack.server.stop()
        try Self.stack.restartServer(overrides: Self.overrides, waitForWorkers: 4)
        let afterRestart = try check(key, tokens: 50)
        XCTAssertEqual(afterRestart["allowed"] as? Bool, false, "960 + 50 would pass 1000 after the restart too: \(afterRestart)")
        XCTAssertTrue((afterRestart["reason"] as? String ?? "").contains("960 used"), "\(afterRestart)")
        XCTAssertEqual(try check(key, tokens: 40)["allowed"] as? Bool, true, "exactly 1000")
        XCTAssertEqual(try check(key, tokens: 0)["allowed"] as? Bool, false, "a spent budget refuses even a check without tokens")
        // Another key of the customer has its own budget.
        let created = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: Self.admin).json()
        XCTAssertEqual(try check(try XCTUnwrap(created["api_key"] as? String), tokens: 500)["allowed"] as? Bool, true)
    }

    func testADepartmentSharesOneBudgetAndMonitorModeOnlyReports() throws {
        let (key, customerID) = try customer("budget_dept", rules: #"{"budgets": [{"scope": "department", "metric": "requests", "limit": 3, "period": "1h"}]}"#)
        func financeKey() throws -> String {
            let created = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "department": "finance"}"#, headers: Self.admin).json()
            return try XCTUnwrap(created["api_key"] as? String)
        }
        let (first, second) = (try financeKey(), try financeKey())
        // Two keys of finance share three requests, whatever their checks' context says.
        let decisions = try [check(first), check(second, department: "sales"), check(first), check(second)]
        XCTAssertEqual(decisions.map { $0["allowed"] as? Bool }, [true, true, true, false])
        XCTAssertEqual(Self.rules(of: decisions[3]), ["budgets"])
        // A key without a department cannot join or escape one through its context: it has the no-department budget.
        XCTAssertEqual(try (0..<3).map { _ in try check(key, department: "finance")["allowed"] as? Bool }, [true, true, true])
        XCTAssertEqual(try check(key, department: "marketing")["allowed"] as? Bool, false, "a new context department is no fresh budget")

        let (watched, _) = try customer("budget_monitor", rules: #"{"budgets": [{"scope": "customer", "metric": "requests", "limit": 2, "period": "1d"}]}"#,
                                        mode: "monitor")
        let seen = try (0..<3).map { _ in try check(watched) }
        XCTAssertEqual(seen.map { $0["allowed"] as? Bool }, [true, true, true], "monitor mode never blocks")
        XCTAssertEqual(seen.map { $0["would_block"] as? Bool }, [false, false, true])
        XCTAssertEqual(Self.rules(of: seen[2]), ["budgets"])
    }

    func testBadBudgetsAreRefusedAndStoreNothing() throws {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "budget_bad"}"#, headers: Self.admin).json()
        let id = try XCTUnwrap(onboarded["customer_id"] as? String)
        let cases: [(String, String)] = [
            (#"[{"scope": "key", "metric": "tokens", "limit": 10, "period": 0}]"#, "rules.budgets[0].period"),
            (#"[{"scope": "key", "metric": "tokens", "limit": 9007199254740994, "period": "1d"}]"#, "rules.budgets[0].limit"),
            (#"[{"scope": "key", "metric": "tokens", "limit": 10, "period": "1d", "tz": "Nowhere/Land"}]"#, "rules.budgets[0].tz"),
            (#"[{"scope": "key", "metric": "tokens", "limit": 10, "period": "1d"}, {"scope": "key", "metric": "tokens", "limit": 5, "period": "1d"}]"#,
             "rules.budgets[1]"),
        ]
        for (budgets, field) in cases {
            let response = try client.post("/policies", json: #"{"customer_id": "\#(id)", "name": "bad", "rules": {"budgets": \#(budgets)}}"#,
                                           headers: Self.admin)
            XCTAssertEqual(response.status, 400, response.text)
            let message = ((try response.json()["error"] as? [String: Any])?["message"] as? String) ?? ""
            XCTAssertTrue(message.hasPrefix(field + ":"), "\(field): \(message)")
        }
        let list = try client.get("/policies?customer_id=\(id)", headers: Self.admin).json()["policies"] as? [[String: Any]]
        XCTAssertEqual(list?.count, 0)
    }
}

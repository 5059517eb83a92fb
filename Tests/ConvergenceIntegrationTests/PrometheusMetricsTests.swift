import ConvergenceTestSupport
import Foundation
import XCTest

/// `/metrics` through nginx: summed over workers, monotonic across worker
/// deaths, accepted by promtool, and consistent with the shipped dashboards and alerts.
final class PrometheusMetricsTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var admin: [String: String] = [:]
    nonisolated(unsafe) static var customerKey = ""

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "metrics", overrides: ["CONVERGENCE_CRASH_LOOP_MAX": "100"])
            admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
            let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "pm_acme"}"#, headers: admin).json()
            customerKey = onboarded["api_key"] as? String ?? ""
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }
    static let check = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 10}]}"#
    static let blockedCheck = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 10}], "context": {"note": "mail bob@example.com"}}"#

    func scrape() throws -> String {
        let response = try client.get("/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        return response.text
    }

    /// The value of one exposition line (`name{labels} value`), nil when absent.
    func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    func sum(_ text: String, prefix: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    func promtool(_ text: String) throws -> (code: Int32, output: String) {
        let file = try TestPaths.makeTemporaryDirectory("promtool").appendingPathComponent("metrics.prom")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try Shell.run(["/bin/sh", "-c", "promtool check metrics < '\(file.path)' 2>&1; echo \"exit=$?\""], stdoutOnly: true)
        let lines = result.output.split(separator: "\n")
        let code = Int32(lines.last?.replacingOccurrences(of: "exit=", with: "") ?? "") ?? -1
        return (code, lines.dropLast().joined(separator: "\n"))
    }

    func testGovernanceMetricsAreSummedOverWorkersAndAcceptedByPromtool() throws {
        let headers = ["X-API-Key": Self.customerKey]
        let before = try scrape()
        let checksBefore = value(before, #"governance_checks_total{customer="pm_acme"}"#) ?? 0
        for _ in 0..<20 { XCTAssertEqual(try client.post("/v1/check", json: Self.check, headers: headers).status, 200) }
        for _ in 0..<5 { XCTAssertEqual(try client.post("/v1/check", json: Self.blockedCheck, headers: headers).status, 200) }
        _ = try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": "sk_live_wrong"])
        let text = try scrape()
        XCTAssertEqual(value(text, #"governance_checks_total{customer="pm_acme"}"#), checksBefore + 25)
        // Without policies the engine decides on its own; whatever it decided, the outcomes add up.
        let blocked = value(text, #"convergence_decisions_total{customer="pm_acme",decision="block"}"#) ?? 0
        let allowed = value(text, #"convergence_decisions_total{customer="pm_acme",decision="allow"}"#) ?? 0
        XCTAssertEqual(allowed + blocked, checksBefore + 25)
        XCTAssertGreaterThanOrEqual(blocked, 5)
        XCTAssertEqual(value(text, #"governance_decisions_blocked{customer="pm_acme"}"#) ?? 0, blocked)
        XCTAssertEqual(value(text, #"governance_decisions_allowed{customer="pm_acme"}"#) ?? 0, allowed)
        XCTAssertEqual(value(text, #"governance_risk_score_count{customer="pm_acme"}"#), checksBefore + 25)
        XCTAssertGreaterThanOrEqual(value(text, #"convergence_requests_total{endpoint="/v1/check",status="200"}"#) ?? 0, 25)
        XCTAssertGreaterThanOrEqual(value(text, #"request_latency_ms_count{endpoint="/v1/check"}"#) ?? 0, 25)
        XCTAssertGreaterThanOrEqual(value(text, #"convergence_auth_failures_total{code="invalid_api_key"}"#) ?? 0, 1)
        XCTAssertEqual(value(text, "convergence_workers_alive"), 2)
        XCTAssertGreaterThanOrEqual(value(text, "convergence_ratelimit_buckets") ?? 0, 1)
        // Every decided check was spooled, and the flusher reports it stored.
        XCTAssertGreaterThanOrEqual(value(text, "convergence_audit_records_enqueued_total") ?? 0, checksBefore + 25)
        XCTAssertTrue(waitUntil(timeout: 15) {
            let now = (try? self.scrape()) ?? ""
            return (self.value(now, "convergence_audit_records_flushed_total") ?? 0) >= checksBefore + 25
                && self.value(now, "convergence_audit_backlog_bytes") == 0
        }, "the flusher's metrics never showed the checks stored")
        // Onboarding ran its pipelines inline: counted by template and status, steps timed.
        let completed = text.split(separator: "\n").filter { $0.hasPrefix("convergence_pipeline_runs_total{") && $0.contains(#"status="COMPLETED""#) }
        XCTAssertGreaterThanOrEqual(completed.count, 1, "no pipeline runs in /metrics")
        XCTAssertGreaterThanOrEqual(sum(text, prefix: "convergence_pipeline_step_duration_seconds_count{"), 1)

        // promtool parses it all; its linter flags only the seed's names that SPEC.md mandates.
        let full = try promtool(text)
        XCTAssertNotEqual(full.code, 1, full.output)
        for problem in full.output.split(separator: "\n") {
            XCTAssertTrue(["governance_decisions_allowed ", "governance_decisions_blocked ", "request_latency_ms "].contains { problem.hasPrefix($0) },
                          "unexpected promtool finding: \(problem)")
        }
        // Without those (`metrics_seed_names = false`), the exposition is lint-clean.
        let seedNames = ["governance_decisions_allowed", "governance_decisions_blocked", "request_latency_ms"]
        let clean = text.split(separator: "\n").filter { line in
            !seedNames.contains { line.hasPrefix($0 + "{") || line.hasPrefix($0 + "_") || line.hasPrefix($0 + " ")
                || line.hasPrefix("# HELP \($0) ") || line.hasPrefix("# TYPE \($0) ") }
        }.joined(separator: "\n") + "\n"
        let lint = try promtool(clean)
        XCTAssertEqual(lint.code, 0, lint.output)
    }

    func testCountersNeverGoBackwardsWhenAWorkerIsReplaced() throws {
        for _ in 0..<10 { _ = try client.get("/health") }
        let before = try scrape()
        let requestsBefore = sum(before, prefix: "convergence_requests_total{")
        XCTAssertGreaterThanOrEqual(requestsBefore, 10)
        let victims = Self.stack.server.workerPIDs
        for victim in victims { kill(victim, SIGKILL) }
        XCTAssertTrue(waitUntil(timeout: 20) {
            let now = Self.stack.server.workerPIDs
            return now.count == 2 && Set(now).isDisjoint(with: victims)
        })
        XCTAssertTrue(waitUntil(timeout: 10) { (try? self.client.get("/health").status) == 200 })
        let after = try scrape()
        XCTAssertGreaterThanOrEqual(sum(after, prefix: "convergence_requests_total{"), requestsBefore)
        XCTAssertGreaterThanOrEqual(value(after, #"convergence_worker_restarts_total{reason="crashed"}"#) ?? 0, 2)
        XCTAssertTrue(waitUntil(timeout: 10) { (try? self.value(self.scrape(), "convergence_workers_alive")) == 2 })
    }

    /// Every metric name in the shipped alert rules and the Grafana dashboard
    /// is in a real `/metrics` exposition under both `metrics_seed_names`
    /// settings, so renaming a metric (or dropping a seed name) breaks this test.
    func testShippedAlertsAndDashboardReferToMetricsThatExistUnderBothSeedNameSettings() throws {
        let configs = TestPaths.repositoryRoot.appendingPathComponent("configs")
        for command in [["promtool", "check", "rules", configs.appendingPathComponent("prometheus/alerts.yml").path],
                        ["promtool", "check", "config", configs.appendingPathComponent("prometheus/prometheus.yml").path]] {
            XCTAssertNoThrow(try Shell.run(command), command.joined(separator: " "))
        }
        let used = try Self.metricNamesInShippedConfigs(configs)
        // The audit and pipeline alerts are there (a test that scans nothing proves nothing).
        for name in ["convergence_audit_checks_refused_total", "convergence_audit_backlog_bytes", "convergence_audit_oldest_unflushed_age_seconds",
                     "convergence_audit_flush_failures_total", "convergence_pipeline_runs_total", "convergence_pipeline_runs_queued_total"] {
            XCTAssertTrue(used.alerts.contains(name), "no alert uses \(name)")
        }
        XCTAssertGreaterThanOrEqual(used.panels.count, 13)

        let lint = try TestStack(label: "metrics-lint", overrides: ["CONVERGENCE_METRICS_SEED_NAMES": "false"])
        defer { lint.stop() }
        let lintResponse = try lint.client.get("/metrics")
        XCTAssertEqual(lintResponse.status, 200)
        let expositions = [("metrics_seed_names = true", try scrape()), ("metrics_seed_names = false", lintResponse.text)]
        // The second stack really has the seed's lint-flagged names switched off.
        XCTAssertTrue(expositions[0].1.contains("# TYPE request_latency_ms histogram"))
        XCTAssertFalse(expositions[1].1.contains("request_latency_ms"), "metrics_seed_names = false still exposes request_latency_ms")

        for (setting, text) in expositions {
            let exposed = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
            func known(_ name: String) -> Bool {
                if name == "up" || exposed.contains(name) { return true }
                return ["_bucket", "_sum", "_count"].contains { name.hasSuffix($0) && exposed.contains(String(name.dropLast($0.count))) }
            }
            for (panel, names) in used.panels {
                for name in names { XCTAssertTrue(known(name), "\(setting): dashboard panel \(panel) uses unknown metric \(name)") }
            }
            for name in used.variables { XCTAssertTrue(known(name), "\(setting): dashboard variable uses unknown metric \(name)") }
            for name in used.alerts { XCTAssertTrue(known(name), "\(setting): an alert uses unknown metric \(name)") }
        }
    }

    /// The metric names in the dashboard's panels and variables and in the alert rules' expressions.
    static func metricNamesInShippedConfigs(_ configs: URL) throws -> (panels: [(String, [String])], variables: [String], alerts: Set<String>) {
        let metricName = try NSRegularExpression(pattern: #"\b(?:governance|convergence|request)_[a-z_]+\b"#)
        func names(in expr: String) -> [String] {
            metricName.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)).map { String(expr[Range($0.range, in: expr)!]) }
        }
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: configs.appendingPathComponent("grafana/convergence.json"))) as? [String: Any]
        var panels: [(String, [String])] = []
        for panel in dashboard?["panels"] as? [[String: Any]] ?? [] {
            let title = panel["title"] as? String ?? "?"
            let exprs = (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
            XCTAssertFalse(exprs.isEmpty, "panel \(title) has no query")
            panels.append((title, exprs.flatMap(names(in:))))
        }
        let variables = ((dashboard?["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [])
            .compactMap { $0["query"] as? String }.flatMap(names(in:))
        // Rule expressions only (one-line `expr:` or the indented lines of a block `expr: |`), not annotations.
        var alerts: Set<String> = []
        var inBlock = false
        for line in try String(contentsOf: configs.appendingPathComponent("prometheus/alerts.yml"), encoding: .utf8).split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            if trimmed.hasPrefix("expr:") {
                inBlock = trimmed.hasSuffix("|")
                alerts.formUnion(names(in: String(trimmed)))
            } else if inBlock, indent >= 10 {
                alerts.formUnion(names(in: String(trimmed)))
            } else {
                inBlock = false
            }
        }
        return (panels, variables, alerts)
    }

    /// The promtool unit tests of the shipped alert rules (input series, expected
    /// alerts): the audit-spool and pipeline alerts fire when they should and only then.
    func testShippedAlertRulesPassTheirPromtoolUnitTests() throws {
        let dir = TestPaths.repositoryRoot.appendingPathComponent("configs/prometheus/tests")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".test.yml") }.sorted()
        XCTAssertFalse(files.isEmpty, "no promtool rule tests in configs/prometheus/tests")
        let result = try Shell.run(["promtool", "test", "rules"] + files.map { dir.appendingPathComponent($0).path }, check: false)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("SUCCESS"), result.output)
        XCTAssertFalse(result.output.contains("FAILED"), result.output)
    }
}

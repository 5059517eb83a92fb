import ConvergenceTestSupport
import Foundation
import XCTest

/// Pipelines through nginx against real PostgreSQL: the shipped templates, the
/// trigger's refusals, cancel, a bad CSV, and an executor killed mid-step.
final class PipelineTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var adminKey = ""
    nonisolated(unsafe) static var configDir = ""
    nonisolated(unsafe) static var keys: [String: String] = [:]

    override class func setUp() {
        super.setUp()
        do {
            let root = try TestPaths.makeTemporaryDirectory("pipeline-configs")
            configDir = root.appendingPathComponent("configs").path
            try writeConfigs(into: root)
            stack = try TestStack(label: "pipelines", overrides: [
                "CONVERGENCE_PIPELINE_CONFIG_DIR": configDir,
                "CONVERGENCE_PIPELINE_DATA_DIR": configDir + "/data",
                "CONVERGENCE_PIPELINE_LEASE_SECONDS": "3",
                "CONVERGENCE_PIPELINE_HEARTBEAT_SECONDS": "1",
                "CONVERGENCE_EXECUTOR_POLL_INTERVAL_MS": "200",
                "CONVERGENCE_EXECUTOR_CONCURRENCY": "2",
            ])
            adminKey = try stack.createAdminKey()
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        if let dir = URL(string: "file://" + configDir)?.deletingLastPathComponent() { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }

    /// The repository's templates and data, plus test-only templates beside them.
    static func writeConfigs(into root: URL) throws {
        let repo = TestPaths.repositoryRoot.appendingPathComponent("configs")
        let target = root.appendingPathComponent("configs")
        for part in ["gcp", "customer", "data"] {
            try FileManager.default.copyItem(at: repo.appendingPathComponent(part), to: target.appendingPathComponent(part))
        }
        var files: [String: String] = [
            "test/sleep/slow.yml": """
                parameters:
                  seconds: {type: number, default: 1}
                steps:
                  - name: nap
                    kind: sql
                    sql: SELECT pg_sleep({seconds})
                  - name: after
                    kind: sql
                    sql: SELECT 1
                """,
            "test/sleep/timeout.yml": """
                timeout_seconds: 1
                steps:
                  - name: too_slow
                    kind: sql
                    sql: SELECT pg_sleep(5)
                """,
            "test/sleep/budget.yml": """
                timeout_seconds: 1
                steps:
                  - name: many_short_sleeps
                    kind: sql
                    sql:
                      - SELECT pg_sleep(0.4)
                      - SELECT pg_sleep(0.4)
                      - SELECT pg_sleep(0.4)
                      - SELECT pg_sleep(0.4)
                """,
            "test/bad/invalid-yaml.yml": "steps:\n  - name: a\n    kind: sql\n   sql: [unclosed\n",
            "test/bad/unknown-kind.yml": "steps:\n  - name: a\n    kind: sql\n    sql: SELECT 1\n  - name: b\n    kind: shell\n",
            "test/params/notes.yml": """
                parameters:
                  note: {type: string, required: true}
                  count: {type: integer, default: 1}
                  urgent: {type: boolean, default: false}
                steps:
                  - name: store
                    kind: sql
                    sql:
                      - CREATE TABLE IF NOT EXISTS notes (note text, count bigint, urgent boolean, run uuid)
                      - INSERT INTO notes VALUES ({note}, {count}, {urgent}, {pipeline_logging_id}::uuid)
                """,
            "test/csv/load.yml": """
                parameters:
                  file: {type: string, default: good}
                steps:
                  - name: load
                    kind: load_csv
                    file: test/{file}.csv
                    table: amounts
                    columns:
                      - {name: id, type: integer, nullable: false}
                      - {name: amount, type: numeric}
                      - {name: label, type: text}
                """,
            "test/dq/checks.yml": """
                parameters:
                  severity: {type: string, default: warn}
                steps:
                  - name: data
                    kind: sql
                    sql:
                      - CREATE TABLE IF NOT EXISTS dq_sample (id bigint, v numeric)
                      - TRUNCATE dq_sample
                      - INSERT INTO dq_sample VALUES (1, 5), (2, NULL), (2, 50)
                  - name: warn_only
                    kind: dq_check
                    table: dq_sample
                    checks:
                      - {check: not_null, column: v, severity: warn}
                      - {check: unique, column: id, severity: warn}
                      - {check: range, column: v, min: 0, max: 10, severity: warn}
                      - {check: row_count, min: 3, max: 3}
                  - name: must_pass
                    kind: dq_check
                    table: dq_sample
                    checks:
                      - {check: row_count, min: 10}
                """,
            "test/dq/then-sleep.yml": """
                parameters:
                  seconds: {type: number, default: 2}
                steps:
                  - name: data
                    kind: sql
                    sql:
                      - CREATE TABLE IF NOT EXISTS dq_retry (id bigint)
                      - TRUNCATE dq_retry
                      - INSERT INTO dq_retry VALUES (1), (2)
                  - name: checks
                    kind: dq_check
                    table: dq_retry
                    checks:
                      - {check: row_count, min: 2, max: 2}
                      - {check: not_null, column: id}
                  - name: nap
                    kind: sql
                    sql: SELECT pg_sleep({seconds})
                """,
        ]
        for i in 0..<12 { // distinct pipeline_ids, so they can all be queued at once
            files["test/once/run\(i).yml"] = """
                steps:
                  - name: record
                    kind: sql
                    sql:
                      - INSERT INTO executions (run) VALUES ({pipeline_logging_id}::uuid)
                      - SELECT pg_sleep(0.05)
                """
        }
        for (path, text) in files {
            let url = target.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let data = target.appendingPathComponent("data/test")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "id,amount,label\n1,10.5,a\n2,20,\"b, with comma\"\n3,,c\n".write(to: data.appendingPathComponent("good.csv"), atomically: true, encoding: .utf8)
        try "id,amount,label\n7,1,x\n8,2,y\n9,not-a-number,z\n10,3,w\n".write(to: data.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
    }

    var client: HTTPClient { Self.stack.client }
    func psql(_ sql: String) throws -> String { try Self.stack.postgres.psql(sql) }

    /// Onboards `tenant` once per class run and returns its key.
    func key(_ tenant: String) throws -> String {
        if let key = Self.keys[tenant] { return key }
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#,
                                       headers: ["Authorization": "Bearer \(Self.adminKey)"])
        XCTAssertEqual(response.status, 201, response.text)
        let key = try XCTUnwrap(try response.json()["api_key"] as? String)
        Self.keys[tenant] = key
        return key
    }

    func trigger(_ tenant: String, _ path: String, body: String? = nil, key: String? = nil) throws -> HTTPClient.Response {
        let auth = ["X-API-Key": try key ?? self.key(tenant)]
        if let body { return try client.post("/api/v1/pipelines/run/\(tenant)/\(path)", json: body, headers: auth) }
        return try client.send("POST", "/api/v1/pipelines/run/\(tenant)/\(path)", headers: auth)
    }

    func errorCode(_ response: HTTPClient.Response) -> String? {
        ((try? response.json())?["error"] as? [String: Any])?["code"] as? String
    }

    func errorMessage(_ response: HTTPClient.Response) -> String {
        (((try? response.json())?["error"] as? [String: Any])?["message"] as? String) ?? ""
    }

    func run(_ tenant: String, _ id: String) throws -> [String: Any] {
        let response = try client.get("/api/v1/pipelines/runs/\(tenant)/\(id)", headers: ["X-API-Key": try key(tenant)])
        XCTAssertEqual(response.status, 200, response.text)
        return try response.json()
    }

    /// Waits until the run reaches one of `statuses` and returns it.
    func wait(_ tenant: String, _ id: String, for statuses: Set<String>, timeout: TimeInterval = 20,
              file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        var last: [String: Any] = [:]
        let reached = try waitUntil(timeout: timeout, interval: 0.05) {
            last = try run(tenant, id)
            return statuses.contains(last["status"] as? String ?? "")
        }
        XCTAssertTrue(reached, "run \(id) stayed \(last["status"] ?? "?"): \(last)", file: file, line: line)
        return last
    }

    func runID(_ response: HTTPClient.Response, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        XCTAssertEqual(response.status, 202, response.text, file: file, line: line)
        return try XCTUnwrap(try response.json()["pipeline_logging_id"] as? String, file: file, line: line)
    }

    // MARK: Shipped templates

    func testOnboardingRunsTheDryrunAndEveryShippedTemplateRunsGreen() throws {
        let onboard = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "shipped_t1"}"#,
                                      headers: ["Authorization": "Bearer \(Self.adminKey)"])
        XCTAssertEqual(onboard.status, 201, onboard.text)
        let body = try onboard.json()
        XCTAssertEqual(body["dryrun_status"] as? String, "SUCCESS", onboard.text)
        let pipelines = try XCTUnwrap(body["pipelines"] as? [[String: Any]])
        XCTAssertEqual(pipelines.map { $0["status"] as? String }, ["COMPLETED", "COMPLETED"], onboard.text)
        XCTAssertEqual(pipelines.last?["pipeline_id"] as? String, "shipped_t1-gcp-example-dryrun")
        Self.keys["shipped_t1"] = try XCTUnwrap(body["api_key"] as? String)

        // The dryrun's run is there with its steps and its DQ row.
        let dryrunID = try XCTUnwrap(pipelines.last?["pipeline_logging_id"] as? String)
        let dryrun = try run("shipped_t1", dryrunID)
        XCTAssertEqual((dryrun["steps"] as? [[String: Any]])?.map { $0["status"] as? String }, ["COMPLETED", "COMPLETED", "COMPLETED"])
        XCTAssertFalse((dryrun["dq_results"] as? [[String: Any]] ?? []).isEmpty)

        // Triggered over HTTP, the dryrun runs green too.
        let again = try wait("shipped_t1", try runID(try trigger("shipped_t1", "gcp/example/dryrun")), for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(again["status"] as? String, "COMPLETED", "\(again)")

        // The billing sample: 2,880 rows loaded, daily cost per service, every check passed.
        let started = Date()
        let bill = try wait("shipped_t1", try runID(try trigger("shipped_t1", "gcp/cost/bill-sample-export-template")),
                            for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(bill["status"] as? String, "COMPLETED", "\(bill)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let steps = try XCTUnwrap(bill["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["name"] as? String },
                       ["load_billing_export", "check_raw_export", "select_invoice_month", "check_invoice_month",
                        "aggregate_daily_cost", "check_daily_cost"])
        XCTAssertEqual(steps.first?["rows_affected"] as? Int, 2880)
        let dq = try XCTUnwrap(bill["dq_results"] as? [[String: Any]])
        XCTAssertGreaterThan(dq.count, 8)
        XCTAssertEqual(dq.filter { $0["status"] as? String != "PASSED" }.count, 0, "\(dq)")
        XCTAssertEqual(bill["parameters"] as? [String: String], ["invoice_month": "202510"])
        XCTAssertEqual(try psql("SELECT count(*) FROM shipped_t1.gcp_billing_export_raw"), "2880")
        XCTAssertEqual(try psql("SELECT count(DISTINCT usage_date) FROM shipped_t1.gcp_daily_cost"), "30")
        XCTAssertEqual(try psql("SELECT round(sum(cost), 2) = (SELECT round(sum(cost), 2) FROM shipped_t1.gcp_billing_export_raw) FROM shipped_t1.gcp_daily_cost"), "t")

        // The seed's monitoring SQL, as a user runs it against the tenant schema.
        let recent = try psql("SELECT * FROM shipped_t1.pipeline_runs ORDER BY created_at DESC LIMIT 10")
        XCTAssertEqual(recent.split(separator: "\n").count, 4)
        let logs = try psql("SELECT step_number, name, status FROM shipped_t1.step_logs WHERE pipeline_logging_id = '\(bill["pipeline_logging_id"]!)' ORDER BY step_number")
        XCTAssertEqual(logs, "1|load_billing_export|COMPLETED\n2|check_raw_export|COMPLETED\n3|select_invoice_month|COMPLETED\n"
                           + "4|check_invoice_month|COMPLETED\n5|aggregate_daily_cost|COMPLETED\n6|check_daily_cost|COMPLETED")
        XCTAssertEqual(try psql("SELECT count(*) FROM shipped_t1.dq_results WHERE status = 'FAILED'"), "0")

        // Listing: newest first, status filter, cursor pages.
        let auth = ["X-API-Key": try key("shipped_t1")]
        let page1 = try client.get("/api/v1/pipelines/runs/shipped_t1?limit=3", headers: auth)
        XCTAssertEqual(page1.status, 200, page1.text)
        let runs1 = try XCTUnwrap(try page1.json()["runs"] as? [[String: Any]])
        XCTAssertEqual(runs1.count, 3)
        XCTAssertEqual(runs1.first?["pipeline_logging_id"] as? String, bill["pipeline_logging_id"] as? String)
        let cursor = try XCTUnwrap(try page1.json()["next_cursor"] as? String)
        let page2 = try client.get("/api/v1/pipelines/runs/shipped_t1?limit=3&cursor=\(cursor)", headers: auth)
        let runs2 = try XCTUnwrap(try page2.json()["runs"] as? [[String: Any]])
        XCTAssertEqual(runs2.count, 1)
        XCTAssertTrue(try page2.json()["next_cursor"] is NSNull)
        let ids = Set((runs1 + runs2).compactMap { $0["pipeline_logging_id"] as? String })
        XCTAssertEqual(ids.count, 4)
        let completed = try client.get("/api/v1/pipelines/runs/shipped_t1?status=completed", headers: auth)
        XCTAssertEqual((try completed.json()["runs"] as? [[String: Any]])?.count, 4)
        XCTAssertEqual(try client.get("/api/v1/pipelines/runs/shipped_t1?status=DONE", headers: auth).status, 400)
        XCTAssertEqual(try client.get("/api/v1/pipelines/runs/shipped_t1?cursor=bogus", headers: auth).status, 400)
        XCTAssertEqual(try client.get("/api/v1/pipelines/runs/shipped_t1?limit=1000", headers: auth).status, 400)
    }

    func testAFailingDryrunIsReportedAndDoesNotUndoOnboarding() throws {
        let dryrun = Self.configDir + "/gcp/example/dryrun.yml"
        let original = try String(contentsOfFile: dryrun, encoding: .utf8)
        defer { try? original.write(toFile: dryrun, atomically: true, encoding: .utf8) }
        try original.replacingOccurrences(of: "sql: SELECT 1", with: "sql: SELECT 1 / 0").write(toFile: dryrun, atomically: true, encoding: .utf8)
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "dryfail_t1"}"#,
                                       headers: ["Authorization": "Bearer \(Self.adminKey)"])
        XCTAssertEqual(response.status, 201, response.text)
        let body = try response.json()
        XCTAssertEqual(body["dryrun_status"] as? String, "FAILED")
        let dryrunRun = try XCTUnwrap((body["pipelines"] as? [[String: Any]])?.last)
        XCTAssertTrue((dryrunRun["error"] as? String ?? "").contains("step 2 (select_one) failed"), "\(dryrunRun)")
        // The tenant is there and its key works.
        let key = try XCTUnwrap(body["api_key"] as? String)
        XCTAssertEqual(try client.get("/api/v1/pipelines/runs/dryfail_t1", headers: ["X-API-Key": key]).status, 200)
        XCTAssertEqual(try psql("SELECT status FROM dryfail_t1.pipeline_runs WHERE pipeline_id = 'dryfail_t1-gcp-example-dryrun'"), "FAILED")
    }

    // MARK: Refusals

    func testBadTriggersAreRefusedWithTheRightCodeAndQueueNothing() throws {
        let key = try key("refusals_t1")
        _ = try self.key("other_t1")
        let before = try psql("SELECT count(*) FROM refusals_t1.pipeline_runs")

        XCTAssertEqual(try client.send("POST", "/api/v1/pipelines/run/refusals_t1/gcp/example/dryrun").status, 401)
        let mismatch = try trigger("other_t1", "gcp/example/dryrun", key: key)
        XCTAssertEqual(mismatch.status, 403)
        XCTAssertEqual(errorCode(mismatch), "tenant_mismatch")

        // Traversal, plain and URL-encoded, in every segment: never a file outside configs/.
        // Encoded dots and slashes make a path non-canonical: no route (404) before any name check.
        for path in ["..%2F..%2Fetc/passwd/x", "gcp/%2e%2e/dryrun", "gcp/example/%2e%2e%2f%2e%2e%2fconvergence",
                     "gcp/example/..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc"] {
            let response = try trigger("refusals_t1", path, key: key)
            XCTAssertEqual(response.status, 404, "\(path): \(response.text)")
            XCTAssertEqual(errorCode(response), "not_found", "\(path): \(response.text)")
        }
        let dotted = try trigger("refusals_t1", "gcp/example/dryrun.yml", key: key)
        XCTAssertEqual(dotted.status, 400, dotted.text)
        XCTAssertEqual(errorCode(dotted), "invalid_template_name")
        for raw in ["/api/v1/pipelines/run/refusals_t1/gcp/../../../../etc/passwd",
                    "/api/v1/pipelines/run/%2e%2e/gcp/example/dryrun",
                    "/api/v1/pipelines/run/refusals_t1/../other_t1/gcp/example/dryrun"] {
            let response = try client.send("POST", raw, headers: ["X-API-Key": key])
            XCTAssertTrue([400, 403, 404].contains(response.status), "\(raw): \(response.status) \(response.text)")
        }

        let unknown = try trigger("refusals_t1", "gcp/cost/no-such-template", key: key)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(errorCode(unknown), "template_not_found")

        let yaml = try trigger("refusals_t1", "test/bad/invalid-yaml", key: key)
        XCTAssertEqual(yaml.status, 400, yaml.text)
        XCTAssertEqual(errorCode(yaml), "invalid_template")
        XCTAssertTrue(errorMessage(yaml).contains("test/bad/invalid-yaml.yml, line 4"), errorMessage(yaml))

        let kind = try trigger("refusals_t1", "test/bad/unknown-kind", key: key)
        XCTAssertEqual(kind.status, 400)
        XCTAssertTrue(errorMessage(kind).contains("test/bad/unknown-kind.yml, line 6"), errorMessage(kind))
        XCTAssertTrue(errorMessage(kind).contains("unknown step kind \"shell\""), errorMessage(kind))

        for (body, fragment) in [(nil, "note is required"), (#"{"note": 5}"#, "note must be a string"),
                                 (#"{"note": "x", "count": 1.5}"#, "count must be an integer"),
                                 (#"{"note": "x", "count": "7"}"#, "count must be an integer"),
                                 (#"{"note": "x", "urgent": "yes"}"#, "urgent must be a boolean"),
                                 (#"{"note": "x", "extra": 1}"#, "Unknown parameter extra"),
                                 (#"{"note": ["x"]}"#, "not a list"), (#"[1, 2]"#, "JSON object")] {
            let response = try trigger("refusals_t1", "test/params/notes", body: body, key: key)
            XCTAssertEqual(response.status, 400, "\(body ?? "no body"): \(response.text)")
            XCTAssertTrue(errorMessage(response).contains(fragment), "\(body ?? "no body"): \(errorMessage(response))")
        }
        let text = try client.send("POST", "/api/v1/pipelines/run/refusals_t1/test/params/notes",
                                   headers: ["X-API-Key": key, "Content-Type": "text/plain"], body: Data("note=x".utf8))
        XCTAssertEqual(text.status, 415)
        XCTAssertEqual(try psql("SELECT count(*) FROM refusals_t1.pipeline_runs"), before, "a refused trigger queues nothing")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.pipeline_queue WHERE tenant_id = 'refusals_t1'"), "0")
    }

    func testOneActiveRunPerPipelineEvenUnderConcurrentTriggers() throws {
        let key = try key("active_t1")
        let first = try runID(try trigger("active_t1", "test/sleep/slow", body: #"{"seconds": 2}"#, key: key))
        let second = try trigger("active_t1", "test/sleep/slow", key: key)
        XCTAssertEqual(second.status, 409, second.text)
        XCTAssertEqual(errorCode(second), "pipeline_already_running")
        XCTAssertEqual(((try second.json())["error"] as? [String: Any])?["pipeline_logging_id"] as? String, first)
        XCTAssertEqual(try wait("active_t1", first, for: ["COMPLETED", "FAILED"])["status"] as? String, "COMPLETED")

        // Eight triggers at once of an idle pipeline: exactly one wins.
        let client = self.client
        let results = StatusList()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            results.append((try? client.send("POST", "/api/v1/pipelines/run/active_t1/test/sleep/slow",
                                             headers: ["X-API-Key": key]).status) ?? 0)
        }
        let codes = results.sorted
        XCTAssertEqual(codes, [202, 409, 409, 409, 409, 409, 409, 409])
        XCTAssertEqual(try psql("SELECT count(*) FROM active_t1.pipeline_runs WHERE pipeline_id = 'active_t1-test-sleep-slow'"), "2")
    }

    func testEveryQueuedRunIsExecutedExactlyOnce() throws {
        let key = try key("once_t1")
        // Created up front: two concurrent CREATE TABLE IF NOT EXISTS of one name can collide in PostgreSQL's catalog.
        _ = try psql("CREATE TABLE once_t1.executions (run uuid, at timestamptz DEFAULT clock_timestamp())")
        let ids = try (0..<12).map { try runID(try trigger("once_t1", "test/once/run\($0)", key: key)) }
        for id in ids { XCTAssertEqual(try wait("once_t1", id, for: ["COMPLETED", "FAILED"])["status"] as? String, "COMPLETED") }
        XCTAssertEqual(try psql("SELECT count(*) || '/' || count(DISTINCT run) FROM once_t1.executions"), "12/12")
        XCTAssertEqual(try psql("SELECT max(attempts) FROM once_t1.pipeline_runs WHERE pipeline_id LIKE 'once_t1-test-once-%'"), "1")
        // Two runners worked side by side: some executions overlapped in time.
        XCTAssertEqual(try psql("""
            SELECT count(*) > 0 FROM once_t1.executions a JOIN once_t1.executions b
              ON a.run < b.run AND abs(extract(epoch FROM a.at - b.at)) < 0.04
            """), "t")
    }

    func testParametersAreBoundAsDataNeverExecuted() throws {
        let attack = "x'); DROP TABLE pipeline_runs; --"
        let bodyData = try JSONSerialization.data(withJSONObject: ["note": attack, "count": 42, "urgent": true])
        let id = try runID(try trigger("inject_t1", "test/params/notes", body: String(decoding: bodyData, as: UTF8.self)))
        let done = try wait("inject_t1", id, for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(done["status"] as? String, "COMPLETED", "\(done)")
        XCTAssertEqual(try psql("SELECT note || '|' || count || '|' || urgent || '|' || run FROM inject_t1.notes"), "\(attack)|42|true|\(id)")
        XCTAssertEqual(try psql("SELECT parameters->>'note' FROM inject_t1.pipeline_runs WHERE pipeline_logging_id = '\(id)'"), attack)
        XCTAssertEqual(try psql("SELECT to_regclass('inject_t1.pipeline_runs') IS NOT NULL"), "t")
    }

    func testAnotherTenantsRunIsInvisible() throws {
        let id = try runID(try trigger("owner_t1", "gcp/example/dryrun"))
        _ = try wait("owner_t1", id, for: ["COMPLETED"])
        let intruder = try key("intruder_t1")
        let asOwnPath = try client.get("/api/v1/pipelines/runs/intruder_t1/\(id)", headers: ["X-API-Key": intruder])
        XCTAssertEqual(asOwnPath.status, 404)
        XCTAssertEqual(errorCode(asOwnPath), "run_not_found")
        XCTAssertEqual(try client.get("/api/v1/pipelines/runs/owner_t1/\(id)", headers: ["X-API-Key": intruder]).status, 403)
        XCTAssertEqual(try client.send("POST", "/api/v1/pipelines/runs/intruder_t1/\(id)/cancel", headers: ["X-API-Key": intruder]).status, 404)
        XCTAssertEqual(try client.get("/api/v1/pipelines/runs/intruder_t1/not-a-uuid", headers: ["X-API-Key": intruder]).status, 400)
        let list = try client.get("/api/v1/pipelines/runs/intruder_t1", headers: ["X-API-Key": intruder])
        XCTAssertFalse(list.text.contains(id))
    }

    // MARK: Failures

    func testACSVWithABadRowFailsWithItsLineAndLoadsNothing() throws {
        let good = try wait("csv_t1", try runID(try trigger("csv_t1", "test/csv/load")), for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(good["status"] as? String, "COMPLETED", "\(good)")
        XCTAssertEqual(try psql("SELECT string_agg(id || ':' || coalesce(amount::text, 'null') || ':' || label, ';' ORDER BY id) FROM csv_t1.amounts"),
                       "1:10.5:a;2:20:b, with comma;3:null:c")

        let bad = try wait("csv_t1", try runID(try trigger("csv_t1", "test/csv/load", body: #"{"file": "bad"}"#)), for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(bad["status"] as? String, "FAILED")
        let step = try XCTUnwrap((bad["steps"] as? [[String: Any]])?.first)
        XCTAssertEqual(step["status"] as? String, "FAILED")
        let error = step["error"] as? String ?? ""
        XCTAssertTrue(error.contains("line 4") && error.contains("column amount") && error.contains("not-a-number"), error)
        XCTAssertTrue((bad["error"] as? String ?? "").contains("step 1 (load) failed"), "\(bad)")
        // Nothing half-loaded: the earlier good load is intact, no row of the bad file arrived.
        XCTAssertEqual(try psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM csv_t1.amounts"), "1,2,3")

        let missing = try wait("csv_t1", try runID(try trigger("csv_t1", "test/csv/load", body: #"{"file": "absent"}"#)), for: ["COMPLETED", "FAILED"])
        XCTAssertTrue((missing["error"] as? String ?? "").contains("not found in the data folder"), "\(missing)")
        // A parameter cannot walk out of the data folder either.
        let escape = try trigger("csv_t1", "test/csv/load", body: #"{"file": "../../../etc/passwd"}"#)
        XCTAssertEqual(escape.status, 400, escape.text)
    }

    func testWarnChecksRecordButOnlyErrorChecksFailTheRun() throws {
        let run = try wait("dq_t1", try runID(try trigger("dq_t1", "test/dq/checks")), for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(run["status"] as? String, "FAILED")
        let steps = try XCTUnwrap(run["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["status"] as? String }, ["COMPLETED", "COMPLETED", "FAILED"])
        XCTAssertTrue((steps[2]["error"] as? String ?? "").contains("row_count: 3 rows, expected at least 10 rows"), "\(steps[2])")
        let results = try XCTUnwrap(run["dq_results"] as? [[String: Any]])
        let summary = results.map { "\($0["check_name"]!)/\($0["severity"]!)/\($0["status"]!)/\($0["observed_value"]!)" }
        XCTAssertEqual(summary, ["not_null/warn/FAILED/1 null values", "unique/warn/FAILED/1 duplicate rows",
                                 "range/warn/FAILED/min 5, max 50, 1 out of range", "row_count/error/PASSED/3 rows",
                                 "row_count/error/FAILED/3 rows"])
    }

    func testAStepOverItsTimeoutFailsTheRun() throws {
        let started = Date()
        let run = try wait("timeout_t1", try runID(try trigger("timeout_t1", "test/sleep/timeout")), for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(run["status"] as? String, "FAILED")
        XCTAssertLessThan(Date().timeIntervalSince(started), 4)
        let step = try XCTUnwrap((run["steps"] as? [[String: Any]])?.first)
        XCTAssertEqual(step["error"] as? String, "timed out after 1 s (statement_timeout)")
    }

    /// The limit covers the step, not each of its statements (each sleep alone is within it).
    func testAStepTimeLimitCoversAllItsStatements() throws {
        let run = try wait("timeout_t2", try runID(try trigger("timeout_t2", "test/sleep/budget")), for: ["COMPLETED", "FAILED"])
        XCTAssertEqual(run["status"] as? String, "FAILED")
        let step = try XCTUnwrap((run["steps"] as? [[String: Any]])?.first)
        XCTAssertEqual(step["error"] as? String, "timed out after 1 s (statement_timeout)")
    }

    func testCancelStopsARunningRunAndItsQuery() throws {
        let key = try key("cancel_t1")
        let id = try runID(try trigger("cancel_t1", "test/sleep/slow", body: #"{"seconds": 60}"#, key: key))
        XCTAssertTrue(try waitUntil(timeout: 10) {
            (try run("cancel_t1", id)["steps"] as? [[String: Any]])?.first?["status"] as? String == "RUNNING"
        })
        let asked = Date()
        let cancel = try client.send("POST", "/api/v1/pipelines/runs/cancel_t1/\(id)/cancel", headers: ["X-API-Key": key])
        XCTAssertEqual(cancel.status, 202, cancel.text)
        let done = try wait("cancel_t1", id, for: ["CANCELLED", "FAILED", "COMPLETED"], timeout: 10)
        XCTAssertEqual(done["status"] as? String, "CANCELLED", "\(done)")
        XCTAssertLessThan(Date().timeIntervalSince(asked), 5, "the sleeping query was cancelled, not waited for")
        XCTAssertEqual((done["steps"] as? [[String: Any]])?.map { $0["status"] as? String }, ["CANCELLED"])
        let again = try client.send("POST", "/api/v1/pipelines/runs/cancel_t1/\(id)/cancel", headers: ["X-API-Key": key])
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(errorCode(again), "run_finished")
        // The pipeline is free again.
        XCTAssertEqual(try trigger("cancel_t1", "test/sleep/slow", body: #"{"seconds": 0}"#, key: key).status, 202)
    }

    func testCancelOfAQueuedRunIsImmediate() throws {
        // Both runners busy (executor_concurrency = 2), so a third run waits in the queue.
        let busy = try ["cancel_t2", "cancel_t3"].map { tenant in
            (tenant, try runID(try trigger(tenant, "test/sleep/slow", body: #"{"seconds": 60}"#)))
        }
        for (tenant, id) in busy { _ = try wait(tenant, id, for: ["RUNNING"]) }
        let queued = try runID(try trigger("cancel_t4", "test/sleep/slow", body: #"{"seconds": 60}"#))
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try run("cancel_t4", queued)["status"] as? String, "PENDING")
        let cancel = try client.send("POST", "/api/v1/pipelines/runs/cancel_t4/\(queued)/cancel", headers: ["X-API-Key": try key("cancel_t4")])
        XCTAssertEqual(cancel.status, 200, cancel.text)
        XCTAssertEqual(try cancel.json()["status"] as? String, "CANCELLED")
        let cancelled = try run("cancel_t4", queued)
        XCTAssertEqual(cancelled["status"] as? String, "CANCELLED")
        XCTAssertEqual((cancelled["steps"] as? [[String: Any]])?.count, 0, "it never started")
        for (tenant, id) in busy {
            XCTAssertEqual(try client.send("POST", "/api/v1/pipelines/runs/\(tenant)/\(id)/cancel", headers: ["X-API-Key": try key(tenant)]).status, 202)
            XCTAssertEqual(try wait(tenant, id, for: ["CANCELLED", "FAILED", "COMPLETED"], timeout: 10)["status"] as? String, "CANCELLED")
        }
    }

    func testARunWhoseExecutorIsKilledIsRetriedOnceThenFailedNeverLeftRunning() throws {
        // Killed once: the lease expires, the run is retried and completes.
        let retried = try runID(try trigger("killed_t1", "test/sleep/slow", body: #"{"seconds": 2}"#))
        try killExecutorDuring(retried, attempt: 1)
        let done = try wait("killed_t1", retried, for: ["COMPLETED", "FAILED"], timeout: 30)
        XCTAssertEqual(done["status"] as? String, "COMPLETED", "\(done)")
        XCTAssertEqual(done["attempts"] as? Int, 2)
        let steps = try XCTUnwrap(done["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["status"] as? String }, ["COMPLETED", "COMPLETED"], "the view shows the final attempt: \(steps)")
        XCTAssertEqual(Set(steps.map { $0["attempt"] as? Int }), [2])
        let earlier = try XCTUnwrap(done["earlier_steps"] as? [[String: Any]])
        XCTAssertEqual(earlier.first?["status"] as? String, "FAILED")
        XCTAssertTrue((earlier.first?["error"] as? String ?? "").contains("lease expired"), "\(earlier)")

        // Killed on both attempts: FAILED with the reason.
        let failed = try runID(try trigger("killed_t1", "test/sleep/slow", body: #"{"seconds": 30}"#))
        try killExecutorDuring(failed, attempt: 1)
        try killExecutorDuring(failed, attempt: 2)
        let final = try wait("killed_t1", failed, for: ["COMPLETED", "FAILED"], timeout: 30)
        XCTAssertEqual(final["status"] as? String, "FAILED")
        XCTAssertTrue((final["error"] as? String ?? "").contains("no attempts left"), "\(final)")
        XCTAssertEqual(try psql("SELECT count(*) FROM killed_t1.pipeline_runs WHERE status IN ('PENDING', 'RUNNING')"), "0")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.pipeline_queue WHERE tenant_id = 'killed_t1'"), "0")
    }

    func testReloadGivesTheRunningRunBackAndTheNewExecutorFinishesIt() throws {
        let id = try runID(try trigger("reload_t1", "test/sleep/slow", body: #"{"seconds": 2}"#))
        XCTAssertTrue(try waitUntil(timeout: 10) {
            (try run("reload_t1", id)["steps"] as? [[String: Any]])?.first?["status"] as? String == "RUNNING"
        })
        let before = executorPID()
        Self.stack.server.signal(SIGHUP) // the executor gets SIGTERM and is replaced
        let done = try wait("reload_t1", id, for: ["COMPLETED", "FAILED", "CANCELLED"], timeout: 20)
        XCTAssertEqual(done["status"] as? String, "COMPLETED", "\(done)")
        XCTAssertNotEqual(executorPID(), before)
        let earlier = try XCTUnwrap(done["earlier_steps"] as? [[String: Any]])
        XCTAssertEqual(earlier.first?["status"] as? String, "CANCELLED")
        XCTAssertTrue((earlier.first?["error"] as? String ?? "").contains("executor stopping"), "\(earlier)")
        let steps = try XCTUnwrap(done["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["status"] as? String }, ["COMPLETED", "COMPLETED"], "\(steps)")
        XCTAssertEqual(done["attempts"] as? Int, 1, "a graceful stop does not use up the retry")
    }

    func testARetriedRunShowsTheDataQualityResultsOfItsFinalAttemptOnly() throws {
        let id = try runID(try trigger("killed_t2", "test/dq/then-sleep"))
        try killExecutorDuring(id, attempt: 1, tenant: "killed_t2", step: "nap")
        let done = try wait("killed_t2", id, for: ["COMPLETED", "FAILED"], timeout: 30)
        XCTAssertEqual(done["status"] as? String, "COMPLETED", "\(done)")
        let results = try XCTUnwrap(done["dq_results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 2, "one row per check, not one per check and attempt: \(results)")
        XCTAssertEqual(Set(results.map { $0["attempt"] as? Int }), [2])
        // Both attempts' rows are kept, told apart by their attempt.
        XCTAssertEqual(try psql("SELECT string_agg(attempt || ':' || n, ',' ORDER BY attempt) FROM (SELECT attempt, count(*) AS n "
                                + "FROM killed_t2.dq_results WHERE pipeline_logging_id = '\(id)' GROUP BY attempt) a"), "1:2,2:2")
    }

    /// SIGKILLs the executor process while `id`'s attempt `attempt` is in `step` (default: any step).
    func killExecutorDuring(_ id: String, attempt: Int, tenant: String = "killed_t1", step: String? = nil) throws {
        XCTAssertTrue(try waitUntil(timeout: 20) {
            let steps = try run(tenant, id)["steps"] as? [[String: Any]] ?? []
            return steps.contains {
                $0["attempt"] as? Int == attempt && $0["status"] as? String == "RUNNING" && (step == nil || $0["name"] as? String == step)
            }
        }, "attempt \(attempt) never started")
        let executor = try XCTUnwrap(executorPID(), "no executor process")
        kill(executor, SIGKILL)
        XCTAssertTrue(waitUntil(timeout: 10) { executorPID().map { $0 != executor } ?? false }, "the executor was not restarted")
    }

    func executorPID() -> pid_t? {
        let server = Self.stack.server
        return server.childPIDs.first { server.role(of: $0) == "pipeline-executor" }
    }
}

/// Status codes collected from concurrent requests.
final class StatusList: @unchecked Sendable {
    // @unchecked: `codes` is only touched under `lock`.
    private let lock = NSLock()
    private var codes: [Int] = []
    func append(_ code: Int) { lock.withLock { codes.append(code) } }
    var sorted: [Int] { lock.withLock { codes.sorted() } }
}

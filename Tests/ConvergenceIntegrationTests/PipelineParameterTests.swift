import ConvergenceTestSupport
import Foundation
import XCTest

/// Declared parameter formats through the real stack, with the shipped
/// bill-sample template: a month with data completes, a month without data
/// fails its row-count check (not green checks about nothing), a malformed
/// month is 400 `invalid_parameters` and queues nothing.
final class PipelineParameterTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var tenantKey = ""
    nonisolated(unsafe) static var configRoot: URL?
    static let tenant = "params_t1"
    static let template = "gcp/cost/bill-sample-export-template"

    override class func setUp() {
        super.setUp()
        do {
            // The repository's templates and data, as shipped.
            let root = try TestPaths.makeTemporaryDirectory("pipeline-parameter-configs")
            configRoot = root
            let repo = TestPaths.repositoryRoot.appendingPathComponent("configs")
            for part in ["gcp", "customer", "data"] {
                try FileManager.default.copyItem(at: repo.appendingPathComponent(part), to: root.appendingPathComponent(part))
            }
            stack = try TestStack(label: "pipeline-params", overrides: [
                "CONVERGENCE_PIPELINE_CONFIG_DIR": root.path,
                "CONVERGENCE_PIPELINE_DATA_DIR": root.appendingPathComponent("data").path,
                "CONVERGENCE_EXECUTOR_POLL_INTERVAL_MS": "200",
            ])
            let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
            let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
            XCTAssertEqual(onboarded.status, 201, onboarded.text)
            tenantKey = try onboarded.json()["api_key"] as? String ?? ""
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        if let configRoot { try? FileManager.default.removeItem(at: configRoot) }
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }
    var auth: [String: String] { ["X-API-Key": Self.tenantKey] }

    func trigger(_ body: String) throws -> HTTPClient.Response {
        try client.post("/api/v1/pipelines/run/\(Self.tenant)/\(Self.template)", json: body, headers: auth)
    }

    /// Triggers the bill sample for `body` and waits for its final status.
    func runToEnd(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try trigger(body)
        XCTAssertEqual(response.status, 202, response.text, file: file, line: line)
        let id = try XCTUnwrap(try response.json()["pipeline_logging_id"] as? String, file: file, line: line)
        var last: [String: Any] = [:]
        let done = try waitUntil(timeout: 30, interval: 0.1) {
            let answer = try client.get("/api/v1/pipelines/runs/\(Self.tenant)/\(id)", headers: auth)
            last = try answer.json()
            return ["COMPLETED", "FAILED", "CANCELLED"].contains(last["status"] as? String ?? "")
        }
        XCTAssertTrue(done, "run \(id) never finished: \(last)", file: file, line: line)
        return last
    }

    func monthCheck(_ run: [String: Any]) -> [String: Any]? {
        (run["dq_results"] as? [[String: Any]] ?? []).first { $0["table_name"] as? String == "gcp_billing_month" }
    }

    func testAMonthWithDataCompletesWithItsRowsChecked() throws {
        let run = try runToEnd(#"{"invoice_month": "202510"}"#)
        XCTAssertEqual(run["status"] as? String, "COMPLETED", "\(run)")
        let steps = try XCTUnwrap(run["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["name"] as? String }, ["load_billing_export", "check_raw_export", "select_invoice_month",
                                                             "check_invoice_month", "aggregate_daily_cost", "check_daily_cost"])
        XCTAssertEqual(Set(steps.map { $0["status"] as? String }), ["COMPLETED"])
        let check = try XCTUnwrap(monthCheck(run), "\(run)")
        XCTAssertEqual(check["check_name"] as? String, "row_count_for_invoice_month")
        XCTAssertEqual(check["status"] as? String, "PASSED")
        XCTAssertEqual(check["observed_value"] as? String, "2880 rows")
        XCTAssertEqual(try Self.stack.postgres.psql("SELECT count(DISTINCT usage_date) FROM \(Self.tenant).gcp_daily_cost WHERE invoice_month = '202510'"), "30")
    }

    func testAMonthWithoutDataFailsItsRowCountCheck() throws {
        // The sample has October 2025 only (scripts/generate-gcp-billing-sample); November has no rows.
        let run = try runToEnd(#"{"invoice_month": "202511"}"#)
        XCTAssertEqual(run["status"] as? String, "FAILED", "a month without data must not pass: \(run)")
        let steps = try XCTUnwrap(run["steps"] as? [[String: Any]])
        let failed = try XCTUnwrap(steps.first { $0["status"] as? String == "FAILED" }, "\(steps)")
        XCTAssertEqual(failed["name"] as? String, "check_invoice_month")
        XCTAssertTrue((failed["error"] as? String ?? "").contains("row_count_for_invoice_month: 0 rows, expected at least 1 rows"), "\(failed)")
        XCTAssertTrue((run["error"] as? String ?? "").contains("check_invoice_month"), "\(run)")
        let check = try XCTUnwrap(monthCheck(run), "\(run)")
        XCTAssertEqual(check["status"] as? String, "FAILED")
        XCTAssertEqual(check["severity"] as? String, "error")
        XCTAssertEqual(check["observed_value"] as? String, "0 rows")
        // Nothing after the failed check ran: no daily cost was computed for the empty month.
        XCTAssertFalse(steps.contains { $0["name"] as? String == "aggregate_daily_cost" && $0["status"] as? String == "COMPLETED" }, "\(steps)")
        XCTAssertEqual(try Self.stack.postgres.psql("SELECT count(*) FROM \(Self.tenant).gcp_daily_cost WHERE invoice_month = '202511'"), "0")
    }

    func testAMalformedMonthIs400NamingTheParameterAndQueuesNothing() throws {
        let before = try Self.stack.postgres.psql("SELECT count(*) FROM \(Self.tenant).pipeline_runs")
        for body in [#"{"invoice_month": "202513"}"#, #"{"invoice_month": "2025-10"}"#, #"{"invoice_month": "20251"}"#,
                     #"{"invoice_month": "abcdef"}"#, #"{"invoice_month": "202500"}"#, #"{"invoice_month": ""}"#] {
            let response = try trigger(body)
            XCTAssertEqual(response.status, 400, "\(body): \(response.text)")
            let error = try response.json()["error"] as? [String: Any]
            XCTAssertEqual(error?["code"] as? String, "invalid_parameters", "\(body): \(response.text)")
            XCTAssertEqual(error?["message"] as? String,
                           "Parameter invoice_month must be a month as YYYYMM (six digits, month 01 to 12, such as 202510).", body)
        }
        let number = try trigger(#"{"invoice_month": 202510}"#)
        XCTAssertEqual(number.status, 400, number.text)
        XCTAssertTrue(number.text.contains("Parameter invoice_month must be a string, not a number."), number.text)
        XCTAssertEqual(try Self.stack.postgres.psql("SELECT count(*) FROM \(Self.tenant).pipeline_runs"), before, "a refused trigger queues nothing")
    }
}

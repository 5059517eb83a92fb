import ConvergenceTestSupport
import Foundation
import XCTest

/// A PostgreSQL restart in the middle of a run, on a stack of its own (the restart
/// leaves every worker thread's connection to be re-established, which would
/// disturb the other pipeline tests).
final class PipelineRecoveryTests: XCTestCase {
    var stack: TestStack?
    var configRoot: URL?

    override func tearDown() {
        stack?.stop()
        if let configRoot { try? FileManager.default.removeItem(at: configRoot) }
    }

    func testARunCutOffByAPostgreSQLRestartIsRetriedAndCompletes() throws {
        let root = try TestPaths.makeTemporaryDirectory("pipeline-recovery")
        configRoot = root
        try PipelineTests.writeConfigs(into: root)
        let configs = root.appendingPathComponent("configs").path
        let stack = try TestStack(label: "pipeline-recovery", overrides: [
            "CONVERGENCE_PIPELINE_CONFIG_DIR": configs, "CONVERGENCE_PIPELINE_DATA_DIR": configs + "/data",
            "CONVERGENCE_PIPELINE_LEASE_SECONDS": "3", "CONVERGENCE_PIPELINE_HEARTBEAT_SECONDS": "1",
        ])
        self.stack = stack
        let admin = try stack.createAdminKey()
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "pgrestart_t1"}"#,
                                              headers: ["Authorization": "Bearer \(admin)"])
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String, onboarded.text)
        let auth = ["X-API-Key": key]
        let triggered = try stack.client.post("/api/v1/pipelines/run/pgrestart_t1/test/sleep/slow", json: #"{"seconds": 2}"#, headers: auth)
        let id = try XCTUnwrap(try triggered.json()["pipeline_logging_id"] as? String, triggered.text)
        func run() throws -> [String: Any] {
            let response = try stack.client.get("/api/v1/pipelines/runs/pgrestart_t1/\(id)", headers: auth)
            return response.status == 200 ? try response.json() : [:]
        }
        XCTAssertTrue(try waitUntil(timeout: 10) { (try run()["steps"] as? [[String: Any]])?.first?["status"] as? String == "RUNNING" })

        try stack.postgres.stop()
        try stack.postgres.start()

        // The executor lost the run with its connection: the lease expires and the run is retried.
        var last: [String: Any] = [:]
        XCTAssertTrue(try waitUntil(timeout: 30) {
            last = try run()
            return ["COMPLETED", "FAILED"].contains(last["status"] as? String ?? "")
        }, "\(last)")
        XCTAssertEqual(last["status"] as? String, "COMPLETED", "\(last)")
        XCTAssertEqual(last["attempts"] as? Int, 2)
    }
}

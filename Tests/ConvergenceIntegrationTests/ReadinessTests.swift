import ConvergenceTestSupport
import Foundation
import XCTest

final class ReadinessTests: XCTestCase {
    var stack: TestStack!

    override func setUpWithError() throws {
        stack = try TestStack(label: "ready")
    }

    override func tearDown() {
        stack?.stop()
    }

    func testReadyFollowsPostgresWithoutRestartingConvergence() throws {
        let client = stack.client
        let before = try client.get("/ready")
        XCTAssertEqual(before.status, 200, before.text)
        XCTAssertEqual(try before.json()["status"] as? String, "ready")
        // A flusher that has had nothing to flush yet has still checked PostgreSQL.
        XCTAssertTrue(waitUntil(timeout: 5) {
            ((try? client.get("/ready").json())?["checks"] as? [String: Any]).flatMap { $0["audit"] as? [String: Any] }?["ok"] as? Bool == true
        }, (try? client.get("/ready").text) ?? "")
        let workers = stack.server.workerPIDs
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        XCTAssertEqual(try client.get("/admin/customers", headers: admin).status, 200)

        try stack.postgres.stop()
        // Dependency down is 503, on every route that needs it — also after the key is cached.
        let adminDown = try client.get("/admin/customers", headers: admin)
        XCTAssertEqual(adminDown.status, 503, adminDown.text)
        let down = try client.get("/ready")
        XCTAssertEqual(down.status, 503, down.text)
        let error = try XCTUnwrap(try down.json()["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? String, "not_ready")
        XCTAssertTrue((error["message"] as? String ?? "").contains("PostgreSQL"))
        XCTAssertEqual(try client.get("/health").status, 200, "liveness must not depend on PostgreSQL")

        try stack.postgres.start()
        // Every worker thread has a broken connection now; each must reconnect by itself.
        XCTAssertTrue(waitUntil(timeout: 15) { (try? client.get("/ready").status) == 200 })
        for _ in 0..<20 { XCTAssertEqual(try client.get("/ready").status, 200) }
        XCTAssertEqual(stack.server.workerPIDs, workers, "workers must not have been restarted")
    }
}

import ConvergenceTestSupport
import Foundation
import XCTest

/// `scripts/dev` as a new operator uses it (README): a stack of its own in a temp
/// dir on free ports, the CLI and psql through `scripts/dev convergence` / `psql`.
final class DevStackTests: XCTestCase {
    var directory: URL?
    var environment: [String: String] = [:]
    let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/dev").path

    override func setUpWithError() throws {
        let directory = try TestPaths.makeTemporaryDirectory("devstack")
        self.directory = directory
        environment = [
            "DEV_SKIP_BUILD": "1", "DEV_CONVERGENCE_BIN": TestPaths.binary,
            "DEV_VAR_DIR": directory.appendingPathComponent("var").path,
            "DEV_HTTP_PORT": String(TestPaths.freePort()), "DEV_HTTPS_PORT": String(TestPaths.freePort()),
        ]
    }

    override func tearDown() {
        _ = try? Shell.run([script, "down"], environment: environment, check: false)
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func dev(_ arguments: String...) throws -> String {
        try Shell.run([script] + arguments, environment: environment, stdoutOnly: true).output
    }

    func testTheReadmeCommandsWorkOnTheDevStack() throws {
        _ = try Shell.run([script, "up"], environment: environment)
        let client = HTTPClient(port: Int(environment["DEV_HTTP_PORT"]!)!)
        XCTAssertEqual(try client.get("/health").status, 200)

        // README: more admin keys through the CLI, with the dev stack's database and password.
        let key = try dev("convergence", "admin", "create-key", "--name", "ops")
        XCTAssertTrue(key.hasPrefix("sk_admin_"), "a key on stdout, nothing else")
        XCTAssertEqual(try client.get("/admin/customers", headers: ["Authorization": "Bearer \(key)"]).status, 200)
        XCTAssertTrue(try dev("convergence", "admin", "list-keys").contains("ops"))
        // SQL from the docs, with the right connection.
        XCTAssertEqual(try dev("psql", "-tAc", "SELECT count(*) FROM convergence.api_keys WHERE kind = 'admin'"), "2",
                       "the first admin key from `up` and ops")
        XCTAssertEqual(try client.get("/ready").status, 200)
        // A second `up` is idempotent.
        XCTAssertTrue(try Shell.run([script, "up"], environment: environment).output.contains("already running"))
    }
}

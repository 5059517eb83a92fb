import ConvergenceTestSupport
import Foundation
import XCTest

/// `serve` refuses bad configuration before doing anything, naming the key.
final class ConfigValidationTests: XCTestCase {
    func runServe(env: [String: String], configText: String? = nil) throws -> Shell.Result {
        var arguments = [TestPaths.binary, "serve"]
        if let configText {
            let dir = try TestPaths.makeTemporaryDirectory("config")
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("bad.conf").path
            try configText.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
            return try Shell.run(arguments, environment: env, check: false)
        }
        arguments += ["--config", TestPaths.repositoryRoot.appendingPathComponent("configs/convergence.conf").path]
        return try Shell.run(arguments, environment: env, check: false)
    }

    func testBadEnvironmentValueStopsServeNamingTheKey() throws {
        let result = try runServe(env: ["CONVERGENCE_WORKERS": "lots"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("workers"), result.output)
        XCTAssertTrue(result.output.contains("CONVERGENCE_WORKERS"), result.output)
    }

    func testUnknownKeyInFileStopsServeNamingKeyAndLine() throws {
        let result = try runServe(env: [:], configText: "threads = 4\nmax_requets = 10\n")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("max_requets"), result.output)
        XCTAssertTrue(result.output.contains("line 2"), result.output)
    }

    func testPasswordInConfigFileIsRefusedAndNotEchoed() throws {
        let result = try runServe(env: [:], configText: "database_url = postgresql://app:hunter2@localhost/convergence\n")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("database_url"), result.output)
        XCTAssertFalse(result.output.contains("hunter2"), "the secret must not be printed")
    }

    func testBadAuditReadDatabaseURLStopsServeNamingTheKeyWithoutEchoingASecret() throws {
        let result = try runServe(env: ["CONVERGENCE_AUDIT_READ_DATABASE_URL": "replica.internal:5432"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("audit_read_database_url"), result.output)
        let secret = try runServe(env: [:], configText: "audit_read_database_url = postgresql://app:hunter2@replica/convergence\n")
        XCTAssertNotEqual(secret.status, 0)
        XCTAssertTrue(secret.output.contains("audit_read_database_url"), secret.output)
        XCTAssertFalse(secret.output.contains("hunter2"), "the secret must not be printed")
    }

    func testServeRefusesToStartWithoutAMasterKeyOutsideDevMode() throws {
        let result = try runServe(env: ["CONVERGENCE_MIGRATE_ON_START": "false"])
        XCTAssertEqual(result.status, 78, result.output)
        XCTAssertTrue(result.output.contains("master key"), result.output)
        let bad = try runServe(env: ["CONVERGENCE_MASTER_KEY": "k1:not-base64"])
        XCTAssertEqual(bad.status, 78)
        XCTAssertFalse(bad.output.contains("not-base64"), "the key text is not echoed")
    }

    func testHelpListsTheSubcommands() throws {
        let help = try Shell.run([TestPaths.binary, "help"]).output
        for command in ["serve", "migrate", "admin", "version", "help"] {
            XCTAssertTrue(help.contains(command), "help does not mention \(command)")
        }
        XCTAssertEqual(try Shell.run([TestPaths.binary, "frobnicate"], check: false).status, 64)
    }
}

import ConvergenceStore
import ConvergenceTestSupport
import Foundation
import XCTest

final class MigrationTests: XCTestCase {
    var directory: URL!
    var postgres: PostgresServer!

    override func setUpWithError() throws {
        directory = try TestPaths.makeTemporaryDirectory("migrate")
        postgres = try PostgresServer(directory: directory)
    }

    override func tearDown() {
        try? postgres?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func startMigrate() throws -> (ChildProcess, CapturedLog) {
        let log = CapturedLog(directory: directory)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONVERGENCE_") }
        env["CONVERGENCE_DATABASE_URL"] = postgres.url
        let process = try ChildProcess(executable: TestPaths.binary, arguments: ["migrate"], environment: env,
                                       outputPath: log.path, workingDirectory: directory.path)
        return (process, log)
    }

    func testConcurrentMigrationsApplyEachVersionExactlyOnce() throws {
        let runs = try (0..<3).map { _ in try startMigrate() }
        for (process, log) in runs {
            XCTAssertEqual(process.wait(), 0, log.text)
        }
        let applied = runs.map { $0.1.text.components(separatedBy: "\"msg\":\"migration applied\"").count - 1 }.reduce(0, +)
        XCTAssertEqual(applied, Migrations.all.count, "each migration must be applied by exactly one process")
        XCTAssertEqual(try postgres.psql("SELECT count(*) FROM public.schema_migrations"), String(Migrations.all.count))
        XCTAssertEqual(try postgres.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'convergence'"), "1")

        let (again, log) = try startMigrate()
        XCTAssertEqual(again.wait(), 0)
        XCTAssertTrue(log.text.contains("schema up to date"), log.text)
    }

    func testMigrateFailsClearlyWhenDatabaseIsDown() throws {
        try postgres.stop()
        let (process, log) = try startMigrate()
        XCTAssertEqual(process.wait(), 1)
        XCTAssertTrue(log.text.contains("migration failed"), log.text)
    }
}

/// A log file for a child process, readable after it ran.
struct CapturedLog {
    let path: String

    init(directory: URL) {
        path = directory.appendingPathComponent("log-\(UUID().uuidString).txt").path
    }

    var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

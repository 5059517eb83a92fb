import ConvergenceTestSupport
import Foundation
import XCTest

/// Least privilege, the production model in every test stack (issue 13 item 9):
/// `serve` started as root runs its children as the service account, refuses to run
/// them as root unless told to, exposes its socket to nginx's group only, and the
/// test PostgreSQL wants a password.
final class PrivilegeTests: XCTestCase {
    nonisolated(unsafe) static var shared: TestStack?

    var stack: TestStack {
        get throws {
            if let made = Self.shared { return made }
            let made = try TestStack(label: "priv")
            Self.shared = made
            return made
        }
    }

    override class func tearDown() {
        shared?.stop()
        shared = nil
        super.tearDown()
    }

    func requireRoot() throws {
        try XCTSkipUnless(TestPaths.isRoot && TestPaths.serviceUser != nil, "privilege dropping needs the tests to run as root")
    }

    /// `Name:\tv1\tv2...` fields of /proc/PID/status.
    func status(_ pid: pid_t) -> [String: [String]] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        var fields: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].split(whereSeparator: { $0 == "\t" || $0 == " " }).map(String.init)
        }
        return fields
    }

    struct Outcome {
        let status: Int32
        let output: String
    }

    func serveAlone(_ env: [String: String], arguments: [String] = []) throws -> (Outcome, String) {
        let dir = try TestPaths.makeTemporaryDirectory("priv-refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("refused.sock").path
        var all = env
        all["CONVERGENCE_LISTEN"] = "unix:\(socket)"
        all["CONVERGENCE_MASTER_KEY"] = ConvergenceProcess.testMasterKey
        all["CONVERGENCE_MIGRATE_ON_START"] = "false"
        all["CONVERGENCE_AUDIT_SPOOL_DIR"] = dir.appendingPathComponent("spool").path
        let config = TestPaths.repositoryRoot.appendingPathComponent("configs/convergence.conf").path
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONVERGENCE_") }
        env.merge(all) { _, new in new }
        let logPath = dir.appendingPathComponent("serve.log").path
        let child = try ChildProcess(executable: TestPaths.binary, arguments: ["serve", "--config", config] + arguments,
                                     environment: env, outputPath: logPath, workingDirectory: dir.path)
        // Bounded: a serve that does not refuse would run until stopped.
        if !waitUntil(timeout: 10, { child.exitStatus != nil }) {
            kill(child.pid, SIGTERM)
            _ = waitUntil(timeout: 10) { child.exitStatus != nil }
            XCTFail("serve did not refuse to start")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "a refused serve must not listen")
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return (Outcome(status: child.exitStatus ?? -1, output: output), socket)
    }

    func testServeAsRootWithoutUserRefusesWithExit78() throws {
        try requireRoot()
        let (result, _) = try serveAlone([:])
        XCTAssertEqual(result.status, 78, result.output)
        XCTAssertTrue(result.output.contains("refuses to run its workers as root"), result.output)
        XCTAssertTrue(result.output.contains("allow_root") && result.output.contains("--allow-to-run-as-root"), result.output)

        let (unknown, _) = try serveAlone(["CONVERGENCE_USER": "no-such-user-x"])
        XCTAssertEqual(unknown.status, 78, unknown.output)
        XCTAssertTrue(unknown.output.contains("no such user \\\"no-such-user-x\\\""), unknown.output)

        let (rootUser, _) = try serveAlone(["CONVERGENCE_USER": "root"])
        XCTAssertEqual(rootUser.status, 78, rootUser.output)
        XCTAssertTrue(rootUser.output.contains("names root"), rootUser.output)
    }

    func testEveryChildRunsAsTheServiceUserAndCannotRegainRoot() throws {
        try requireRoot()
        let stack = try stack
        guard let user = TestPaths.serviceUser, let account = getpwnam(user) else { return XCTFail("no service user") }
        let uid = String(account.pointee.pw_uid), gid = String(account.pointee.pw_gid)
        let children = stack.server.childPIDs
        let roles = Set(children.compactMap { stack.server.role(of: $0) })
        XCTAssertTrue(roles.isSuperset(of: ["worker", "audit-flusher", "pipeline-executor"]), "children: \(roles)")
        for child in children {
            let fields = status(child)
            let role = stack.server.role(of: child) ?? "?"
            // Real, effective, saved and filesystem ids: none of them is root's any more.
            XCTAssertEqual(fields["Uid"], [uid, uid, uid, uid], "\(role) \(child)")
            XCTAssertEqual(fields["Gid"], [gid, gid, gid, gid], "\(role) \(child)")
            XCTAssertFalse(fields["Groups"]?.contains("0") ?? true, "\(role) \(child) keeps group root: \(fields["Groups"] ?? [])")
            XCTAssertEqual(fields["CapPrm"], ["0000000000000000"], "\(role) \(child) keeps capabilities")
            XCTAssertEqual(fields["CapEff"], ["0000000000000000"], "\(role) \(child)")
            XCTAssertEqual(fields["NoNewPrivs"], ["1"], "\(role) \(child) could gain privileges through exec")
        }
        // The supervisor stays root (php-fpm's master): it only spawns and signals.
        XCTAssertEqual(status(stack.server.pid)["Uid"]?.first, "0")
        // And the dropped children do their work: requests, the spool, PostgreSQL.
        XCTAssertEqual(try stack.client.get("/health").status, 200)
        let ready = try stack.client.get("/ready")
        XCTAssertEqual(ready.status, 200, ready.text)
        var info = stat()
        XCTAssertEqual(stat(stack.directory.appendingPathComponent("audit-spool").path, &info), 0)
        XCTAssertEqual(String(info.st_uid), uid, "the spool belongs to the service user")
        XCTAssertTrue(stack.server.log.contains("children run as \(user)"), stack.server.log)
    }

    func testFastCGISocketIsOnlyForNginxsGroup() throws {
        try requireRoot()
        let stack = try stack
        var info = stat()
        XCTAssertEqual(stat(stack.server.socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660, String(info.st_mode & 0o777, radix: 8))
        guard let group = getgrnam(TestPaths.nginxGroup) else { return XCTFail("no group \(TestPaths.nginxGroup)") }
        XCTAssertEqual(info.st_gid, group.pointee.gr_gid)
        // nginx (www-data) still reaches it.
        XCTAssertEqual(try stack.client.get("/health").status, 200)
    }

    func testPostgresRefusesAConnectionWithoutThePassword() throws {
        let stack = try stack
        let postgres = stack.postgres
        let psql = PostgresTestBinary.psql
        let bare = try Shell.run([psql, "-h", postgres.socketDirectory, "-U", "postgres", "-d", postgres.databaseName, "-w", "-Atc", "SELECT 1"],
                                 environment: ["PGPASSFILE": "/dev/null", "PGPASSWORD": ""], check: false)
        XCTAssertNotEqual(bare.status, 0, bare.output)
        XCTAssertTrue(bare.output.contains("password"), bare.output)
        // With it (the harness's pgpass), the same connection works.
        XCTAssertEqual(try postgres.psql("SELECT 1"), "1")
        // Its socket directory is not open to every local user.
        var info = stat()
        XCTAssertEqual(stat(postgres.socketDirectory, &info), 0)
        XCTAssertEqual(info.st_mode & 0o007, 0, "socket dir mode \(String(info.st_mode & 0o777, radix: 8))")
        if TestPaths.isRoot {
            let outsider = try Shell.run([psql, "-h", postgres.socketDirectory, "-U", "postgres", "-d", postgres.databaseName,
                                          "-w", "-Atc", "SELECT 1"], asUser: "nobody", environment: ["PGPASSFILE": "/dev/null"], check: false)
            XCTAssertNotEqual(outsider.status, 0, outsider.output)
        }
    }

    /// The explicit opt-out runs the children as root, and says so.
    func testAllowRootOptOutRunsChildrenAsRoot() throws {
        try requireRoot()
        let stack = try stack
        let dir = try TestPaths.makeTemporaryDirectory("priv-root")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ConvergenceProcess.launch(directory: dir, databaseURL: stack.postgres.url, overrides: [
            "CONVERGENCE_USER": "", "CONVERGENCE_ALLOW_ROOT": "true", "CONVERGENCE_MIGRATE_ON_START": "false",
            "CONVERGENCE_EXECUTOR_ENABLED": "false",
        ], workers: 2)
        defer { server.stop() }
        XCTAssertFalse(server.workerPIDs.isEmpty)
        for child in server.childPIDs { XCTAssertEqual(status(child)["Uid"]?.first, "0") }
        XCTAssertTrue(server.log.contains("children run as root (allow_root)"), server.log)
    }
}

enum PostgresTestBinary {
    static var psql: String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin/psql" } ?? "psql"
    }
}

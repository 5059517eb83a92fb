import ConvergenceTestSupport
import Foundation
import XCTest

/// Faults that must degrade the service, never take it down (issue 13, items 10–15):
/// a spool disk that is full or too small, children that cannot start, a crash-looping
/// flusher, a stop or a reload while PostgreSQL is down. Each bounded to seconds.
final class FaultToleranceTests: XCTestCase {
    var stack: TestStack?
    /// A tmpfs mounted for the spool, unmounted in tearDown.
    var mounted: String?

    static let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 500}], "context": {"user_id": "user_1"}}"#

    override func tearDown() {
        stack?.server.stop()
        if let mounted { _ = try? Shell.run(["umount", "-l", mounted], check: false) }
        mounted = nil
        stack?.stop()
        stack = nil
    }

    /// Small segments and two threads: a worker needs 4 × 64 KiB of spool.
    static let smallSpool = ["CONVERGENCE_THREADS": "2", "CONVERGENCE_AUDIT_SEGMENT_BYTES": "65536"]

    func start(_ label: String, _ overrides: [String: String] = [:], workers: Int = 2,
               beforeLaunch: (URL) throws -> [String: String] = { _ in [:] }) throws -> TestStack {
        var all = Self.smallSpool.merging(overrides) { _, new in new }
        all["CONVERGENCE_WORKERS"] = String(workers)
        let made = try TestStack(label: label, overrides: all, waitForWorkers: workers, beforeLaunch: beforeLaunch)
        stack = made
        return made
    }

    /// Mounts a tmpfs of `size` on `path` (tests run as root); false when mounting is not permitted.
    func mountTmpfs(_ path: String, size: String) throws -> Bool {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard (try Shell.run(["mount", "-t", "tmpfs", "-o", "size=\(size),mode=0750", "tmpfs", path], check: false)).status == 0 else { return false }
        mounted = path
        return true
    }

    func onboard(_ stack: TestStack, _ tenant: String) throws -> (key: String, admin: String) {
        let admin = try stack.createAdminKey()
        let response = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#,
                                             headers: ["Authorization": "Bearer \(admin)"])
        XCTAssertEqual(response.status, 201, response.text)
        return (try response.json()["api_key"] as? String ?? "", admin)
    }

    func check(_ stack: TestStack, _ key: String) throws -> HTTPClient.Response {
        try stack.client.post("/v1/check", json: Self.body, headers: ["Authorization": "Bearer \(key)"])
    }

    func ready(_ stack: TestStack) throws -> (status: Int, json: [String: Any]) {
        let response = try stack.client.get("/ready")
        return (response.status, (try? response.json()) ?? [:])
    }

    func metric(_ stack: TestStack, _ name: String) throws -> Double? {
        let text = try stack.client.get("/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// Fills the file system holding `directory` (dd stops at ENOSPC).
    func fill(_ directory: String, name: String = "filler") throws {
        try Shell.run(["dd", "if=/dev/zero", "of=\(directory)/\(name)", "bs=16k"], check: false)
    }

    // MARK: - 11/12: a spool disk too small or full

    /// A spool disk smaller than one segment: a 48 KiB tmpfs, or, where mounting is not
    /// permitted, a spool path under a regular file (segments cannot be made either way;
    /// removing the file is the recovery). Returns the overrides.
    func tinySpool(_ directory: URL) throws -> [String: String] {
        if try mountTmpfs(directory.appendingPathComponent("audit-spool").path, size: "48k") { return [:] }
        FileManager.default.createFile(atPath: directory.appendingPathComponent("spool-parent").path, contents: Data("x".utf8))
        return ["CONVERGENCE_AUDIT_SPOOL_DIR": directory.appendingPathComponent("spool-parent/audit-spool").path]
    }

    /// `serve` with a spool disk smaller than one segment starts, answers what it can
    /// (fail_closed: checks 503 with Retry-After), says so in /ready and /metrics, and
    /// records again by itself once the disk has room. Before: workers exited 78 and
    /// `serve` stopped at once.
    func testTinySpoolDiskStillStartsRefusesChecksHonestlyAndRecovers() throws {
        let stack = try start("tinyspool") { try self.tinySpool($0) }
        let (key, _) = try onboard(stack, "tiny_spool")
        let refused = try check(stack, key)
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(refused.headers["retry-after"], "1")
        XCTAssertEqual((try? refused.json()["error"] as? [String: Any])?["code"] as? String, "audit_unavailable", refused.text)
        XCTAssertEqual(try stack.client.get("/health").status, 200)
        let notReady = try ready(stack)
        XCTAssertEqual(notReady.status, 503, "\(notReady.json)")
        let audit = try XCTUnwrap(notReady.json["audit"] as? [String: Any], "\(notReady.json)")
        XCTAssertEqual(audit["spool_writable"] as? Bool, false, "\(audit)")
        XCTAssertEqual(try metric(stack, "convergence_audit_spool_writable"), 0)
        XCTAssertTrue(stack.server.process.isRunning)

        // Room again: no restart needed.
        if let mounted {
            try Shell.run(["mount", "-o", "remount,size=16m", mounted])
        } else {
            try FileManager.default.removeItem(at: stack.directory.appendingPathComponent("spool-parent"))
        }
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.1) {
            (0..<6).allSatisfy { _ in (try? self.check(stack, key).status) == 200 }
        }, stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.2) { (0..<6).allSatisfy { _ in (try? self.ready(stack).status) == 200 } },
                      "\((try? ready(stack).json) ?? [:])")
        XCTAssertEqual(try metric(stack, "convergence_audit_spool_writable"), 1)
    }

    /// Under fail_open the same disk answers checks (without records, counted as dropped).
    func testTinySpoolDiskUnderFailOpenAnswersChecks() throws {
        let stack = try start("tinyopen", ["CONVERGENCE_AUDIT_FULL_POLICY": "fail_open"]) { try self.tinySpool($0) }
        let (key, _) = try onboard(stack, "tiny_open")
        for _ in 0..<5 { XCTAssertEqual(try check(stack, key).status, 200) }
        XCTAssertGreaterThanOrEqual(try metric(stack, "convergence_audit_records_dropped_total") ?? 0, 5)
        let state = try ready(stack)
        XCTAssertEqual(state.status, 200, "fail_open: checks are answered, so the service is ready: \(state.json)")
        XCTAssertEqual((state.json["audit"] as? [String: Any])?["spool_writable"] as? Bool, false, "\(state.json)")
    }

    /// The issue's outage: PostgreSQL down, the spool disk full, a worker dies. Its
    /// replacement cannot make its segments; before, it exited 78 and the supervisor
    /// stopped everything (502s) and never came back. Now the sibling keeps serving, the
    /// replacement starts degraded, and everything recovers once disk and PostgreSQL return.
    func testWorkerRestartOnAFullSpoolDiskKeepsTheSiblingServingAndRecovers() throws {
        let stack = try start("fullspool") { directory in
            if try !self.mountTmpfs(directory.appendingPathComponent("audit-spool").path, size: "2m") {
                throw XCTSkip("tmpfs cannot be mounted here") // the tiny-disk tests cover the unmounted path
            }
            return [:]
        }
        let (key, _) = try onboard(stack, "full_spool")
        for _ in 0..<10 { XCTAssertEqual(try check(stack, key).status, 200) } // both workers' caches hold the key
        try stack.postgres.stop()
        let spool = stack.directory.appendingPathComponent("audit-spool").path
        try fill(spool)
        let workers = stack.server.workerPIDs
        XCTAssertEqual(workers.count, 2)
        let readyBefore = stack.server.count(message: "worker ready")
        kill(workers[0], SIGKILL)
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.count(message: "worker ready") > readyBefore }, stack.server.log)
        XCTAssertTrue(stack.server.process.isRunning, stack.server.log)
        XCTAssertTrue(stack.server.workerPIDs.contains(workers[1]), "the healthy worker must keep running")
        // Answered, or refused with 503 (no record can be written, or the key was never
        // seen by that worker and PostgreSQL is down): never a 502, never a hang.
        for _ in 0..<20 {
            let response = try check(stack, key)
            XCTAssertTrue(response.status == 200 || response.status == 503, "\(response.status): \(response.text)")
            if response.text.contains("audit_unavailable") { XCTAssertEqual(response.headers["retry-after"], "1", response.text) }
            XCTAssertEqual(try stack.client.get("/health").status, 200)
        }
        XCTAssertTrue(stack.server.workerPIDs.contains(workers[1]), "the healthy worker must keep running")

        try FileManager.default.removeItem(atPath: spool + "/filler")
        try stack.postgres.start()
        XCTAssertTrue(waitUntil(timeout: 20, interval: 0.2) {
            (0..<10).allSatisfy { _ in (try? self.check(stack, key).status) == 200 }
        }, stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.2) { (0..<6).allSatisfy { _ in (try? self.ready(stack).status) == 200 } },
                      "\((try? ready(stack).json) ?? [:])")
    }

    /// A worker that cannot start once the service has served (here its password file
    /// vanished) is retried with back-off; its sibling keeps serving; it comes back when
    /// the cause goes away. Before: exit 78 stopped the whole service.
    func testWorkerThatCannotStartAfterServingIsRetriedAndSiblingsKeepServing() throws {
        var passwordFile = ""
        let stack = try start("cannotstart", ["CONVERGENCE_RESTART_BACKOFF_INITIAL_MS": "50",
                                              "CONVERGENCE_RESTART_BACKOFF_MAX_MS": "200", "CONVERGENCE_CRASH_LOOP_MAX": "2",
                                              "CONVERGENCE_RESTART_BACKOFF_LONG_MS": "500"]) { directory in
            passwordFile = directory.appendingPathComponent("db-password").path
            try (TestDatabaseSecret.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
            return ["CONVERGENCE_DATABASE_PASSWORD_FILE": passwordFile]
        }
        let workers = stack.server.workerPIDs
        try FileManager.default.removeItem(atPath: passwordFile)
        kill(workers[0], SIGKILL)
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.count(message: "worker cannot start") >= 3 }, stack.server.log)
        XCTAssertTrue(stack.server.process.isRunning, stack.server.log)
        XCTAssertEqual(stack.server.workerPIDs, [workers[1]])
        for _ in 0..<10 { XCTAssertEqual(try stack.client.get("/health").status, 200) }
        let state = try ready(stack)
        let processes = try XCTUnwrap(state.json["processes"] as? [String: Any], "\(state.json)")
        XCTAssertEqual(processes["workers_alive"] as? Int, 1, "\(processes)")
        XCTAssertGreaterThanOrEqual(try metric(stack, "convergence_process_start_failures_total") ?? 0, 3)

        try (TestDatabaseSecret.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.workerPIDs.count == 2 }, stack.server.log)
    }

    // MARK: - 15: auxiliaries degrade, never stop the API

    /// A flusher killed over and over (past crash_loop_max) is retried with back-off
    /// forever; checks never stop. Before: 11 quick deaths stopped the whole API.
    func testCrashLoopingFlusherNeverStopsTheAPI() throws {
        let stack = try start("flusherloop", ["CONVERGENCE_CRASH_LOOP_MAX": "2", "CONVERGENCE_RESTART_BACKOFF_INITIAL_MS": "20",
                                              "CONVERGENCE_RESTART_BACKOFF_MAX_MS": "50", "CONVERGENCE_RESTART_BACKOFF_LONG_MS": "1500"])
        let (key, _) = try onboard(stack, "flusher_loop")
        var kills = 0
        let deadline = Date().addingTimeInterval(6)
        while kills < 6 && Date() < deadline {
            if let pid = stack.server.children(role: "audit-flusher").first { kill(pid, SIGKILL); kills += 1 }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertGreaterThanOrEqual(kills, 4)
        XCTAssertTrue(waitUntil(timeout: 3) { stack.server.log.contains("keeps failing; workers keep serving") }, stack.server.log)
        XCTAssertTrue(stack.server.process.isRunning, stack.server.log)
        for _ in 0..<10 { XCTAssertEqual(try check(stack, key).status, 200) }
        // Back after the long back-off, and the backlog drains.
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.children(role: "audit-flusher").count == 1 }, stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.2) {
            ((try? self.ready(stack).json)?["audit"] as? [String: Any])?["backlog_bytes"] as? Int == 0
        })
    }

    /// A flusher that cannot start exits 78 and is retried with back-off (not given up
    /// on until SIGHUP); the workers keep serving meanwhile and it starts once it can.
    func testFlusherThatCannotStartIsRetriedWhileWorkersServe() throws {
        let stack = try start("flusher78", ["CONVERGENCE_CRASH_LOOP_MAX": "2", "CONVERGENCE_RESTART_BACKOFF_INITIAL_MS": "50",
                                            "CONVERGENCE_RESTART_BACKOFF_MAX_MS": "100", "CONVERGENCE_RESTART_BACKOFF_LONG_MS": "500",
                                            "CONVERGENCE_AUDIT_FULL_POLICY": "fail_open"]) { directory in
            FileManager.default.createFile(atPath: directory.appendingPathComponent("spool-parent").path, contents: Data("x".utf8))
            return ["CONVERGENCE_AUDIT_SPOOL_DIR": directory.appendingPathComponent("spool-parent/audit-spool").path]
        }
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.log.contains("audit-flusher cannot start; retrying with back-off") },
                      stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.count(message: "audit-flusher cannot start; retrying with back-off") >= 4 },
                      stack.server.log)
        XCTAssertTrue(stack.server.process.isRunning, stack.server.log)
        XCTAssertEqual(try stack.client.get("/health").status, 200)
        let processes = try XCTUnwrap(try ready(stack).json["processes"] as? [String: Any])
        XCTAssertEqual(processes["auxiliaries_down"] as? [String], ["audit-flusher"], "\(processes)")

        // The operator's fix: a real directory where the spool belongs, the service user's.
        try FileManager.default.removeItem(at: stack.directory.appendingPathComponent("spool-parent"))
        let spool = stack.directory.appendingPathComponent("spool-parent/audit-spool").path
        if let user = TestPaths.serviceUser {
            try Shell.run(["install", "-d", "-m", "0750", "-o", user, "-g", user, stack.directory.appendingPathComponent("spool-parent").path, spool])
        } else {
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        }
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.2) {
            ((try? self.ready(stack).json)?["audit"] as? [String: Any])?["flusher_alive"] as? Bool == true
        }, stack.server.log)
        XCTAssertEqual(try metric(stack, "convergence_auxiliary_up{process=\"audit-flusher\"}"), 1)
    }

    // MARK: - 12: the oldest unflushed record's age

    func testReadyAndMetricsReportTheAgeOfTheOldestUnflushedRecord() throws {
        let stack = try start("oldestage")
        let (key, _) = try onboard(stack, "oldest_age")
        for _ in 0..<6 { XCTAssertEqual(try check(stack, key).status, 200) }
        try stack.postgres.stop()
        for _ in 0..<6 { XCTAssertEqual(try check(stack, key).status, 200) }
        Thread.sleep(forTimeInterval: 1.5) // the age to measure
        let state = try ready(stack)
        XCTAssertEqual(state.status, 503)
        let audit = try XCTUnwrap(state.json["audit"] as? [String: Any], "\(state.json)")
        XCTAssertGreaterThan(audit["backlog_bytes"] as? Int ?? 0, 0, "\(audit)")
        XCTAssertGreaterThanOrEqual(audit["oldest_unflushed_age_ms"] as? Double ?? 0, 1000, "\(audit)")
        XCTAssertGreaterThanOrEqual(try metric(stack, "convergence_audit_oldest_unflushed_age_seconds") ?? 0, 1)
        try stack.postgres.start()
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.2) {
            ((try? self.ready(stack).json)?["audit"] as? [String: Any])?["backlog_bytes"] as? Int == 0
        })
        XCTAssertEqual(try metric(stack, "convergence_audit_oldest_unflushed_age_seconds"), 0)
    }

    // MARK: - 14: graceful stop with PostgreSQL down

    /// SIGTERM with PostgreSQL down: new requests are refused at once (not held until a
    /// timeout), the flusher gives up after its final attempt, `serve` exits 0 promptly,
    /// and the spooled records are flushed, once, after the next start.
    func testGracefulStopWithPostgresDownIsPromptAndKeepsTheSpool() throws {
        let stack = try start("stoppgdown")
        let (key, _) = try onboard(stack, "stop_pg_down")
        for _ in 0..<6 { XCTAssertEqual(try check(stack, key).status, 200) }
        try stack.postgres.stop()
        var spooled: [String] = []
        for _ in 0..<10 {
            let response = try check(stack, key)
            XCTAssertEqual(response.status, 200)
            spooled.append(response.headers["x-request-id"] ?? "")
        }
        let began = Date()
        stack.server.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 0.3)
        let during = Date()
        let response = try? stack.client.get("/health")
        XCTAssertLessThan(Date().timeIntervalSince(during), 2, "a request during the stop must not hang (\(response?.status ?? -1))")
        XCTAssertEqual(stack.server.waitForExit(timeout: 8), 0, stack.server.log)
        XCTAssertLessThan(Date().timeIntervalSince(began), 6, "the flusher's final attempt must be bounded")
        let spoolDirectory = stack.directory.appendingPathComponent("audit-spool").path
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: spoolDirectory).filter { $0.hasSuffix(".spool") }.isEmpty)

        try stack.postgres.start()
        try stack.restartServer()
        var rows: [String] = []
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.2) {
            rows = ((try? stack.postgres.psql("SELECT request_id FROM convergence.audit_log WHERE kind = 'check'")) ?? "")
                .split(separator: "\n").map(String.init)
            return Set(spooled).isSubset(of: Set(rows))
        }, stack.server.log)
        XCTAssertEqual(rows.count, Set(rows).count, "a record was flushed twice")
    }

    /// Workers that never read the key or the policies before PostgreSQL went down still
    /// answer: another worker's reads are in the host's shared stash. Every worker that
    /// served the first check is SIGKILLed and replaced while PostgreSQL is up, so the
    /// replacements' own caches are empty when the outage begins (with keep-alive, nginx
    /// can leave a worker unused that long; before the stash, each such check was a 503).
    func testWorkersThatNeverSawAKeyAnswerDuringAnOutage() throws {
        let stack = try start("stashpgdown")
        let (key, _) = try onboard(stack, "stash_pg_down")
        XCTAssertEqual(try check(stack, key).status, 200)
        let before = Set(stack.server.workerPIDs)
        for pid in before { kill(pid, SIGKILL) }
        XCTAssertTrue(waitUntil(timeout: 20) {
            let now = Set(stack.server.workerPIDs)
            return now.count == 2 && now.isDisjoint(with: before) && (try? self.ready(stack).status) == 200
        }, stack.server.log)
        try stack.postgres.stop()
        let statuses = try (0..<20).map { _ in try check(stack, key).status }
        XCTAssertEqual(statuses.filter { $0 == 200 }.count, 20, "fresh workers decide with the stashed key and policies: \(statuses)")
        // A key no worker read is still refused (401 malformed, 503 unverifiable), never let in.
        let unknown = try stack.client.post("/v1/check", json: Self.body, headers: ["Authorization": "Bearer sk_live_unknown"]).status
        XCTAssertTrue([401, 503].contains(unknown), "\(unknown)")
    }

    // MARK: - 10: /ready details only for loopback or admin keys

    func testReadyFromOutsideLoopbackSaysStatusOnly() throws {
        let stack = try start("readyremote")
        let (_, admin) = try onboard(stack, "ready_remote")
        var outside = FastCGIClient(.unix(stack.server.socketPath))
        outside.remoteAddress = "203.0.113.9"
        let plain = try outside.request(method: "GET", uri: "/ready")
        XCTAssertEqual(plain.status, 200)
        XCTAssertEqual(plain.body, #"{"status":"ready"}"#)
        let withAdmin = try outside.request(method: "GET", uri: "/ready", headers: ["Authorization": "Bearer \(admin)"])
        XCTAssertTrue(withAdmin.body.contains("\"checks\""), withAdmin.body)
        let badKey = try outside.request(method: "GET", uri: "/ready", headers: ["Authorization": "Bearer sk_live_nope"])
        XCTAssertEqual(badKey.body, #"{"status":"ready"}"#)
        var loopback = FastCGIClient(.unix(stack.server.socketPath))
        loopback.remoteAddress = "127.0.0.2"
        XCTAssertTrue(try loopback.request(method: "GET", uri: "/ready").body.contains("\"checks\""))

        try stack.postgres.stop()
        let down = try outside.request(method: "GET", uri: "/ready")
        XCTAssertEqual(down.status, 503)
        XCTAssertEqual(down.body, #"{"status":"not_ready"}"#)
    }
}

// MARK: - 13: reload during a PostgreSQL outage

extension FaultToleranceTests {
    /// SIGHUP while PostgreSQL is down: the replacements could not fill their key and
    /// policy caches, so before, ~all checks failed 503 once they took over. Now the old
    /// workers (caches warm) keep serving and the reload completes once PostgreSQL is back.
    func testReloadDuringAPostgresOutageKeepsCheckingWithTheWarmWorkers() throws {
        let stack = try start("reloadpgdown")
        let (key, _) = try onboard(stack, "reload_pg_down")
        // Every worker reads the key and the policies: checks streamed to the socket until
        // each worker pid has answered one (sequential requests may all land on one worker).
        let stream = WorkerStream(client: FastCGIClient(.unix(stack.server.socketPath))) {
            ("POST", "/v1/check", ["Content-Type": "application/json", "Authorization": "Bearer \(key)"], Data(Self.body.utf8))
        }
        let everyWorker = Set(stack.server.workerPIDs.map(String.init))
        XCTAssertTrue(waitUntil(timeout: 20) { Set(stream.all.filter { $0.status == 200 }.map(\.pid)) == everyWorker })
        stream.stop()
        try stack.postgres.stop()
        let before = try (0..<20).map { _ in try check(stack, key).status }
        XCTAssertEqual(before.filter { $0 == 200 }.count, 20, "warm workers answer during the outage: \(before)")
        let workers = Set(stack.server.workerPIDs)

        stack.server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 10) { stack.server.log.contains("reload postponed") }, stack.server.log)
        let during = try (0..<20).map { _ in try check(stack, key).status }
        XCTAssertEqual(during.filter { $0 == 200 }.count, 20, "a reload must not make things worse: \(during)")
        XCTAssertEqual(Set(stack.server.workerPIDs), workers, "the warm workers are kept while PostgreSQL is down")

        try stack.postgres.start()
        XCTAssertTrue(waitUntil(timeout: 15) { stack.server.count(message: "reload complete") >= 1 }, stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 10) { Set(stack.server.workerPIDs).isDisjoint(with: workers) },
                      "replaced once PostgreSQL answers")
        for _ in 0..<10 { XCTAssertEqual(try check(stack, key).status, 200) }
    }
}

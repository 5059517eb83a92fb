import ConvergenceTestSupport
import Foundation
import XCTest

/// Process management as an operator sees it: crashes, reloads, drains, recycling.
final class SupervisorTests: XCTestCase {
    var stack: TestStack?

    override func tearDown() {
        stack?.stop()
        stack = nil
    }

    func start(_ overrides: [String: String] = [:], workers: Int = 2) throws -> TestStack {
        var all = overrides
        all["CONVERGENCE_WORKERS"] = String(workers)
        let made = try TestStack(label: "sup", overrides: all, waitForWorkers: workers)
        stack = made
        return made
    }

    func testKilledWorkerIsReplacedAndServiceContinues() throws {
        let stack = try start()
        let before = stack.server.workerPIDs
        XCTAssertEqual(before.count, 2)
        kill(before[0], SIGKILL)
        XCTAssertTrue(waitUntil(timeout: 10) {
            let now = stack.server.workerPIDs
            return now.count == 2 && !now.contains(before[0])
        }, "the killed worker was not replaced: \(stack.server.workerPIDs)")
        let died = stack.server.logLines.first { ($0["msg"] as? String) == "worker died" }
        XCTAssertEqual(died?["how"] as? String, "killed by signal 9 (SIGKILL)")
        for _ in 0..<20 { XCTAssertEqual(try stack.client.get("/health").status, 200) }
    }

    func testReloadUnderLoadFailsNoRequest() throws {
        let stack = try start()
        let oldWorkers = Set(stack.server.workerPIDs)
        let client = stack.client
        let load = LoadGenerator()
        load.start(clients: 8) {
            try client.post("/_echo?delay_ms=5", json: #"{"during":"reload"}"#)
        }
        Thread.sleep(forTimeInterval: 0.5)
        stack.server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 20) { stack.server.count(message: "reload complete") >= 1 }, stack.server.log)
        Thread.sleep(forTimeInterval: 0.3)
        stack.server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 20) { stack.server.count(message: "reload complete") >= 2 }, stack.server.log)
        Thread.sleep(forTimeInterval: 0.5)
        let (successes, failures) = load.finish()
        XCTAssertEqual(failures, [], "requests failed during reload")
        XCTAssertGreaterThan(successes, 100)
        // The retired workers leave once nginx has closed the connections it kept to them
        // (upstream keepalive_timeout, 5 s idle in the shipped snippet).
        XCTAssertTrue(waitUntil(timeout: 20) { Set(stack.server.workerPIDs).isDisjoint(with: oldWorkers) },
                      "every worker must have been replaced: \(stack.server.workerPIDs) vs \(oldWorkers)")
        XCTAssertTrue(waitUntil(timeout: 5) { stack.server.workerPIDs.count == 2 }, "\(stack.server.workerPIDs)")
    }

    /// Auxiliary processes follow the reloaded configuration: turned off, they stop
    /// and stay stopped; turned on again, they start.
    func testReloadStartsAndStopsAuxiliaryProcesses() throws {
        let directory = try TestPaths.makeTemporaryDirectory("reload-aux")
        let postgres = try PostgresServer(directory: directory)
        defer {
            try? postgres.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        let path = directory.appendingPathComponent("convergence.conf").path
        try "executor_enabled = true\n".write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ConvergenceProcess.launch(directory: directory, databaseURL: postgres.url,
                                                   overrides: ["CONVERGENCE_WORKERS": "1"], configFile: path, workers: 1)
        defer { server.stop() }
        XCTAssertTrue(waitUntil(timeout: 10) { server.children(role: "pipeline-executor").count == 1 }, server.log)
        let flusher = server.children(role: "audit-flusher")
        XCTAssertEqual(flusher.count, 1)

        try "executor_enabled = false\n".write(toFile: path, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 10) { server.children(role: "pipeline-executor").isEmpty }, server.log)
        Thread.sleep(forTimeInterval: 1) // it must stay stopped, not come back with back-off
        XCTAssertTrue(server.children(role: "pipeline-executor").isEmpty, server.log)
        XCTAssertEqual(server.children(role: "audit-flusher").count, 1, "the flusher is replaced, not dropped")

        try "executor_enabled = true\n".write(toFile: path, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 10) { server.children(role: "pipeline-executor").count == 1 }, server.log)
        XCTAssertTrue(server.process.isRunning)
    }

    func testReloadWithBrokenConfigKeepsTheRunningOne() throws {
        let directory = try TestPaths.makeTemporaryDirectory("reload-config")
        let postgres = try PostgresServer(directory: directory)
        defer {
            try? postgres.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        let path = directory.appendingPathComponent("convergence.conf").path
        try "threads = 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ConvergenceProcess.launch(directory: directory, databaseURL: postgres.url,
                                                   overrides: ["CONVERGENCE_WORKERS": "1"], configFile: path, workers: 1)
        defer { server.stop() }
        let original = server.workerPIDs

        try "threads = 2\nthreads_per_worker = 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 5) { server.log.contains("reload refused") }, server.log)
        XCTAssertTrue(server.log.contains("threads_per_worker"), "the error must name the bad key")
        XCTAssertTrue(server.process.isRunning)
        XCTAssertEqual(server.workerPIDs, original, "a refused reload must not touch the workers")

        try "threads = 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 10) { server.count(message: "reload complete") == 1 }, server.log)
        XCTAssertNotEqual(server.workerPIDs, original)
    }

    func testTerminateLetsSlowRequestsFinishThenExitsZero() throws {
        // The workers leave once nginx has closed its idle kept connections, 5 s after the
        // last request: a drain of about 7 s. The harness's 10 s budget ran out once on a
        // loaded CI machine, which is not what this test is about.
        let stack = try start(["CONVERGENCE_SHUTDOWN_TIMEOUT_SECONDS": "30"])
        let client = stack.client
        let results = LockedResults()
        let threads = (0..<4).map { _ in
            Thread {
                do {
                    let response = try client.post("/_echo?delay_ms=2000", json: #"{"slow":true}"#)
                    results.append(response.status)
                } catch {
                    results.append(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 0.5)
        stack.server.signal(SIGTERM)
        let status = stack.server.waitForExit(timeout: 30)
        XCTAssertTrue(waitUntil(timeout: 5) { results.values.count == 4 })
        XCTAssertEqual(results.values, [200, 200, 200, 200], "in-flight requests must complete")
        XCTAssertEqual(status, 0, stack.server.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stack.server.socketPath), "socket must be removed")
    }

    /// At max_requests a worker stops accepting and its replacement starts at once; it serves
    /// the connection nginx keeps to it until nginx closes that (5 s idle), then leaves.
    func testWorkersAreRecycledAfterMaxRequests() throws {
        let stack = try start(["CONVERGENCE_MAX_REQUESTS": "5"], workers: 1)
        let first = stack.server.workerPIDs
        for i in 0..<25 {
            let response = try stack.client.get("/health")
            XCTAssertEqual(response.status, 200, "request \(i): \(response.text)")
        }
        XCTAssertTrue(waitUntil(timeout: 5) { stack.server.count(message: "worker recycling after max_requests: replacement starting") >= 1 },
                      stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 20) { stack.server.workerPIDs.count == 1 && stack.server.workerPIDs != first }, stack.server.log)
        XCTAssertTrue(waitUntil(timeout: 5) { stack.server.count(message: "worker retired") >= 1 }, stack.server.log)
        XCTAssertEqual(try stack.client.get("/health").status, 200)
    }

    func testCrashLoopMakesTheSupervisorGiveUp() throws {
        let stack = try start(["CONVERGENCE_CRASH_LOOP_MAX": "3", "CONVERGENCE_RESTART_BACKOFF_INITIAL_MS": "20",
                               "CONVERGENCE_RESTART_BACKOFF_MAX_MS": "100"], workers: 1)
        let deadline = Date().addingTimeInterval(15)
        while stack.server.process.isRunning && Date() < deadline {
            for pid in stack.server.workerPIDs { kill(pid, SIGKILL) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(stack.server.waitForExit(timeout: 5), 1, stack.server.log)
        XCTAssertTrue(stack.server.log.contains("crash loop"), stack.server.log)
    }
}

final class LockedResults: @unchecked Sendable {
    // @unchecked: `storage` is only read or written while holding `lock`.
    private let lock = NSLock()
    private var storage: [Int] = []

    func append(_ value: Int) { lock.withLock { storage.append(value) } }
    var values: [Int] { lock.withLock { storage } }
}

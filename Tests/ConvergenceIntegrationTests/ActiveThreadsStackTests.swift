import ConvergenceTestSupport
import Foundation
import Synchronization
import XCTest

/// `active_threads`: a worker runs fewer threads than it has, and a request that waits on
/// PostgreSQL hands its place to a thread standing by. With one running thread of three, a
/// request stuck behind a table lock must not hold up requests that never touch the database.
final class ActiveThreadsStackTests: XCTestCase {
    final class Status: Sendable { let value = Atomic<Int>(0) }

    func testARequestWaitingOnPostgreSQLDoesNotHoldUpTheOthers() throws {
        let stack = try TestStack(label: "active-threads",
                                  overrides: ["CONVERGENCE_WORKERS": "1", "CONVERGENCE_THREADS": "3", "CONVERGENCE_ACTIVE_THREADS": "1"],
                                  waitForWorkers: 1)
        defer { stack.stop() }
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "waits"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        // Never used yet: the worker has to ask PostgreSQL for it.
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String)

        // An operator's migration holding the keys table for 3 s.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: PostgresServer.binary("psql"))
        locker.arguments = ["-h", stack.postgres.socketDirectory, "-U", "postgres", "-d", stack.postgres.databaseName, "-qAt", "-c",
                            "BEGIN; LOCK TABLE convergence.api_keys IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;"]
        locker.standardOutput = FileHandle.nullDevice
        try locker.run()
        defer { locker.waitUntilExit() }
        XCTAssertTrue(try waitUntil(timeout: 5, interval: 0.02) {
            try stack.postgres.psql("SELECT count(*) FROM pg_locks WHERE relation = 'convergence.api_keys'::regclass AND mode = 'AccessExclusiveLock' AND granted") == "1"
        })
        let coldStatus = Status(), client = stack.client
        let cold = Thread {
            let status = (try? client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "model": "gpt-4"}]}"#,
                                                headers: ["X-API-Key": key]).status) ?? -1
            coldStatus.value.store(status, ordering: .relaxed)
        }
        cold.start()
        // The worker's one running thread now waits on the lock.
        XCTAssertTrue(try waitUntil(timeout: 5, interval: 0.02) {
            try stack.postgres.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'convergence-worker' AND wait_event_type = 'Lock'") == "1"
        }, "the cold key's lookup waits behind the lock")

        for _ in 0..<5 {
            let started = Date()
            XCTAssertEqual(try stack.client.get("/health").status, 200)
            XCTAssertLessThan(Date().timeIntervalSince(started), 0.5, "answered by a thread that stood by, not after the lock")
        }
        XCTAssertTrue(try waitUntil(timeout: 10, interval: 0.05) { coldStatus.value.load(ordering: .relaxed) != 0 })
        XCTAssertEqual(coldStatus.value.load(ordering: .relaxed), 200, "the waiting request is answered once the lock is gone")
    }

    /// Connections whose requests arrive together are served side by side: a thread that
    /// took several ready connections at once and then waits (here on `_echo`'s stand-in
    /// for PostgreSQL) gives the others back, instead of serving them after its wait.
    func testRequestsReadyTogetherAreServedSideBySide() throws {
        let stack = try TestStack(label: "side-by-side",
                                  overrides: ["CONVERGENCE_WORKERS": "1", "CONVERGENCE_THREADS": "8", "CONVERGENCE_ACTIVE_THREADS": "1"],
                                  waitForWorkers: 1)
        defer { stack.stop() }
        let client = stack.client
        let elapsed = Mutex<[Double]>([])
        let threads = (0..<6).map { _ in
            Thread {
                let started = Date()
                let status = (try? client.post("/_echo?delay_ms=1500", json: #"{"slow":true}"#).status) ?? -1
                elapsed.withLock { $0.append(status == 200 ? Date().timeIntervalSince(started) : -1) }
            }
        }
        threads.forEach { $0.start() }
        XCTAssertTrue(waitUntil(timeout: 15) { elapsed.withLock { $0.count } == 6 })
        let times = elapsed.withLock { $0 }
        XCTAssertFalse(times.contains(-1), "every request succeeds: \(times)")
        // Served one after another, the last would take 9 s; in one batch of four, 6 s.
        XCTAssertLessThan(times.max() ?? 99, 2.9, "no request waits for another's 1.5 s: \(times)")
    }
}

import ConvergenceCore
@testable import ConvergenceFastCGI
import Glibc
import Synchronization
import XCTest

/// The worker's thread gate with real threads: what a user of `active_threads` relies on is
/// that no more threads serve at once than it says, that a thread waiting on PostgreSQL lets a
/// standing-by one serve meanwhile, and that a drain gets every thread back.
final class ActiveThreadsTests: XCTestCase {
    /// Threads running the accept loop's shape: stand by when over the limit, then "serve".
    private final class Harness: Sendable {
        let gate: ActiveThreads
        let stopping = Atomic<Bool>(false)
        let serving = Atomic<Int>(0)
        let mostServing = Atomic<Int>(0)
        let served = Atomic<Int>(0)
        let exited = Atomic<Int>(0)

        init(limit: Int, threads: Int) { gate = ActiveThreads(limit: limit, threads: threads) }

        func start(_ threads: Int, checkMs: Int32 = 20, serve: @escaping @Sendable (Harness, Int) -> Void = { h, _ in h.work(microseconds: 200) }) {
            for index in 0..<threads {
                _ = startThread {
                    while !self.stopping.load(ordering: .relaxed) {
                        self.gate.standByWhileOverLimit(checkMs: checkMs) { self.stopping.load(ordering: .relaxed) }
                        if self.stopping.load(ordering: .relaxed) { break }
                        serve(self, index)
                    }
                    self.exited.add(1, ordering: .relaxed)
                }
            }
        }

        func work(microseconds: UInt32) {
            let now = serving.add(1, ordering: .relaxed).newValue
            var most = mostServing.load(ordering: .relaxed)
            while now > most {
                let (done, actual) = mostServing.compareExchange(expected: most, desired: now, ordering: .relaxed)
                if done { break }
                most = actual
            }
            usleep(microseconds)
            serving.subtract(1, ordering: .relaxed)
            served.add(1, ordering: .relaxed)
        }

        func stopAndWait(threads: Int, file: StaticString = #filePath, line: UInt = #line) {
            stopping.store(true, ordering: .relaxed)
            let deadline = MonotonicInstant.now().adding(milliseconds: 2000)
            while exited.load(ordering: .relaxed) < threads && MonotonicInstant.now() < deadline { usleep(1000) }
            XCTAssertEqual(exited.load(ordering: .relaxed), threads, "every thread leaves its loop once the worker drains", file: file, line: line)
        }
    }

    func testNoMoreThreadsServeAtOnceThanTheLimit() {
        let harness = Harness(limit: 2, threads: 6)
        harness.start(6)
        usleep(300_000)
        XCTAssertLessThanOrEqual(harness.mostServing.load(ordering: .relaxed), 2)
        XCTAssertEqual(harness.gate.standingByCount, 4, "the other four stand by")
        XCTAssertGreaterThan(harness.served.load(ordering: .relaxed), 100, "the two running threads keep serving")
        harness.stopAndWait(threads: 6)
    }

    func testWithoutALimitEveryThreadServes() {
        let harness = Harness(limit: 0, threads: 4)
        harness.start(4) { h, _ in h.work(microseconds: 20_000) }
        usleep(200_000)
        XCTAssertEqual(harness.mostServing.load(ordering: .relaxed), 4)
        XCTAssertEqual(harness.gate.standingByCount, 0)
        harness.stopAndWait(threads: 4)
    }

    /// The first request served "waits on PostgreSQL" for 300 ms; with a limit of one, the
    /// other threads could serve nothing meanwhile unless the wait hands its place over.
    func testAThreadWaitingOnPostgreSQLLetsAnotherServe() {
        let harness = Harness(limit: 1, threads: 3)
        let servedDuringWait = Atomic<Int>(-1), waited = Atomic<Bool>(false)
        // Standing-by threads look at the count only once a second by themselves: serving within
        // the 300 ms takes the wait's wake-up.
        harness.start(3, checkMs: 1000) { h, _ in
            if !waited.exchange(true, ordering: .relaxed) {
                let before = h.served.load(ordering: .relaxed)
                h.gate.willWait()
                usleep(300_000)
                h.gate.didWait()
                servedDuringWait.store(h.served.load(ordering: .relaxed) - before, ordering: .relaxed)
            } else {
                h.work(microseconds: 500)
            }
        }
        let deadline = MonotonicInstant.now().adding(milliseconds: 3000)
        while servedDuringWait.load(ordering: .relaxed) < 0 && MonotonicInstant.now() < deadline { usleep(5000) }
        XCTAssertGreaterThan(servedDuringWait.load(ordering: .relaxed), 50, "another thread served during the wait")
        usleep(100_000)
        // Back from its wait, the count ran over the limit until a thread went idle again.
        XCTAssertEqual(harness.gate.runningCount, 1)
        XCTAssertLessThanOrEqual(harness.mostServing.load(ordering: .relaxed), 1, "waiting is not serving: one served at a time")
        harness.stopAndWait(threads: 3)
    }

    func testADrainWakesThreadsStandingBy() {
        let harness = Harness(limit: 1, threads: 5)
        harness.start(5)
        usleep(100_000)
        XCTAssertEqual(harness.gate.standingByCount, 4)
        let stopped = MonotonicInstant.now()
        harness.stopAndWait(threads: 5)
        XCTAssertLessThan(MonotonicInstant.now().milliseconds(since: stopped), 500, "within a few wake-ups, not never")
    }
}

import CConvergenceSys
import ConvergenceCore
import Glibc
import Synchronization

/// How many of a worker's threads run at once (Go's GOMAXPROCS, for threads that
/// mostly compute): at most `limit` take connections; the others stand by, and one
/// of them steps in while a running thread waits on PostgreSQL.
///
/// Why: a warm check never leaves the process, so on a small host more running
/// threads only mean more context switches and colder caches (rung ka, 2 workers on 2
/// cores: 22–24 µs of worker CPU per check with 1 running thread per worker, 28–29 µs
/// with 2, 32–38 µs with all 8). But a cold key,
/// onboarding or a `/logs` page waits on PostgreSQL, and those waits need the spare
/// threads `threads` provides. A thread is never held back with a request in hand:
/// it stands by only when it is about to wait for the next connection, so a thread
/// back from PostgreSQL finishes its request at once and the count can run over
/// `limit` until some thread next goes idle.
package final class ActiveThreads: WaitObserver, @unchecked Sendable {
    // @unchecked: `wakeups` points at a sem_t made in init and destroyed in deinit, when no
    // thread can hold a reference; sem_t is made for concurrent post and wait. The rest is atomics.
    package let limit: Int
    /// Threads neither standing by nor waiting on PostgreSQL.
    private let running: Atomic<Int>
    private let standingBy = Atomic<Int>(0)
    private let wakeups: UnsafeMutablePointer<sem_t>

    /// `threads` start running; a `limit` of 0 or ≥ `threads` lets every thread run.
    package init(limit: Int, threads: Int) {
        self.limit = limit > 0 && limit < threads ? limit : 0
        running = Atomic(threads)
        wakeups = .allocate(capacity: 1)
        sem_init(wakeups, 0, 0)
    }

    deinit {
        sem_destroy(wakeups)
        wakeups.deallocate()
    }

    package var runningCount: Int { running.load(ordering: .relaxed) }
    package var standingByCount: Int { standingBy.load(ordering: .relaxed) }

    /// The hot path's only cost: one relaxed load per wait for connections.
    @inline(__always) package var overLimit: Bool { limit > 0 && running.load(ordering: .relaxed) > limit }

    /// Called by an idle thread (no request in hand) before it waits for connections: while
    /// more than `limit` run, it stands by until a running thread starts waiting on PostgreSQL
    /// or until `stop()` says so. Wakes every `checkMs` (a missed post or a drain cannot strand it).
    package func standByWhileOverLimit(checkMs: Int32, stop: () -> Bool) {
        guard overLimit else { return }
        // Announce first, then leave the count: a `willWait` that lowers it either sees this
        // thread standing by (and posts) or happened before the claim loop below reads the count.
        standingBy.add(1, ordering: .sequentiallyConsistent)
        running.subtract(1, ordering: .sequentiallyConsistent)
        while !claim() {
            if stop() { // a drain needs every thread back in its loop, over the limit or not
                running.add(1, ordering: .sequentiallyConsistent)
                break
            }
            _ = cv_sem_wait_ms(wakeups, checkMs)
        }
        standingBy.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// One more running thread, if that stays within the limit.
    private func claim() -> Bool {
        var current = running.load(ordering: .sequentiallyConsistent)
        while current < limit {
            let (exchanged, actual) = running.compareExchange(expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = actual
        }
        return false
    }

    package func willWait() {
        guard limit > 0 else { return }
        let now = running.subtract(1, ordering: .sequentiallyConsistent).newValue
        if now < limit && standingBy.load(ordering: .sequentiallyConsistent) > 0 { sem_post(wakeups) }
    }

    package func didWait() {
        guard limit > 0 else { return }
        running.add(1, ordering: .sequentiallyConsistent)
    }
}

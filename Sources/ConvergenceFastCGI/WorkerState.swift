import Synchronization

/// State shared by a worker's threads: only atomics, so it is Sendable by construction.
package final class WorkerState: Sendable {
    /// How long an idle thread waits for a ready connection before it looks at `stopping` again.
    static let idleWakeMs: Int32 = 250

    /// Set once: drain requested (SIGTERM, recycle, fatal listener error).
    package let stopping = Atomic<Bool>(false)
    /// Set when the worker stops because it reached max_requests.
    package let recycling = Atomic<Bool>(false)
    package let requestsServed = Atomic<Int>(0)
    package let threadsRunning = Atomic<Int>(0)
    package let inFlight = Atomic<Int>(0)

    package init() {}

    package var isStopping: Bool { stopping.load(ordering: .acquiring) }

    package func requestStop() { stopping.store(true, ordering: .releasing) }
}

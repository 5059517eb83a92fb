import Synchronization

/// State shared by a worker's threads: only atomics, so it is Sendable by construction.
final class WorkerState: Sendable {
    /// How long an idle thread waits for a ready connection before it re-checks the drain
    /// flag: short enough for snappy shutdowns, long enough to cost nothing.
    static let idleWakeMs: Int32 = 250

    /// Set once: drain requested (SIGTERM, recycle, fatal listener error).
    let stopping = Atomic<Bool>(false)
    /// Set when the worker stops because it reached max_requests.
    let recycling = Atomic<Bool>(false)
    let requestsServed = Atomic<Int>(0)
    let threadsRunning = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func requestStop() { stopping.store(true, ordering: .releasing) }
}

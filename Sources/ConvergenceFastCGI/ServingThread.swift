import ConvergenceCore

/// One worker thread's state across its requests: the ready connections it took from
/// the set in one wait and has not served yet (`ReadyConnections.Batch`).
///
/// It is also the wait observer of the thread's PostgreSQL connections. Before the
/// thread blocks on a wait, the rest of its batch goes back to the set, so another
/// thread serves those requests meanwhile instead of after the wait (one slow request
/// held up every connection that had been ready with it); then `ActiveThreads` lets a
/// spare thread run. A thread that never waits keeps its whole batch: one wait for
/// several requests under load.
package final class ServingThread: WaitObserver, @unchecked Sendable {
    // @unchecked: `batch` is read and written only on the thread that runs
    // `FastCGIAcceptLoop.run` with this object. The wait hooks run on that thread as
    // well: only that thread's own PostgreSQL connections call them. The other
    // properties are immutable references to Sendable objects.
    var batch = ReadyConnections.Batch()
    let connections: ReadyConnections
    private let active: ActiveThreads
    /// Takes the listener's waiting connections into the set (a listener event in the
    /// batch cannot be re-armed: its edge was this thread's alone).
    private let acceptIntoSet: @Sendable () -> Void

    init(connections: ReadyConnections, active: ActiveThreads, acceptIntoSet: @escaping @Sendable () -> Void) {
        self.connections = connections
        self.active = active
        self.acceptIntoSet = acceptIntoSet
    }

    package func willWait() {
        if !batch.isEmpty { connections.handBack(&batch, listener: acceptIntoSet) }
        active.willWait()
    }

    package func didWait() { active.didWait() }
}

import ConvergenceStore
import Synchronization

/// What another thread may ask of a run in progress: cancel it (the client asked)
/// or give it back (the executor is stopping). Shared between a runner thread and
/// the executor's monitor and signal threads, so all state sits behind a Mutex.
final class RunControl: Sendable {
    enum Interruption: Equatable { case none, cancel, stop }

    private struct State {
        var runID: String?
        var canceller: PostgresCanceller?
        var interruption = Interruption.none
    }

    private let state = Mutex(State())

    /// A new run starts on this runner; interruptions of the previous one are forgotten
    /// unless the executor is stopping.
    func begin(runID: String?) {
        state.withLock {
            $0.runID = runID
            $0.canceller = nil
            if $0.interruption == .cancel { $0.interruption = .none }
        }
    }

    /// The statement now running can be cancelled through `canceller` (nil: none running).
    func setCanceller(_ canceller: PostgresCanceller?) {
        state.withLock { $0.canceller = canceller }
    }

    var interruption: Interruption { state.withLock { $0.interruption } }

    /// The run this runner works on now (nil: idle, or it gave up on a run after losing PostgreSQL).
    var currentRunID: String? { state.withLock { $0.runID } }

    /// Cancels `runID` if this runner works on it; true when it did.
    func cancel(runID: String) -> Bool {
        let canceller: PostgresCanceller?? = state.withLock {
            guard $0.runID == runID else { return nil }
            if $0.interruption == .none { $0.interruption = .cancel }
            return .some($0.canceller)
        }
        guard let found = canceller else { return false }
        found?.cancel()
        return true
    }

    /// Executor shutdown: cancel the current statement; the runner re-queues the run.
    func stop() {
        let canceller = state.withLock {
            $0.interruption = .stop
            return $0.canceller
        }
        canceller?.cancel()
    }
}

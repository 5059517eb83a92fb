import CConvergenceSys
import ConvergenceCore
import ConvergenceShared
import Glibc

/// The start every supervised child (worker, audit flusher, pipeline executor) shares,
/// php-fpm's `fpm_child_init` in one place: parent-death signal, SIGPIPE ignored, stop
/// signals blocked before any thread exists, the database password, the shared-memory
/// region; then the readiness byte, the wait for a stop signal and the drain.
public struct ChildProcess: SupervisedProcess {
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public let config: Config
    public let logger: Logger
    public let environment: [String: String]
    /// From `database_password_file`, else the environment.
    public let databasePassword: String?
    /// The supervisor's region (fd 4): metrics and rate-limit buckets.
    public let shared: SharedRegion

    /// Waited for (`stopSignal`), never delivered to a thread.
    private static let waitedSignals = [SIGTERM, SIGINT, SIGHUP]

    /// Any failure means the child cannot start: it exits `ProcessExit.cannotStart`.
    public static func start(config: Config, logger: Logger, environment: [String: String]) throws(StartFailure) -> ChildProcess {
        // If the supervisor dies (even by SIGKILL), drain and exit rather than linger.
        cv_set_parent_death_signal(SIGTERM)
        signal(SIGPIPE, SIG_IGN)
        var mask = signalSet()
        // Blocked before any thread starts, so they reach only `stopSignal`.
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        let password: String?
        do { password = try ConfigLoader.databasePassword(config: config, environment: environment) } catch {
            throw StartFailure(description: error.description)
        }
        let shared: SharedRegion
        do { shared = try SharedRegion.attach(environment: environment) } catch {
            throw StartFailure(description: error.description)
        }
        return ChildProcess(config: config, logger: logger, environment: environment, databasePassword: password, shared: shared)
    }

    private static func signalSet() -> sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in waitedSignals { sigaddset(&mask, signal) }
        return mask
    }

    /// Bytes a child writes on its readiness pipe.
    public enum Notice: UInt8 {
        /// Serving.
        case ready = 1
        /// A worker reached `max_requests` and drains: start its replacement now, not at
        /// its exit (draining kept connections can take until nginx lets them go).
        case recycling = 2
    }

    /// Tells the supervisor the process is serving (one byte on the readiness pipe).
    public func notifyReady() {
        send(.ready, closing: true)
    }

    /// Like `notifyReady`, but the pipe stays open for a later `notifyRecycling`.
    public func notifyReadyKeepingPipe() {
        send(.ready, closing: false)
    }

    /// The worker stops accepting because it reached `max_requests` (after `notifyReadyKeepingPipe`).
    public func notifyRecycling() {
        send(.recycling, closing: true)
    }

    private func send(_ notice: Notice, closing: Bool) {
        guard let fd = environment["CONVERGENCE_WORKER_READY_FD"].flatMap(Int32.init) else { return }
        var byte = notice.rawValue
        _ = write(fd, &byte, 1)
        if closing { close(fd) }
    }

    /// Waits up to `ms` for SIGTERM or SIGINT and returns it; nil if none came. SIGHUP is
    /// the supervisor's business (it replaces us by SIGTERM): consumed and ignored.
    public func stopSignal(waitingMs ms: Int) -> Int32? {
        var mask = ChildProcess.signalSet()
        var timeout = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        while true {
            let signal = sigtimedwait(&mask, nil, &timeout)
            if signal == SIGTERM || signal == SIGINT { return signal }
            if signal < 0 { return nil } // timeout (EAGAIN) or EINTR
            timeout = timespec(tv_sec: 0, tv_nsec: 0) // SIGHUP: look once more, without waiting
        }
    }

    /// Blocks until SIGTERM or SIGINT (returned), or until `stopped()` says the process
    /// stops by itself (nil).
    public func waitForStop(unless stopped: () -> Bool = { false }) -> Int32? {
        while !stopped() {
            if let signal = stopSignal(waitingMs: 200) { return signal }
        }
        return nil
    }

    /// Waits up to `shutdown_timeout_seconds` for `threadsRunning()` to reach zero; false on timeout.
    public func drain(threadsRunning: () -> Int) -> Bool {
        let deadline = MonotonicInstant.now().adding(milliseconds: config.shutdownTimeoutSeconds * 1000)
        while threadsRunning() > 0 {
            if MonotonicInstant.now() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }
}

/// What convergence's exit codes mean, to the supervisor and to an operator.
public enum ProcessExit: Int32, Sendable {
    /// Done: a child that drained, a command that succeeded.
    case clean = 0
    /// A command failed.
    case failure = 1
    /// The command line was wrong (sysexits' EX_USAGE).
    case usage = 64
    /// A worker served `max_requests` and asks to be replaced (no back-off).
    case recycle = 75
    /// Cannot start: configuration or environment (sysexits' EX_CONFIG). Every start-up
    /// failure of every child exits with this, and the supervisor treats them alike
    /// (`ChildFailurePolicy`).
    case cannotStart = 78
    /// A reload's replacement worker cannot serve yet (PostgreSQL unreachable, so its key
    /// and policy caches would start empty): the old worker keeps serving, the reload is retried.
    case postponed = 79

    /// A child stopped with work abandoned at `shutdown_timeout_seconds` (a worker's in-flight
    /// requests): a stop that cut requests is not a clean one, `serve` exits 1.
    public static let drainTimeout = ProcessExit.failure
}

/// What a supervised child's main needs from its bootstrap (ConvergenceSupervisor's
/// `ChildProcess`): subsystems such as the audit flusher run under it without
/// importing the supervisor.
public protocol SupervisedProcess: Sendable {
    /// The database password, read before threads started (and before privileges dropped).
    var databasePassword: String? { get }
    /// Tells the supervisor this child is up.
    func notifyReady()
    /// Waits up to `ms` for a stop signal (SIGTERM, SIGINT, SIGHUP); the signal, or nil.
    func stopSignal(waitingMs ms: Int) -> Int32?
}

/// Worker exit codes with a meaning for the supervisor.
public enum WorkerExitCode {
    /// The worker served `max_requests` and asks to be replaced (no back-off).
    public static let recycle: Int32 = 75
    /// The worker could not start (bad environment): restarting will not help.
    public static let fatal: Int32 = 78
    /// A reload's replacement cannot serve yet (PostgreSQL unreachable, so its key and
    /// policy caches would start empty): the old worker keeps serving, the reload is retried.
    public static let postponed: Int32 = 79
}

import ConvergenceAudit
import ConvergenceCore
import Glibc

/// A supervised process beside the request workers (the audit flusher, the
/// pipeline executor): started as `convergence <name>` with the same encoded
/// configuration as a worker, restarted with back-off when it dies, replaced on
/// SIGHUP and stopped on shutdown.
public struct AuxiliaryRole: Sendable {
    /// The subcommand, also the process's log role.
    public let name: String
    /// Stopped only once every worker has exited, so it can drain what they handed it
    /// (the audit flusher). Others are stopped together with the workers.
    public let stopsAfterWorkers: Bool
    public let isEnabled: @Sendable (Config) -> Bool
    /// The process's main: returns its exit code. Report readiness with `notifyReady`.
    public let run: @Sendable (_ config: Config, _ logger: Logger, _ environment: [String: String]) -> Int32

    public init(name: String, stopsAfterWorkers: Bool, isEnabled: @escaping @Sendable (Config) -> Bool,
                run: @escaping @Sendable (Config, Logger, [String: String]) -> Int32) {
        self.name = name
        self.stopsAfterWorkers = stopsAfterWorkers
        self.isEnabled = isEnabled
        self.run = run
    }

    /// Every role the binary knows; each feature adds its own here.
    public static let all: [AuxiliaryRole] = [AuditFlusher.role, PipelineExecutor.role]

    public static func enabled(for config: Config) -> [AuxiliaryRole] {
        all.filter { $0.isEnabled(config) }
    }

    public static func named(_ name: String) -> AuxiliaryRole? {
        all.first { $0.name == name }
    }

    /// Tells the supervisor the process is up (one byte on the readiness pipe; workers send it once they accept).
    public static func notifyReady(environment: [String: String]) {
        guard let fd = environment["CONVERGENCE_WORKER_READY_FD"].flatMap(Int32.init) else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
        close(fd)
    }
}

/// One auxiliary process position; its pid changes over restarts.
struct AuxiliarySlot {
    let role: AuxiliaryRole
    var pid: pid_t?
    var readyPipe: Int32?
    var startedAt = MonotonicInstant.now()
    var restartAt: MonotonicInstant?
    /// Asked to exit by a reload: start the replacement at once when it does.
    var replaceOnExit = false
    /// SIGTERM already sent during shutdown (sent once, not on every loop turn).
    var stopSent = false
    /// Turned off by a reload: not restarted when it exits.
    var disabled = false
    var backoff: RestartBackoff

    init(role: AuxiliaryRole, backoff: RestartBackoff) {
        self.role = role
        self.backoff = backoff
    }
}

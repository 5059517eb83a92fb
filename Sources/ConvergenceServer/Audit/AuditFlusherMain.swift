import ConvergenceAudit
import ConvergenceCore
import ConvergenceSupervisor

extension AuditFlusher {
    /// `convergence audit-flusher`'s main: the flusher under the one child bootstrap, its
    /// metrics in the shared region (the audit target knows neither the supervisor nor the roles).
    public static func main(_ child: ChildProcess) -> ProcessExit {
        AuditFlusher(config: child.config, logger: child.logger, environment: child.environment,
                     metrics: SharedAuditMetrics(region: child.shared)).run(child)
    }
}

import ConvergenceAudit
import ConvergenceCore
import ConvergenceShared

extension AuditFlusher {
    /// `convergence audit-flusher`: the flusher as one of the supervisor's auxiliary roles.
    public static let role = AuxiliaryRole(name: "audit-flusher", stopsAfterWorkers: true, isEnabled: { $0.auditEnabled }) {
        config, logger, environment in
        let region: SharedRegion
        do { region = try SharedRegion.attach(environment: environment) } catch {
            logger.error("cannot start", ["error": .string(String(describing: error))])
            return WorkerExitCode.fatal
        }
        let flusher = AuditFlusher(config: config, logger: logger, environment: environment, metrics: SharedAuditMetrics(region: region))
        return flusher.run(notifyReady: { AuxiliaryRole.notifyReady(environment: environment) })
    }
}

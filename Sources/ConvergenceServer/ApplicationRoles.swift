import ConvergenceSupervisor

/// The application's child roles, registered with the supervisor by the executable
/// (`convergence serve`) and dispatched by it (`convergence <name>`).
public enum ApplicationRoles {
    public static let auditFlusher = AuxiliaryRole(name: "audit-flusher", stopsAfterWorkers: true, isEnabled: { $0.auditEnabled })
    public static let pipelineExecutor = AuxiliaryRole(name: "pipeline-executor", stopsAfterWorkers: false, isEnabled: { $0.executorEnabled })
    /// Always on: it is how changes made on another host (or by `convergence admin`) reach this one's caches.
    public static let cacheListener = AuxiliaryRole(name: "cache-listener", stopsAfterWorkers: false, isEnabled: { _ in true })
    /// Leases rate-limit tokens from the central buckets (`rate_limit_scope = cluster` only).
    public static let rateLeaser = AuxiliaryRole(name: "rate-leaser", stopsAfterWorkers: false,
                                                 isEnabled: { $0.rateLimitEnabled && $0.rateLimitScope == .cluster })
    /// Always on: adds the host's budget usage to PostgreSQL's totals and reads them back; stops
    /// after the workers so that their last reservations are stored.
    public static let budgetKeeper = AuxiliaryRole(name: "budget-keeper", stopsAfterWorkers: true, isEnabled: { _ in true })
    public static let children = ChildRoles(worker: "worker",
                                            auxiliaries: [auditFlusher, pipelineExecutor, cacheListener, rateLeaser, budgetKeeper])
}

import ConvergenceSupervisor

/// The application's child roles, registered with the supervisor by the executable
/// (`convergence serve`) and dispatched by it (`convergence <name>`).
public enum ApplicationRoles {
    public static let auditFlusher = AuxiliaryRole(name: "audit-flusher", stopsAfterWorkers: true, isEnabled: { $0.auditEnabled })
    public static let pipelineExecutor = AuxiliaryRole(name: "pipeline-executor", stopsAfterWorkers: false, isEnabled: { $0.executorEnabled })
    public static let children = ChildRoles(worker: "worker", auxiliaries: [auditFlusher, pipelineExecutor])
}

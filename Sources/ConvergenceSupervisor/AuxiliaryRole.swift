import ConvergenceCore
import Glibc

/// A supervised process beside the request workers (the audit flusher, the
/// pipeline executor): started as `convergence <name>` with the same encoded
/// configuration as a worker, restarted with back-off when it dies, replaced on
/// SIGHUP and stopped on shutdown. The supervisor knows it only by this value.
public struct AuxiliaryRole: Sendable {
    /// The subcommand, also the process's log role.
    public let name: String
    /// Stopped only once every worker has exited, so it can drain what they handed it
    /// (the audit flusher). Others are stopped together with the workers.
    public let stopsAfterWorkers: Bool
    public let isEnabled: @Sendable (Config) -> Bool

    public init(name: String, stopsAfterWorkers: Bool, isEnabled: @escaping @Sendable (Config) -> Bool) {
        self.name = name
        self.stopsAfterWorkers = stopsAfterWorkers
        self.isEnabled = isEnabled
    }
}

/// The processes `convergence serve` supervises, as the executable registers them:
/// each runs as `convergence <name>`, and the executable dispatches that name.
public struct ChildRoles: Sendable {
    /// The request workers' subcommand.
    public let worker: String
    public let auxiliaries: [AuxiliaryRole]

    public init(worker: String, auxiliaries: [AuxiliaryRole]) {
        self.worker = worker
        self.auxiliaries = auxiliaries
    }

    public func enabledAuxiliaries(for config: Config) -> [AuxiliaryRole] {
        auxiliaries.filter { $0.isEnabled(config) }
    }
}

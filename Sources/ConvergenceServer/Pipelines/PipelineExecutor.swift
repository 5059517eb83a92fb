import CConvergenceSys
import ConvergenceCore
import ConvergencePipelines
import ConvergenceShared
import ConvergenceStore
import ConvergenceSupervisor
import Glibc
import Synchronization

/// `convergence pipeline-executor`: started and restarted by the supervisor.
/// `executor_concurrency` runner threads each claim queued runs (woken by
/// NOTIFY, or polling) and run them on their own connection; a monitor thread
/// renews this process's leases, passes cancel requests to the runners and
/// re-queues or fails runs whose executor died. SIGTERM cancels the current
/// steps, gives their runs back to the queue and exits.
public enum PipelineExecutor {
    /// How often idle threads look at the stop flag.
    static let tickMs = 200

    final class Shared: Sendable {
        let stopping = Atomic<Bool>(false)
        let threadsRunning = Atomic<Int>(0)
        let controls: [RunControl]
        init(runners: Int) { controls = (0..<runners).map { _ in RunControl() } }
        var isStopping: Bool { stopping.load(ordering: .acquiring) }
    }

    public static func run(_ child: ChildProcess) -> ProcessExit {
        let config = child.config, logger = child.logger
        let metrics: any PipelineMetricsSink = SharedPipelineMetrics(region: child.shared)
        let database = ConnectionInfo(url: config.databaseURL, password: child.databasePassword,
                                      connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                      applicationName: "convergence-executor")

        let owner = HostIdentity.processName()
        let shared = Shared(runners: config.executorConcurrency)
        for index in 0..<config.executorConcurrency {
            shared.threadsRunning.add(1, ordering: .relaxed)
            let started = startThread {
                runnerLoop(index: index, shared: shared, config: config, database: database, owner: owner, metrics: metrics, logger: logger)
                shared.threadsRunning.subtract(1, ordering: .releasing)
            }
            guard started != nil else {
                logger.error("cannot start executor thread", ["error": .string(errnoText())])
                return .cannotStart
            }
        }
        shared.threadsRunning.add(1, ordering: .relaxed)
        _ = startThread {
            monitorLoop(shared: shared, config: config, database: database, owner: owner, metrics: metrics, logger: logger)
            shared.threadsRunning.subtract(1, ordering: .releasing)
        }
        child.notifyReady()
        logger.info("executor started", ["owner": .string(owner), "concurrency": .int(config.executorConcurrency)])

        _ = child.waitForStop()
        logger.info("executor stopping: cancelling current steps, giving their runs back to the queue")
        shared.stopping.store(true, ordering: .releasing)
        for control in shared.controls { control.stop() }
        guard child.drain(threadsRunning: { shared.threadsRunning.load(ordering: .acquiring) }) else {
            logger.error("executor stop timeout: exiting with runs in progress (their leases will expire)")
            return .drainTimeout
        }
        logger.info("executor stopped")
        return .clean
    }

    // MARK: Runner threads

    static func runnerLoop(index: Int, shared: Shared, config: Config, database: ConnectionInfo, owner: String,
                           metrics: any PipelineMetricsSink, logger: Logger) {
        let db = PostgresConnection(database)
        defer { db.close() }
        let runner = PipelineRunner(db: db, owner: owner, leaseSeconds: config.pipelineLeaseSeconds,
                                    defaultTimeoutSeconds: config.pipelineStepTimeoutSeconds, dataDirectory: config.pipelineDataDir,
                                    control: shared.controls[index], metrics: metrics, logger: logger)
        var listeningOn: Int32 = 0
        var sinceClaimMs = Int.max // claim at once on start
        var notified = true
        while !shared.isStopping {
            do {
                if listeningOn == 0 || listeningOn != db.backendPID {
                    try db.listen(PipelineQueue.notifyChannel)
                    listeningOn = db.backendPID
                    notified = true
                }
                if notified || sinceClaimMs >= config.executorPollIntervalMs {
                    sinceClaimMs = 0
                    if let claimed = try runner.queue.claim(owner: owner, leaseSeconds: config.pipelineLeaseSeconds) {
                        _ = try runner.run(claimed)
                        notified = true // look again at once: more may be waiting
                        continue
                    }
                }
                notified = try db.waitForNotification(timeoutMs: tickMs)
                sinceClaimMs = notified ? 0 : sinceClaimMs &+ tickMs
            } catch {
                logger.warning("executor runner error; retrying in 1 s", ["runner": .int(index), "error": .string(String(describing: error))])
                listeningOn = 0
                db.close()
                usleep(1_000_000)
            }
        }
    }

    // MARK: Monitor thread

    static func monitorLoop(shared: Shared, config: Config, database: ConnectionInfo, owner: String,
                            metrics: any PipelineMetricsSink, logger: Logger) {
        let db = PostgresConnection(database)
        defer { db.close() }
        let queue = PipelineQueue(db: db)
        var listeningOn: Int32 = 0
        var lastBeat: MonotonicInstant?
        while !shared.isStopping {
            do {
                if listeningOn == 0 || listeningOn != db.backendPID {
                    try db.listen(PipelineQueue.cancelChannel)
                    listeningOn = db.backendPID
                }
                let notified = try db.waitForNotification(timeoutMs: tickMs)
                let due = lastBeat.map { MonotonicInstant.now().milliseconds(since: $0) >= Double(config.pipelineHeartbeatSeconds * 1000) } ?? true
                guard notified || due else { continue }
                lastBeat = .now()
                let active = shared.controls.compactMap(\.currentRunID)
                for id in try queue.heartbeat(owner: owner, runs: active, leaseSeconds: config.pipelineLeaseSeconds) {
                    if shared.controls.contains(where: { $0.cancel(runID: id) }) {
                        logger.info("pipeline run cancel requested", ["pipeline_logging_id": .string(id)])
                    }
                }
                guard due else { continue }
                for expired in try queue.reapExpired(maxAttempts: config.pipelineMaxAttempts) {
                    metrics.runLeaseExpired(retried: expired.retried)
                    logger.warning(expired.retried ? "pipeline run lost its executor; retrying" : "pipeline run lost its executor; failed",
                                   ["pipeline_logging_id": .string(expired.id), "tenant_id": .string(expired.tenantID),
                                    "attempts": .int(expired.attempts)])
                }
            } catch {
                logger.warning("executor monitor error; retrying in 1 s", ["error": .string(String(describing: error))])
                listeningOn = 0
                db.close()
                usleep(1_000_000)
            }
        }
    }

}

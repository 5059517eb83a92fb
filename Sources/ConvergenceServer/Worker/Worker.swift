import CConvergenceSys
import CFastCGI
import ConvergenceAudit
import ConvergenceCore
import ConvergenceFastCGI
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceShared
import ConvergenceStore
import Glibc
import ConvergenceSupervisor

/// `convergence worker`: started by the supervisor with the listener on fd 0.
/// Runs `threads` accept loops and drains on SIGTERM: no new connections,
/// in-flight requests finish, connections nginx keeps are served until nginx
/// closes them (`FastCGIAcceptLoop.serve` says why), then exit 0.
public struct Worker: Sendable {
    let child: ChildProcess
    var config: Config { child.config }
    var logger: Logger { child.logger }
    var environment: [String: String] { child.environment }

    public init(_ child: ChildProcess) {
        self.child = child
    }

    public func run() -> ProcessExit {
        guard cv_is_listening_socket(0) == 1 else {
            logger.error("fd 0 is not a listening socket; workers are started by `convergence serve`")
            return .cannotStart
        }
        let keyring: MasterKeyring?
        do { keyring = try MasterKeys.load(config: config, environment: environment) } catch {
            logger.error("cannot start", ["error": .string(error.description)])
            return .cannotStart
        }
        let shared = child.shared
        let database = ConnectionInfo(url: config.databaseURL, password: child.databasePassword,
                                      connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                      applicationName: "convergence-worker")
        let auditRead = config.auditReadDatabaseURL.isEmpty ? nil : ConnectionInfo(
            url: config.auditReadDatabaseURL, password: child.databasePassword, connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
            applicationName: "convergence-worker-audit-read")
        // A reload's replacement starts with empty key and policy caches. During a PostgreSQL
        // outage it could not fill them, while the worker it replaces still holds what it
        // read: it would turn nearly every check into a 503. So it steps back (exit 79)
        // before making anything (no spool files), and the supervisor keeps the old worker
        // and retries the reload until PostgreSQL answers. (Chosen over a cache snapshot on
        // disk: nothing about keys reaches the disk, and a reload can only keep things as
        // they were.)
        if environment["CONVERGENCE_RELOAD_CANDIDATE"] == "1", (try? PostgresConnection(database).query("SELECT 1")) == nil {
            logger.warning("replacement worker cannot reach PostgreSQL; the running worker keeps serving")
            return .postponed
        }
        // Opened before any request: a check is answered only once its record is spooled.
        var audit: AuditSpool?
        if config.auditEnabled {
            // Degraded, not fatal: a spool that cannot make its segments (a full disk) leaves the
            // worker serving, checks answered per audit_full_policy, until segments can be made.
            do { audit = try AuditSpool(config: config, logger: logger, metrics: SharedAuditMetrics(region: shared),
                                            lanes: config.threads, degraded: true) } catch {
                logger.error("cannot open the audit spool", ["dir": .string(config.auditSpoolDir), "error": .string(error.description)])
                return .cannotStart
            }
            guard audit?.startBackgroundThread() == true else {
                logger.error("cannot start the audit spool thread", ["error": .string(errnoText())])
                return .cannotStart
            }
        }
        let spool = audit

        FCGX_Init()

        let state = WorkerState()
        let active = ActiveThreads(limit: config.effectiveActiveThreads(), threads: config.threads)
        let loop = FastCGIAcceptLoop(
            listenFD: 0, isTCP: cv_socket_family(0) != AF_UNIX, maxBodyBytes: config.maxBodyBytes,
            maxRequests: config.maxRequests, router: Routes.make(config: config, shared: shared), state: state, active: active, logger: logger,
            mapError: ResponseFinishing.mapError, finish: ResponseFinishing.finish)
        let connections: ReadyConnections
        do { connections = try ReadyConnections(listenFD: 0) } catch {
            logger.error("cannot watch the listener", ["error": .string(String(describing: error))])
            return .cannotStart
        }
        let caches = WorkerCaches(keyTTLMs: config.keyCacheTTLMs, policyTTLMs: config.policyCacheTTLMs, stash: SharedStash(region: shared))
        for lane in 0..<config.threads {
            state.threadsRunning.add(1, ordering: .relaxed)
            let started = startThread {
                // Waits on PostgreSQL let a standing-by thread run meanwhile.
                let primary = PostgresConnection(database), auditReader = auditRead.map(PostgresConnection.init)
                let thread = loop.makeThread(connections: connections)
                primary.waitObserver = thread
                auditReader?.waitObserver = thread
                let context = RequestContext(database: primary, logger: logger, config: config, keyring: keyring,
                                             shared: shared, audit: spool, auditLane: lane, caches: caches,
                                             auditReadDatabase: auditReader)
                loop.run(thread, context: context)
                state.threadsRunning.subtract(1, ordering: .releasing)
            }
            if started == nil {
                logger.error("cannot start worker thread", ["error": .string(errnoText())])
                return .cannotStart
            }
        }
        child.notifyReadyKeepingPipe()
        logger.debug("worker accepting", ["threads": .int(config.threads), "active_threads": .int(active.limit)])

        if let signal = child.waitForStop(unless: { state.isStopping }) {
            logger.debug("drain requested", ["signal": .string(signalName(signal))])
            state.requestStop()
            // At once, not at the threads' next idle wake-up: a connection accepted now would
            // be one more that nginx may keep (and this worker serve) until it closes it.
            connections.stopAccepting()
        } else if state.recycling.load(ordering: .relaxed) {
            child.notifyRecycling()
        }
        let code = drain(state: state)
        // The listener: once every worker has let go, a stopping service refuses connections
        // at once. Only when no thread can still be in accept(2) on it (a drain timeout leaves some).
        if state.threadsRunning.load(ordering: .acquiring) == 0 { close(0) }
        spool?.close() // synced and unlocked: the flusher drains it and deletes it
        return code
    }

    private func drain(state: WorkerState) -> ProcessExit {
        let abandoned = !child.drain(threadsRunning: { state.threadsRunning.load(ordering: .acquiring) })
        if abandoned {
            logger.error("drain timeout: abandoning in-flight requests",
                         ["in_flight": .int(state.inFlight.load(ordering: .relaxed))])
        }
        let served = state.requestsServed.load(ordering: .relaxed)
        if state.recycling.load(ordering: .relaxed) {
            logger.info("worker recycling", ["requests": .int(served)])
            return .recycle
        }
        if abandoned { return .drainTimeout }
        logger.debug("worker drained", ["requests": .int(served)])
        return .clean
    }
}

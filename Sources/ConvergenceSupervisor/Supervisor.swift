import CConvergenceSys
import ConvergenceCore
import ConvergenceShared
import Glibc

/// `convergence serve`: owns the listener and keeps `workers` worker processes
/// alive, php-fpm style.
///
/// - a dead worker is restarted with exponential back-off; a child's failure never stops
///   its healthy siblings (`ChildFailurePolicy`): only a worker that cannot start before
///   anything ever served, or a crash loop with no worker serving, stops the service;
/// - SIGHUP re-reads the configuration and replaces workers one at a time, each
///   old worker retiring only after its replacement accepts (no failed request);
/// - SIGTERM/SIGINT drain: workers finish in-flight requests, then everything exits 0.
///
/// Everything runs on one thread around poll(2) over a signalfd and the workers'
/// readiness pipes, so there are no signal-handler races to reason about.
public final class Supervisor {
    private var config: Config
    private let configPath: String?
    private let roles: ChildRoles
    private let environment: [String: String]
    private var logger: Logger
    private let listener: Listener
    private let spawner: ProcessSpawner
    private let signalFD: Int32
    /// Created before any child and kept for the supervisor's life: counters in it
    /// never go backwards while we live, whatever happens to the workers.
    private let shared: SharedRegion
    private let metrics: MetricsRecorder

    private var slots: [WorkerSlot] = []
    private var auxiliaries: [AuxiliarySlot] = []
    /// Workers asked to leave (reload, shrink, shutdown) that have not exited yet.
    private var retiring: Set<pid_t> = []
    private var reload: RollingReload?
    private var stopDeadline: MonotonicInstant?
    private var exitCode: Int32 = 0
    private var generation = 0
    private var allReadyLogged = false
    /// A worker has reported ready at least once in this supervisor's life.
    private var everServed = false
    /// Closed (and its path removed) as soon as a stop begins.
    private var listenerClosed = false
    /// A reload postponed because its replacement could not reach PostgreSQL resumes here.
    private var reloadRetryAt: MonotonicInstant?
    private var reloadPostponedLogged = false
    static let reloadRetryMs = 2000

    /// Time a replacement worker has to report ready during a reload.
    static let readyTimeoutMs = 15_000

    public init(config: Config, configPath: String?, roles: ChildRoles, environment: [String: String],
                logger: Logger) throws(Listener.Failure) {
        self.config = config
        self.roles = roles
        self.configPath = configPath
        self.environment = environment
        self.logger = logger
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&mask, signal) }
        // Blocked before any other thread exists, so every signal lands in the signalfd.
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        signal(SIGPIPE, SIG_IGN)
        signalFD = cv_signalfd_open(&mask)
        guard signalFD >= 0 else { throw Listener.Failure(description: "signalfd: \(errnoText())") }
        listener = try Listener.open(config)
        do { shared = try SharedRegion.create(config: config) } catch {
            listener.close()
            throw Listener.Failure(description: error.description)
        }
        metrics = MetricsRecorder(region: shared, customerCap: config.metricsCustomerCap)
        spawner = ProcessSpawner(executable: currentExecutablePath(), sharedFD: shared.fd)
    }

    /// Runs until shutdown; returns the process exit code.
    public func run() -> Int32 {
        logger.info("supervisor started", [
            "listen": .string(listener.address.description), "workers": .int(config.effectiveWorkers),
            "threads": .int(config.threads), "version": .string(ConvergenceVersion.string),
            "shm_bytes": .int(shared.totalBytes),
        ])
        metrics.set(MetricFamilies.workersConfigured, [], Double(config.effectiveWorkers))
        auxiliaries = roles.enabledAuxiliaries(for: config).map { AuxiliarySlot(role: $0, backoff: makeBackoff()) }
        for index in auxiliaries.indices { startAuxiliary(index) }
        slots = (0..<config.effectiveWorkers).map { WorkerSlot(id: $0, backoff: makeBackoff()) }
        for index in slots.indices { start(slot: index) }

        while true {
            pollOnce()
            runTimers()
            guard stopDeadline != nil else { continue }
            let workersGone = slots.allSatisfy({ $0.pid == nil }) && retiring.isEmpty && reload?.candidate == nil
            if workersGone { stopAuxiliaries(includingDrainers: true) }
            if workersGone, auxiliaries.allSatisfy({ $0.pid == nil }) { break }
        }
        closeListener()
        logger.info("supervisor stopped", ["exit_code": .int(Int(exitCode))])
        return exitCode
    }

    // MARK: - Event loop

    private func publishWorkerCount() {
        metrics.set(MetricFamilies.workersAlive, [], Double(slots.filter { $0.pid != nil }.count))
    }

    private func pollOnce() {
        var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        for slot in slots where !slot.ready { if let pipe = slot.readyPipe { fds.append(pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)) } }
        for aux in auxiliaries { if let pipe = aux.readyPipe { fds.append(pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)) } }
        if let candidate = reload?.candidate { fds.append(pollfd(fd: candidate.readyPipe, events: Int16(POLLIN), revents: 0)) }
        let timeout = Int32(max(0, min(1000, millisecondsUntilNextTimer())))
        let n = poll(&fds, nfds_t(fds.count), timeout)
        guard n > 0 else { return }
        for entry in fds where entry.revents != 0 {
            if entry.fd == signalFD { drainSignals() } else { readinessChanged(pipe: entry.fd) }
        }
    }

    private func drainSignals() {
        while true {
            let signal = cv_signalfd_read(signalFD)
            guard signal > 0 else { return }
            switch signal {
            case SIGCHLD: reapChildren()
            case SIGTERM, SIGINT: beginStop(reason: signalName(signal))
            case SIGHUP: beginReload()
            default: break
            }
        }
    }

    private func millisecondsUntilNextTimer() -> Int {
        let now = MonotonicInstant.now()
        var deadlines = slots.compactMap(\.restartAt) + auxiliaries.compactMap(\.restartAt)
        if let stopDeadline { deadlines.append(stopDeadline) }
        if let candidate = reload?.candidate { deadlines.append(candidate.deadline) }
        if let reloadRetryAt { deadlines.append(reloadRetryAt) }
        guard let next = deadlines.min() else { return 1000 }
        return Int(next.milliseconds(since: now).rounded(.up))
    }

    private func runTimers() {
        let now = MonotonicInstant.now()
        if let stopDeadline, now >= stopDeadline {
            forceKillEverything()
            return
        }
        guard stopDeadline == nil else { return }
        for index in slots.indices {
            if let restartAt = slots[index].restartAt, now >= restartAt {
                slots[index].restartAt = nil
                start(slot: index)
            }
        }
        for index in auxiliaries.indices {
            if let restartAt = auxiliaries[index].restartAt, now >= restartAt {
                auxiliaries[index].restartAt = nil
                startAuxiliary(index)
            }
        }
        if let candidate = reload?.candidate, now >= candidate.deadline {
            logger.error("reload aborted: replacement worker did not become ready in time",
                         ["worker": .int(candidate.slot), "pid": .int(Int(candidate.pid))])
            kill(candidate.pid, SIGKILL)
            retiring.insert(candidate.pid)
            if candidate.readyPipe >= 0 { close(candidate.readyPipe) }
            reload = nil
        }
        if let at = reloadRetryAt, now >= at {
            reloadRetryAt = nil
            advanceReload()
        }
    }

    // MARK: - Workers

    private func makeBackoff() -> RestartBackoff {
        RestartBackoff(initialMs: config.restartBackoffInitialMs, maxMs: config.restartBackoffMaxMs, crashLoopMax: config.crashLoopMax)
    }

    private func spawnWorker(slot: Int, reloadCandidate: Bool = false) -> ProcessSpawner.Spawned? {
        generation += 1
        var env = childEnvironment()
        if reloadCandidate { env["CONVERGENCE_RELOAD_CANDIDATE"] = "1" }
        env["CONVERGENCE_WORKER_ID"] = String(slot)
        env["CONVERGENCE_WORKER_GENERATION"] = String(generation)
        do {
            return try spawner.spawn(arguments: [roles.worker], listenerFD: listener.fd, environment: env)
        } catch {
            logger.error("cannot start worker", ["worker": .int(slot), "error": .string(error.description)])
            return nil
        }
    }

    /// What every child gets: the validated configuration and its readiness fd.
    private func childEnvironment() -> [String: String] {
        var env = environment
        env["CONVERGENCE_WORKER_CONFIG"] = WorkerLaunch.encode(config)
        env["CONVERGENCE_WORKER_READY_FD"] = String(ProcessSpawner.readyFD)
        env[SharedRegion.environmentKey] = String(SharedRegion.childFD)
        return env
    }

    private func start(slot index: Int) {
        guard let spawned = spawnWorker(slot: index) else {
            scheduleRestart(index, livedMs: 0)
            return
        }
        slots[index].pid = spawned.pid
        slots[index].readyPipe = spawned.readyPipe
        slots[index].ready = false
        slots[index].startedAt = .now()
        publishWorkerCount()
        logger.debug("worker starting", ["worker": .int(index), "pid": .int(Int(spawned.pid))])
    }

    private func readinessChanged(pipe: Int32) {
        // Events gathered before this batch may name a pipe that was closed (and its
        // number reused) while handling signals: only pipes still tracked are read.
        let auxIndex = auxiliaries.firstIndex(where: { $0.readyPipe == pipe })
        guard auxIndex != nil || slots.contains(where: { $0.readyPipe == pipe }) || reload?.candidate?.readyPipe == pipe else { return }
        var byte: UInt8 = 0
        let n = read(pipe, &byte, 1)
        if n < 0, errno == EAGAIN || errno == EINTR { return }
        if let auxIndex {
            close(pipe)
            auxiliaries[auxIndex].readyPipe = nil
            if n == 1 {
                logger.info("\(auxiliaries[auxIndex].role.name) ready", ["pid": .int(Int(auxiliaries[auxIndex].pid ?? 0))])
                publishAuxiliary(auxIndex)
            }
        } else if let index = slots.firstIndex(where: { $0.readyPipe == pipe }) {
            close(pipe)
            slots[index].readyPipe = nil
            guard n == 1 else { return } // EOF: the worker died before accepting; reaping reports it
            slots[index].ready = true
            everServed = true
            logger.info("worker ready", ["worker": .int(index), "pid": .int(Int(slots[index].pid ?? 0))])
            if !allReadyLogged, slots.allSatisfy(\.ready) {
                allReadyLogged = true
                logger.info("all workers ready", ["workers": .int(slots.count)])
            }
        } else if let candidate = reload?.candidate, candidate.readyPipe == pipe {
            close(pipe)
            guard n == 1 else {
                // It exited before it was ready: its exit status (reaped next) says whether
                // the reload is postponed (79) or aborted.
                reload?.candidate?.readyPipe = -1
                return
            }
            reload?.candidate = nil
            promote(candidate)
        }
    }

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            childExited(pid: pid, how: ExitDescription(status: status))
        }
    }

    private func childExited(pid: pid_t, how: ExitDescription) {
        if let index = auxiliaries.firstIndex(where: { $0.pid == pid }) {
            auxiliaryExited(index, how: how)
            return
        }
        if retiring.remove(pid) != nil {
            logger.info("worker retired", ["pid": .int(Int(pid)), "how": .string(how.description)])
            return
        }
        if let candidate = reload?.candidate, candidate.pid == pid {
            if candidate.readyPipe >= 0 { close(candidate.readyPipe) }
            if how == .exited(code: WorkerExitCode.postponed), stopDeadline == nil {
                // The old worker keeps serving with its caches; try again shortly.
                reload?.candidate = nil
                reload?.pending.insert(candidate.slot, at: 0)
                reloadRetryAt = MonotonicInstant.now().adding(milliseconds: Supervisor.reloadRetryMs)
                if !reloadPostponedLogged {
                    logger.warning("reload postponed: the replacement worker cannot reach PostgreSQL; the running workers keep serving, retrying",
                                   ["worker": .int(candidate.slot), "retry_ms": .int(Supervisor.reloadRetryMs)])
                }
                reloadPostponedLogged = true
                return
            }
            logger.error("reload aborted: replacement worker died", ["worker": .int(candidate.slot), "how": .string(how.description)])
            reload = nil
            return
        }
        guard let index = slots.firstIndex(where: { $0.pid == pid }) else { return }
        let livedMs = Int(MonotonicInstant.now().milliseconds(since: slots[index].startedAt))
        slots[index].pid = nil
        slots[index].ready = false
        publishWorkerCount()
        if let pipe = slots[index].readyPipe { close(pipe); slots[index].readyPipe = nil }
        if stopDeadline != nil {
            logger.info("worker stopped", ["worker": .int(index), "pid": .int(Int(pid)), "how": .string(how.description)])
            return
        }
        if how == .exited(code: WorkerExitCode.recycle) {
            logger.info("worker recycled after max_requests", ["worker": .int(index), "pid": .int(Int(pid))])
            metrics.add(MetricFamilies.workerRestarts, ["recycled"])
            slots[index].backoff.reset()
            start(slot: index)
            return
        }
        let cannotStart = how == .exited(code: WorkerExitCode.fatal)
        if cannotStart {
            logger.error("worker cannot start", ["worker": .int(index), "pid": .int(Int(pid)), "how": .string(how.description)])
            metrics.add(MetricFamilies.startFailures, ["worker"])
        } else {
            logger.error("worker died", ["worker": .int(index), "pid": .int(Int(pid)), "how": .string(how.description), "lived_ms": .int(livedMs)])
            metrics.add(MetricFamilies.workerRestarts, ["crashed"])
        }
        scheduleRestart(index, livedMs: livedMs, cannotStart: cannotStart)
    }

    private func scheduleRestart(_ index: Int, livedMs: Int, cannotStart: Bool = false) {
        let siblingsServing = slots.contains { $0.id != index && $0.pid != nil && $0.ready }
        let failuresBefore = slots[index].backoff.consecutiveFailures
        let action = ChildFailurePolicy.decide(kind: .worker, cannotStart: cannotStart, everServed: everServed,
                                               siblingsServing: siblingsServing, livedMs: livedMs,
                                               longMs: config.restartBackoffLongMs, backoff: &slots[index].backoff)
        switch action {
        case .restart(let delay):
            slots[index].restartAt = MonotonicInstant.now().adding(milliseconds: delay)
            if slots[index].backoff.consecutiveFailures > config.crashLoopMax, failuresBefore <= config.crashLoopMax {
                logger.error("worker keeps failing; other workers keep serving, retrying with long back-off",
                             ["worker": .int(index), "failures": .int(slots[index].backoff.consecutiveFailures), "in_ms": .int(delay)])
            } else {
                logger.info("worker restart scheduled", ["worker": .int(index), "in_ms": .int(delay)])
            }
        case .stopService(let reason):
            if reason == "crash loop" {
                logger.error("crash loop: worker keeps dying right after start and no worker is serving; giving up",
                             ["worker": .int(index), "failures": .int(slots[index].backoff.consecutiveFailures)])
            } else {
                logger.error("no worker has ever started: stopping (a configuration or environment error; see the worker's log line)",
                             ["worker": .int(index)])
            }
            exitCode = 1
            beginStop(reason: reason)
        }
    }

    // MARK: - Reload (SIGHUP)

    private func beginReload() {
        guard stopDeadline == nil else { return }
        let fresh: Config
        do {
            fresh = try ConfigLoader.load(path: configPath, environment: environment)
        } catch {
            logger.error("reload refused: configuration invalid, keeping the running one", ["error": .string(error.description)])
            return
        }
        if fresh.listen != config.listen || fresh.listenMode != config.listenMode || fresh.listenGroup != config.listenGroup {
            logger.warning("reload: listener settings change only on restart; keeping \(listener.address)")
        }
        if fresh.rateLimitTableSize != config.rateLimitTableSize || fresh.metricsSeriesCapacity != config.metricsSeriesCapacity {
            logger.warning("reload: shared-memory sizes change only on restart; keeping the current region")
        }
        var next = fresh
        next.listen = config.listen
        next.listenMode = config.listenMode
        next.listenGroup = config.listenGroup
        next.rateLimitTableSize = config.rateLimitTableSize
        next.metricsSeriesCapacity = config.metricsSeriesCapacity
        config = next
        logger = logger.with(level: next.logLevel)
        let target = next.effectiveWorkers
        metrics.set(MetricFamilies.workersConfigured, [], Double(target))
        if target > slots.count {
            for id in slots.count..<target { slots.append(WorkerSlot(id: id, backoff: makeBackoff())); start(slot: id) }
        }
        let replace = Array(0..<min(target, slots.count))
        while slots.count > target {
            let extra = slots.removeLast()
            if let pid = extra.pid { kill(pid, SIGTERM); retiring.insert(pid) }
            if let pipe = extra.readyPipe { close(pipe) }
        }
        for index in slots.indices { slots[index].backoff = makeBackoff() }
        logger.info("reload: replacing workers one by one", ["workers": .int(target)])
        if let candidate = reload?.candidate { // a reload during a reload restarts the sequence
            kill(candidate.pid, SIGTERM)
            retiring.insert(candidate.pid)
            if candidate.readyPipe >= 0 { close(candidate.readyPipe) }
        }
        reloadRetryAt = nil
        reloadPostponedLogged = false
        reload = RollingReload(pending: replace)
        advanceReload()
        reloadAuxiliaries()
    }

    /// Replaces running auxiliaries with the new configuration, starts newly
    /// enabled ones (and ones that gave up), stops disabled ones.
    private func reloadAuxiliaries() {
        let wanted = roles.enabledAuxiliaries(for: config)
        for index in auxiliaries.indices {
            auxiliaries[index].backoff = makeBackoff()
            auxiliaries[index].restartAt = nil
            let enabled = wanted.contains { $0.name == auxiliaries[index].role.name }
            auxiliaries[index].disabled = !enabled
            if let pid = auxiliaries[index].pid {
                auxiliaries[index].replaceOnExit = enabled
                kill(pid, SIGTERM)
            } else if enabled {
                startAuxiliary(index)
            }
        }
        for role in wanted where !auxiliaries.contains(where: { $0.role.name == role.name }) {
            auxiliaries.append(AuxiliarySlot(role: role, backoff: makeBackoff()))
            startAuxiliary(auxiliaries.count - 1)
        }
    }

    private func advanceReload() {
        guard var plan = reload, plan.candidate == nil else { return }
        guard let index = plan.pending.first else {
            reload = nil
            reloadPostponedLogged = false
            logger.info("reload complete", ["workers": .int(slots.count)])
            return
        }
        plan.pending.removeFirst()
        guard slots[index].pid != nil else { // dead slot: its restart uses the new config anyway
            reload = plan
            advanceReload()
            return
        }
        guard let spawned = spawnWorker(slot: index, reloadCandidate: true) else {
            logger.error("reload aborted: cannot start replacement worker")
            reload = nil
            return
        }
        plan.candidate = RollingReload.Candidate(
            slot: index, pid: spawned.pid, readyPipe: spawned.readyPipe,
            deadline: MonotonicInstant.now().adding(milliseconds: Supervisor.readyTimeoutMs))
        reload = plan
    }

    /// The replacement accepts connections: retire the old worker gracefully.
    private func promote(_ candidate: RollingReload.Candidate) {
        let index = candidate.slot
        if let old = slots[index].pid {
            kill(old, SIGTERM)
            retiring.insert(old)
        }
        if let pipe = slots[index].readyPipe { close(pipe) }
        slots[index] = WorkerSlot(id: index, backoff: makeBackoff())
        slots[index].pid = candidate.pid
        slots[index].ready = true
        slots[index].startedAt = .now()
        logger.info("worker replaced", ["worker": .int(index), "pid": .int(Int(candidate.pid))])
        metrics.add(MetricFamilies.workerRestarts, ["reloaded"])
        publishWorkerCount()
        advanceReload()
    }

    // MARK: - Shutdown

    /// New connections are refused from now on instead of queueing in a backlog nobody
    /// will accept from (nginx answers 502 at once rather than after its read timeout):
    /// the path goes, and our copy of the socket is closed; the workers close theirs
    /// once drained (`Worker.run`), which closes a TCP listener too.
    private func closeListener() {
        guard !listenerClosed else { return }
        listenerClosed = true
        listener.close()
    }

    private func beginStop(reason: String) {
        guard stopDeadline == nil else { return }
        closeListener()
        logger.info("shutting down: draining in-flight requests", ["reason": .string(reason), "timeout_s": .int(config.shutdownTimeoutSeconds)])
        // Workers get the drain timeout; the supervisor allows a little more for their exit.
        stopDeadline = MonotonicInstant.now().adding(milliseconds: config.shutdownTimeoutSeconds * 1000 + 2000)
        for index in slots.indices {
            slots[index].restartAt = nil
            if let pid = slots[index].pid { kill(pid, SIGTERM) }
        }
        for pid in retiring { kill(pid, SIGTERM) }
        stopAuxiliaries(includingDrainers: false)
        if let candidate = reload?.candidate {
            kill(candidate.pid, SIGTERM)
            retiring.insert(candidate.pid)
            if candidate.readyPipe >= 0 { close(candidate.readyPipe) }
        }
        reload = nil
        reloadRetryAt = nil
    }

    private func forceKillEverything() {
        let pids = slots.compactMap(\.pid) + Array(retiring) + auxiliaries.compactMap(\.pid)
        logger.error("drain timeout: killing processes still running", ["count": .int(pids.count)])
        for pid in pids { kill(pid, SIGKILL) }
        for pid in pids { var status: Int32 = 0; waitpid(pid, &status, 0) }
        for index in slots.indices { slots[index].pid = nil }
        for index in auxiliaries.indices { auxiliaries[index].pid = nil }
        retiring.removeAll()
        exitCode = exitCode == 0 ? 1 : exitCode
    }
}

// MARK: - Auxiliary processes

extension Supervisor {
    private func startAuxiliary(_ index: Int) {
        let role = auxiliaries[index].role
        var env = childEnvironment()
        env["CONVERGENCE_ROLE"] = role.name
        do {
            let spawned = try spawner.spawn(arguments: [role.name], listenerFD: nil, environment: env)
            auxiliaries[index].pid = spawned.pid
            auxiliaries[index].readyPipe = spawned.readyPipe
            auxiliaries[index].startedAt = .now()
            auxiliaries[index].stopSent = false
            logger.debug("\(role.name) starting", ["pid": .int(Int(spawned.pid))])
            publishAuxiliary(index)
        } catch {
            logger.error("cannot start \(role.name)", ["error": .string(error.description)])
            scheduleAuxiliaryRestart(index, livedMs: 0)
        }
    }

    fileprivate func auxiliaryExited(_ index: Int, how: ExitDescription) {
        let name = auxiliaries[index].role.name
        let livedMs = Int(MonotonicInstant.now().milliseconds(since: auxiliaries[index].startedAt))
        auxiliaries[index].pid = nil
        publishAuxiliary(index)
        if let pipe = auxiliaries[index].readyPipe { close(pipe); auxiliaries[index].readyPipe = nil }
        if stopDeadline != nil {
            logger.info("\(name) stopped", ["how": .string(how.description)])
            return
        }
        if auxiliaries[index].replaceOnExit {
            auxiliaries[index].replaceOnExit = false
            logger.info("\(name) replaced after reload", ["how": .string(how.description)])
            startAuxiliary(index)
            return
        }
        if auxiliaries[index].disabled {
            logger.info("\(name) stopped: disabled by the reloaded configuration", ["how": .string(how.description)])
            return
        }
        let cannotStart = how == .exited(code: WorkerExitCode.fatal)
        if cannotStart {
            // It cannot start (its log line says why). The cause may go away (a full disk,
            // a secret file being replaced): retried with back-off, never stopping the workers.
            logger.error("\(name) cannot start; retrying with back-off", ["how": .string(how.description)])
            metrics.add(MetricFamilies.startFailures, [name])
        } else {
            logger.error("\(name) died", ["how": .string(how.description), "lived_ms": .int(livedMs)])
            metrics.add(MetricFamilies.auxiliaryRestarts, [name])
        }
        scheduleAuxiliaryRestart(index, livedMs: livedMs, cannotStart: cannotStart)
    }

    private func scheduleAuxiliaryRestart(_ index: Int, livedMs: Int, cannotStart: Bool = false) {
        let failuresBefore = auxiliaries[index].backoff.consecutiveFailures
        let action = ChildFailurePolicy.decide(kind: .auxiliary, cannotStart: cannotStart, everServed: everServed, siblingsServing: true,
                                               livedMs: livedMs, longMs: config.restartBackoffLongMs, backoff: &auxiliaries[index].backoff)
        guard case .restart(let delay) = action else { return } // auxiliaries never stop the service
        auxiliaries[index].restartAt = MonotonicInstant.now().adding(milliseconds: delay)
        if auxiliaries[index].backoff.consecutiveFailures > config.crashLoopMax, failuresBefore <= config.crashLoopMax {
            logger.error("crash loop: \(auxiliaries[index].role.name) keeps failing; workers keep serving, retrying with long back-off",
                         ["failures": .int(auxiliaries[index].backoff.consecutiveFailures), "in_ms": .int(delay)])
        }
    }

    fileprivate func publishAuxiliary(_ index: Int) {
        metrics.set(MetricFamilies.auxiliaryUp, [auxiliaries[index].role.name], auxiliaries[index].pid != nil ? 1 : 0)
    }

    /// SIGTERM to the auxiliaries still running; drainers only once asked to.
    fileprivate func stopAuxiliaries(includingDrainers: Bool) {
        for index in auxiliaries.indices {
            auxiliaries[index].restartAt = nil
            guard let pid = auxiliaries[index].pid, !auxiliaries[index].stopSent else { continue }
            guard includingDrainers || !auxiliaries[index].role.stopsAfterWorkers else { continue }
            auxiliaries[index].stopSent = true
            kill(pid, SIGTERM)
            if auxiliaries[index].role.stopsAfterWorkers, let deadline = stopDeadline {
                // A drainer starts its drain only now: it gets a whole drain timeout of its own.
                let extended = MonotonicInstant.now().adding(milliseconds: config.shutdownTimeoutSeconds * 1000 + 2000)
                stopDeadline = max(deadline, extended)
            }
        }
    }
}

/// One worker position; its process changes over restarts and reloads.
struct WorkerSlot {
    let id: Int
    var pid: pid_t?
    var readyPipe: Int32?
    var ready = false
    var startedAt = MonotonicInstant.now()
    var restartAt: MonotonicInstant?
    var backoff: RestartBackoff

    init(id: Int, backoff: RestartBackoff) {
        self.id = id
        self.backoff = backoff
    }
}

/// A SIGHUP in progress: slots still to replace and the replacement starting now.
struct RollingReload {
    struct Candidate {
        let slot: Int
        let pid: pid_t
        /// -1 once closed (end-of-file: it exited before it was ready; SIGCHLD decides).
        var readyPipe: Int32
        let deadline: MonotonicInstant
    }

    var pending: [Int]
    var candidate: Candidate?
}

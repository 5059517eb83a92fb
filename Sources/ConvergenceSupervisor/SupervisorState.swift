import ConvergenceCore
import ConvergenceShared
import Glibc

/// Which child an action or event is about.
public enum ChildID: Hashable, Sendable {
    case worker(slot: Int)
    /// A reload's replacement for the worker in `slot`.
    case replacement(slot: Int)
    case auxiliary(name: String)
}

/// Every supervision decision of `convergence serve`, as a pure state machine (php-fpm's
/// `fpm_pctl` states, postgres-nio's `ConnectionStateMachine`): `handle(_:now:)` takes an
/// event and the time, and returns what to do. No system calls, no clock reads, so every
/// branch is unit-tested with a mock clock; `Supervisor` carries the actions out.
///
/// - a dead worker is restarted with exponential back-off; a child's failure never stops
///   its healthy siblings (`ChildFailurePolicy`);
/// - a reload replaces workers one at a time, each old worker retiring only after its
///   replacement is ready;
/// - a stop drains: workers first, then the auxiliaries that drain what workers left.
public struct SupervisorState {
    /// Stopping overrides everything, and nothing leaves it.
    public enum Phase {
        case running
        case reloading(RollingReload)
        /// `drainersSignalled`: the workers are gone and the drainers (the flusher) have been asked to stop.
        case stopping(deadline: MonotonicInstant, drainersSignalled: Bool)
    }

    public enum Event {
        /// The supervisor starts its children.
        case start
        case childExited(pid: pid_t, how: ExitDescription)
        /// One byte on a readiness pipe: that child is serving.
        case ready(pipe: Int32)
        /// End of file on a readiness pipe: that child exited (before it was ready, or
        /// after: a worker's pipe stays open for `recycling`).
        case readyEOF(pipe: Int32)
        /// A second byte on a worker's pipe: it reached `max_requests` and drains.
        case recycling(pipe: Int32)
        case spawned(ChildID, pid: pid_t, pipe: Int32)
        case spawnFailed(ChildID, error: String)
        /// Time passed (deadlines are compared with `now`).
        case timer
        /// SIGHUP with a configuration that loaded.
        case reload(Config)
        /// SIGHUP with a configuration that did not load.
        case reloadRefused(error: String)
        case stop(reason: String)
    }

    public enum Action {
        /// Start `convergence worker`; answer with `.spawned(.worker/.replacement(slot), …)` or `.spawnFailed`.
        case spawnWorker(slot: Int, generation: Int, replacement: Bool)
        case spawnAuxiliary(name: String)
        case signal(pid: pid_t, signal: Int32)
        /// SIGKILL, then reap, each of these (the drain deadline passed).
        case forceKill([pid_t])
        case closePipe(Int32)
        /// Refuse new connections from now on (the stop began).
        case closeListener
        case setMetric(MetricFamily, [String], Double)
        case addMetric(MetricFamily, [String])
        case log(LogLevel, String, KeyValuePairs<String, LogValue>)
        /// Every child is gone: `serve` exits with this code.
        case exit(Int32)
    }

    /// Time a replacement worker has to report ready during a reload.
    public static let readyTimeoutMs = 15_000
    /// A reload postponed because its replacement could not reach PostgreSQL resumes after this.
    public static let reloadRetryMs = 2000

    public private(set) var config: Config
    public private(set) var phase: Phase = .running
    let roles: ChildRoles
    private(set) var slots: [WorkerSlot] = []
    private(set) var auxiliaries: [AuxiliarySlot] = []
    /// Workers asked to leave (reload, shrink, shutdown) that have not exited yet.
    private(set) var retiring: Set<pid_t> = []
    private var exitCode: Int32 = 0
    private var exited = false
    private var generation = 0
    private var allReadyLogged = false
    /// A worker has reported ready at least once in this supervisor's life.
    private var everServed = false

    /// The event being handled: its time and the actions it produced.
    private var now = MonotonicInstant(nanoseconds: 0)
    private var actions: [Action] = []

    public init(config: Config, roles: ChildRoles) {
        self.config = config
        self.roles = roles
    }

    public mutating func handle(_ event: Event, now: MonotonicInstant) -> [Action] {
        self.now = now
        actions = []
        switch event {
        case .start: start()
        case .childExited(let pid, let how): childExited(pid: pid, how: how)
        case .ready(let pipe): readiness(pipe: pipe, ready: true)
        case .readyEOF(let pipe): readiness(pipe: pipe, ready: false)
        case .recycling(let pipe): recycling(pipe: pipe)
        case .spawned(let child, let pid, let pipe): spawned(child, pid: pid, pipe: pipe)
        case .spawnFailed(let child, let error): spawnFailed(child, error: error)
        case .timer: timer()
        case .reload(let fresh): reload(fresh)
        case .reloadRefused(let error):
            if !isStopping {
                log(.error, "reload refused: configuration invalid, keeping the running one", ["error": .string(error)])
            }
        case .stop(let reason): beginStop(reason: reason)
        }
        checkStopProgress()
        defer { actions = [] }
        return actions
    }

    /// The earliest time `.timer` has something to do.
    public func nextDeadline() -> MonotonicInstant? {
        var deadlines = slots.compactMap(\.restartAt) + auxiliaries.compactMap(\.restartAt)
        switch phase {
        case .running: break
        case .reloading(let plan):
            if let candidate = plan.candidate { deadlines.append(candidate.deadline) }
            if let retryAt = plan.retryAt { deadlines.append(retryAt) }
        case .stopping(let deadline, _): deadlines.append(deadline)
        }
        return deadlines.min()
    }

    /// Readiness pipes still tracked; only these are polled and read. A worker's stays
    /// open after it is ready, for its recycling notice.
    public var watchedPipes: [Int32] {
        var pipes = slots.compactMap(\.readyPipe) + auxiliaries.compactMap(\.readyPipe)
        if case .reloading(let plan) = phase, let pipe = plan.candidate?.readyPipe { pipes.append(pipe) }
        return pipes
    }

    private var isStopping: Bool {
        if case .stopping = phase { return true }
        return false
    }

    private mutating func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) {
        actions.append(.log(level, message, fields))
    }

    private func makeBackoff() -> RestartBackoff {
        RestartBackoff(initialMs: config.restartBackoffInitialMs, maxMs: config.restartBackoffMaxMs, crashLoopMax: config.crashLoopMax)
    }

    private func livedMs(since start: MonotonicInstant) -> Int { Int(now.milliseconds(since: start)) }

    // MARK: - Starting children

    private mutating func start() {
        actions.append(.setMetric(MetricFamilies.workersConfigured, [], Double(config.effectiveWorkers)))
        auxiliaries = roles.enabledAuxiliaries(for: config).map { AuxiliarySlot(role: $0, backoff: makeBackoff()) }
        for index in auxiliaries.indices { startAuxiliary(index) }
        slots = (0..<config.effectiveWorkers).map { WorkerSlot(id: $0, backoff: makeBackoff()) }
        for index in slots.indices { startWorker(index) }
    }

    private mutating func startWorker(_ index: Int, replacement: Bool = false) {
        generation += 1
        actions.append(.spawnWorker(slot: index, generation: generation, replacement: replacement))
    }

    private mutating func startAuxiliary(_ index: Int) {
        actions.append(.spawnAuxiliary(name: auxiliaries[index].role.name))
    }

    private mutating func spawned(_ child: ChildID, pid: pid_t, pipe: Int32) {
        switch child {
        case .worker(let index) where index < slots.count && slots[index].pid == nil:
            slots[index].pid = pid
            slots[index].readyPipe = pipe
            slots[index].ready = false
            slots[index].startedAt = now
            publishWorkerCount()
            log(.debug, "worker starting", ["worker": .int(index), "pid": .int(Int(pid))])
            if isStopping { actions.append(.signal(pid: pid, signal: SIGTERM)) }
        case .replacement(let index):
            guard case .reloading(var plan) = phase, plan.spawning == index else { return retire(pid: pid, pipe: pipe) }
            plan.spawning = nil
            plan.candidate = RollingReload.Candidate(slot: index, pid: pid, readyPipe: pipe,
                                                     deadline: now.adding(milliseconds: SupervisorState.readyTimeoutMs))
            phase = .reloading(plan)
        case .auxiliary(let name):
            guard let index = auxiliaries.firstIndex(where: { $0.role.name == name }), auxiliaries[index].pid == nil else {
                actions.append(.signal(pid: pid, signal: SIGTERM))
                actions.append(.closePipe(pipe))
                return
            }
            auxiliaries[index].pid = pid
            auxiliaries[index].readyPipe = pipe
            auxiliaries[index].startedAt = now
            log(.debug, "\(name) starting", ["pid": .int(Int(pid))])
            publishAuxiliary(index)
            if case .stopping(_, let drainersSignalled) = phase, drainersSignalled || !auxiliaries[index].role.stopsAfterWorkers {
                actions.append(.signal(pid: pid, signal: SIGTERM))
            }
        case .worker:
            retire(pid: pid, pipe: pipe) // its slot went (a reload shrank the pool) or was filled meanwhile
        }
    }

    /// A worker nobody needs: asked to leave, reaped as retired.
    private mutating func retire(pid: pid_t, pipe: Int32?) {
        actions.append(.signal(pid: pid, signal: SIGTERM))
        retiring.insert(pid)
        if let pipe { actions.append(.closePipe(pipe)) }
    }

    private mutating func spawnFailed(_ child: ChildID, error: String) {
        switch child {
        case .worker(let index):
            log(.error, "cannot start worker", ["worker": .int(index), "error": .string(error)])
            guard !isStopping, index < slots.count else { return }
            scheduleRestart(index, livedMs: 0)
        case .replacement(let index):
            log(.error, "cannot start worker", ["worker": .int(index), "error": .string(error)])
            guard case .reloading(let plan) = phase, plan.spawning == index else { return }
            log(.error, "reload aborted: cannot start replacement worker")
            phase = .running
        case .auxiliary(let name):
            log(.error, "cannot start \(name)", ["error": .string(error)])
            guard !isStopping, let index = auxiliaries.firstIndex(where: { $0.role.name == name }) else { return }
            scheduleAuxiliaryRestart(index, livedMs: 0)
        }
    }

    // MARK: - Readiness

    private mutating func readiness(pipe: Int32, ready: Bool) {
        if let index = auxiliaries.firstIndex(where: { $0.readyPipe == pipe }) {
            actions.append(.closePipe(pipe))
            auxiliaries[index].readyPipe = nil
            if ready {
                log(.info, "\(auxiliaries[index].role.name) ready", ["pid": .int(Int(auxiliaries[index].pid ?? 0))])
                publishAuxiliary(index)
            }
        } else if let index = slots.firstIndex(where: { $0.readyPipe == pipe }) {
            guard ready, !slots[index].ready else {
                // Exited (before accepting, or later): its exit reports it. A second "ready" is
                // not in the protocol: the pipe is dropped.
                actions.append(.closePipe(pipe))
                slots[index].readyPipe = nil
                return
            }
            slots[index].ready = true
            everServed = true
            log(.info, "worker ready", ["worker": .int(index), "pid": .int(Int(slots[index].pid ?? 0))])
            if !allReadyLogged, slots.allSatisfy(\.ready) {
                allReadyLogged = true
                log(.info, "all workers ready", ["workers": .int(slots.count)])
            }
        } else if case .reloading(var plan) = phase, let candidate = plan.candidate, candidate.readyPipe == pipe {
            guard ready else {
                actions.append(.closePipe(pipe))
                // It exited before it was ready: its exit status says whether the reload
                // is postponed (79) or aborted.
                plan.candidate?.readyPipe = nil
                phase = .reloading(plan)
                return
            }
            plan.candidate = nil
            phase = .reloading(plan)
            promote(candidate)
        }
    }

    /// A worker that reached `max_requests` stops accepting and drains, which lasts until
    /// nginx lets its kept connections go: its replacement starts now, and it is reaped
    /// as retired. (Waiting for its exit would leave the slot without an accepting
    /// worker for that long, and every slot when all reach the limit together.)
    private mutating func recycling(pipe: Int32) {
        actions.append(.closePipe(pipe))
        guard let index = slots.firstIndex(where: { $0.readyPipe == pipe }) else { return }
        slots[index].readyPipe = nil
        guard !isStopping, slots[index].ready, let pid = slots[index].pid else { return }
        log(.info, "worker recycling after max_requests: replacement starting", ["worker": .int(index), "pid": .int(Int(pid))])
        actions.append(.addMetric(MetricFamilies.workerRestarts, ["recycled"]))
        retiring.insert(pid)
        slots[index] = WorkerSlot(id: index, backoff: makeBackoff())
        publishWorkerCount()
        startWorker(index)
    }

    // MARK: - Exits

    private mutating func childExited(pid: pid_t, how: ExitDescription) {
        if let index = auxiliaries.firstIndex(where: { $0.pid == pid }) {
            return auxiliaryExited(index, how: how)
        }
        if retiring.remove(pid) != nil {
            return log(.info, "worker retired", ["pid": .int(Int(pid)), "how": .string(how.description)])
        }
        if case .reloading(var plan) = phase, let candidate = plan.candidate, candidate.pid == pid {
            if let pipe = candidate.readyPipe { actions.append(.closePipe(pipe)) }
            plan.candidate = nil
            guard how == .exited(code: ProcessExit.postponed.rawValue) else {
                log(.error, "reload aborted: replacement worker died", ["worker": .int(candidate.slot), "how": .string(how.description)])
                phase = .running
                return
            }
            // The old worker keeps serving with its caches; try again shortly.
            plan.pending.insert(candidate.slot, at: 0)
            plan.retryAt = now.adding(milliseconds: SupervisorState.reloadRetryMs)
            if !plan.postponedLogged {
                log(.warning, "reload postponed: the replacement worker cannot reach PostgreSQL; the running workers keep serving, retrying",
                    ["worker": .int(candidate.slot), "retry_ms": .int(SupervisorState.reloadRetryMs)])
            }
            plan.postponedLogged = true
            phase = .reloading(plan)
            return
        }
        guard let index = slots.firstIndex(where: { $0.pid == pid }) else { return }
        let lived = livedMs(since: slots[index].startedAt)
        slots[index].pid = nil
        slots[index].ready = false
        publishWorkerCount()
        if let pipe = slots[index].readyPipe { actions.append(.closePipe(pipe)); slots[index].readyPipe = nil }
        if isStopping {
            log(.info, "worker stopped", ["worker": .int(index), "pid": .int(Int(pid)), "how": .string(how.description)])
            // It abandoned requests at the drain timeout: as if it had been killed then.
            if how == .exited(code: ProcessExit.drainTimeout.rawValue) { exitCode = 1 }
            return
        }
        if how == .exited(code: ProcessExit.recycle.rawValue) {
            log(.info, "worker recycled after max_requests", ["worker": .int(index), "pid": .int(Int(pid))])
            actions.append(.addMetric(MetricFamilies.workerRestarts, ["recycled"]))
            slots[index].backoff.reset()
            return startWorker(index)
        }
        let cannotStart = how == .exited(code: ProcessExit.cannotStart.rawValue)
        if cannotStart {
            log(.error, "worker cannot start", ["worker": .int(index), "pid": .int(Int(pid)), "how": .string(how.description)])
            actions.append(.addMetric(MetricFamilies.startFailures, ["worker"]))
        } else {
            log(.error, "worker died", ["worker": .int(index), "pid": .int(Int(pid)), "how": .string(how.description), "lived_ms": .int(lived)])
            actions.append(.addMetric(MetricFamilies.workerRestarts, ["crashed"]))
        }
        scheduleRestart(index, livedMs: lived, cannotStart: cannotStart)
    }

    private mutating func scheduleRestart(_ index: Int, livedMs: Int, cannotStart: Bool = false) {
        let siblingsServing = slots.contains { $0.id != index && $0.pid != nil && $0.ready }
        let failuresBefore = slots[index].backoff.consecutiveFailures
        let decision = ChildFailurePolicy.decide(kind: .worker, cannotStart: cannotStart, everServed: everServed,
                                                 siblingsServing: siblingsServing, livedMs: livedMs,
                                                 longMs: config.restartBackoffLongMs, backoff: &slots[index].backoff)
        switch decision {
        case .restart(let delay):
            slots[index].restartAt = now.adding(milliseconds: delay)
            if slots[index].backoff.consecutiveFailures > config.crashLoopMax, failuresBefore <= config.crashLoopMax {
                log(.error, "worker keeps failing; other workers keep serving, retrying with long back-off",
                    ["worker": .int(index), "failures": .int(slots[index].backoff.consecutiveFailures), "in_ms": .int(delay)])
            } else {
                log(.info, "worker restart scheduled", ["worker": .int(index), "in_ms": .int(delay)])
            }
        case .stopService(let reason):
            if reason == "crash loop" {
                log(.error, "crash loop: worker keeps dying right after start and no worker is serving; giving up",
                    ["worker": .int(index), "failures": .int(slots[index].backoff.consecutiveFailures)])
            } else {
                log(.error, "no worker has ever started: stopping (a configuration or environment error; see the worker's log line)",
                    ["worker": .int(index)])
            }
            exitCode = 1
            beginStop(reason: reason)
        }
    }

    private mutating func auxiliaryExited(_ index: Int, how: ExitDescription) {
        let name = auxiliaries[index].role.name
        let lived = livedMs(since: auxiliaries[index].startedAt)
        auxiliaries[index].pid = nil
        publishAuxiliary(index)
        if let pipe = auxiliaries[index].readyPipe { actions.append(.closePipe(pipe)); auxiliaries[index].readyPipe = nil }
        if isStopping {
            return log(.info, "\(name) stopped", ["how": .string(how.description)])
        }
        if auxiliaries[index].replaceOnExit {
            auxiliaries[index].replaceOnExit = false
            log(.info, "\(name) replaced after reload", ["how": .string(how.description)])
            return startAuxiliary(index)
        }
        if auxiliaries[index].disabled {
            return log(.info, "\(name) stopped: disabled by the reloaded configuration", ["how": .string(how.description)])
        }
        let cannotStart = how == .exited(code: ProcessExit.cannotStart.rawValue)
        if cannotStart {
            // It cannot start (its log line says why). The cause may go away (a full disk,
            // a secret file being replaced): retried with back-off, never stopping the workers.
            log(.error, "\(name) cannot start; retrying with back-off", ["how": .string(how.description)])
            actions.append(.addMetric(MetricFamilies.startFailures, [name]))
        } else {
            log(.error, "\(name) died", ["how": .string(how.description), "lived_ms": .int(lived)])
            actions.append(.addMetric(MetricFamilies.auxiliaryRestarts, [name]))
        }
        scheduleAuxiliaryRestart(index, livedMs: lived, cannotStart: cannotStart)
    }

    private mutating func scheduleAuxiliaryRestart(_ index: Int, livedMs: Int, cannotStart: Bool = false) {
        let failuresBefore = auxiliaries[index].backoff.consecutiveFailures
        let decision = ChildFailurePolicy.decide(kind: .auxiliary, cannotStart: cannotStart, everServed: everServed, siblingsServing: true,
                                                 livedMs: livedMs, longMs: config.restartBackoffLongMs, backoff: &auxiliaries[index].backoff)
        guard case .restart(let delay) = decision else { return } // auxiliaries never stop the service
        auxiliaries[index].restartAt = now.adding(milliseconds: delay)
        if auxiliaries[index].backoff.consecutiveFailures > config.crashLoopMax, failuresBefore <= config.crashLoopMax {
            log(.error, "crash loop: \(auxiliaries[index].role.name) keeps failing; workers keep serving, retrying with long back-off",
                ["failures": .int(auxiliaries[index].backoff.consecutiveFailures), "in_ms": .int(delay)])
        }
    }

    private mutating func publishWorkerCount() {
        actions.append(.setMetric(MetricFamilies.workersAlive, [], Double(slots.filter { $0.pid != nil }.count)))
    }

    private mutating func publishAuxiliary(_ index: Int) {
        actions.append(.setMetric(MetricFamilies.auxiliaryUp, [auxiliaries[index].role.name], auxiliaries[index].pid != nil ? 1 : 0))
    }

    // MARK: - Timers

    private mutating func timer() {
        if case .stopping(let deadline, _) = phase {
            if now >= deadline, !exited { forceKillEverything() }
            return
        }
        for index in slots.indices {
            if let restartAt = slots[index].restartAt, now >= restartAt {
                slots[index].restartAt = nil
                startWorker(index)
            }
        }
        for index in auxiliaries.indices {
            if let restartAt = auxiliaries[index].restartAt, now >= restartAt {
                auxiliaries[index].restartAt = nil
                startAuxiliary(index)
            }
        }
        guard case .reloading(var plan) = phase else { return }
        if let candidate = plan.candidate, now >= candidate.deadline {
            log(.error, "reload aborted: replacement worker did not become ready in time",
                ["worker": .int(candidate.slot), "pid": .int(Int(candidate.pid))])
            actions.append(.signal(pid: candidate.pid, signal: SIGKILL))
            retiring.insert(candidate.pid)
            if let pipe = candidate.readyPipe { actions.append(.closePipe(pipe)) }
            phase = .running
            return
        }
        if let retryAt = plan.retryAt, now >= retryAt {
            plan.retryAt = nil
            phase = .reloading(plan)
            advanceReload()
        }
    }

    // MARK: - Reload (SIGHUP)

    private mutating func reload(_ fresh: Config) {
        guard !isStopping else { return }
        if fresh.listen != config.listen || fresh.listenMode != config.listenMode || fresh.listenGroup != config.listenGroup {
            log(.warning, "reload: listener settings change only on restart; keeping \(config.listen)")
        }
        if fresh.rateLimitTableSize != config.rateLimitTableSize || fresh.metricsSeriesCapacity != config.metricsSeriesCapacity {
            log(.warning, "reload: shared-memory sizes change only on restart; keeping the current region")
        }
        var next = fresh
        next.listen = config.listen
        next.listenMode = config.listenMode
        next.listenGroup = config.listenGroup
        next.rateLimitTableSize = config.rateLimitTableSize
        next.metricsSeriesCapacity = config.metricsSeriesCapacity
        config = next
        let target = next.effectiveWorkers
        actions.append(.setMetric(MetricFamilies.workersConfigured, [], Double(target)))
        if target > slots.count {
            for id in slots.count..<target { slots.append(WorkerSlot(id: id, backoff: makeBackoff())); startWorker(id) }
        }
        let replace = Array(0..<min(target, slots.count))
        while slots.count > target {
            let extra = slots.removeLast()
            if let pid = extra.pid { actions.append(.signal(pid: pid, signal: SIGTERM)); retiring.insert(pid) }
            if let pipe = extra.readyPipe { actions.append(.closePipe(pipe)) }
        }
        for index in slots.indices { slots[index].backoff = makeBackoff() }
        log(.info, "reload: replacing workers one by one", ["workers": .int(target)])
        if case .reloading(let previous) = phase, let candidate = previous.candidate { // a reload during a reload restarts the sequence
            retire(pid: candidate.pid, pipe: candidate.readyPipe)
        }
        phase = .reloading(RollingReload(pending: replace))
        advanceReload()
        reloadAuxiliaries()
    }

    /// Replaces running auxiliaries with the new configuration, starts newly
    /// enabled ones (and ones that gave up), stops disabled ones.
    private mutating func reloadAuxiliaries() {
        let wanted = roles.enabledAuxiliaries(for: config)
        for index in auxiliaries.indices {
            auxiliaries[index].backoff = makeBackoff()
            auxiliaries[index].restartAt = nil
            let enabled = wanted.contains { $0.name == auxiliaries[index].role.name }
            auxiliaries[index].disabled = !enabled
            if let pid = auxiliaries[index].pid {
                auxiliaries[index].replaceOnExit = enabled
                actions.append(.signal(pid: pid, signal: SIGTERM))
            } else if enabled {
                startAuxiliary(index)
            }
        }
        for role in wanted where !auxiliaries.contains(where: { $0.role.name == role.name }) {
            auxiliaries.append(AuxiliarySlot(role: role, backoff: makeBackoff()))
            startAuxiliary(auxiliaries.count - 1)
        }
    }

    /// Starts the next replacement, or completes the reload.
    private mutating func advanceReload() {
        guard case .reloading(var plan) = phase, plan.candidate == nil, plan.spawning == nil else { return }
        while let index = plan.pending.first {
            plan.pending.removeFirst()
            // A dead slot (or one still starting): its restart uses the new config anyway.
            guard index < slots.count, slots[index].pid != nil else { continue }
            plan.spawning = index
            phase = .reloading(plan)
            return startWorker(index, replacement: true)
        }
        phase = .running
        log(.info, "reload complete", ["workers": .int(slots.count)])
    }

    /// The replacement accepts connections: retire the old worker gracefully.
    private mutating func promote(_ candidate: RollingReload.Candidate) {
        let index = candidate.slot
        if let old = slots[index].pid {
            actions.append(.signal(pid: old, signal: SIGTERM))
            retiring.insert(old)
        }
        if let pipe = slots[index].readyPipe { actions.append(.closePipe(pipe)) }
        slots[index] = WorkerSlot(id: index, backoff: makeBackoff())
        slots[index].pid = candidate.pid
        slots[index].readyPipe = candidate.readyPipe // kept for its recycling notice
        slots[index].ready = true
        slots[index].startedAt = now
        log(.info, "worker replaced", ["worker": .int(index), "pid": .int(Int(candidate.pid))])
        actions.append(.addMetric(MetricFamilies.workerRestarts, ["reloaded"]))
        publishWorkerCount()
        advanceReload()
    }

    // MARK: - Stop (SIGTERM, SIGINT, or giving up)

    /// The drain time children get, plus a little for their exit.
    private var drainAllowanceMs: Int { config.shutdownTimeoutSeconds * 1000 + 2000 }

    private mutating func beginStop(reason: String) {
        guard !isStopping else { return }
        // New connections are refused from now on instead of queueing in a backlog nobody
        // will accept from (nginx answers 502 at once rather than after its read timeout).
        actions.append(.closeListener)
        log(.info, "shutting down: draining in-flight requests", ["reason": .string(reason), "timeout_s": .int(config.shutdownTimeoutSeconds)])
        if case .reloading(let plan) = phase, let candidate = plan.candidate { retire(pid: candidate.pid, pipe: candidate.readyPipe) }
        phase = .stopping(deadline: now.adding(milliseconds: drainAllowanceMs), drainersSignalled: false)
        for index in slots.indices {
            slots[index].restartAt = nil
            if let pid = slots[index].pid { actions.append(.signal(pid: pid, signal: SIGTERM)) }
        }
        for pid in retiring { actions.append(.signal(pid: pid, signal: SIGTERM)) }
        for index in auxiliaries.indices {
            auxiliaries[index].restartAt = nil
            if let pid = auxiliaries[index].pid, !auxiliaries[index].role.stopsAfterWorkers {
                actions.append(.signal(pid: pid, signal: SIGTERM))
            }
        }
    }

    /// Once the workers are gone the drainers are asked to stop; once they are gone too, exit.
    private mutating func checkStopProgress() {
        guard case .stopping(var deadline, let drainersSignalled) = phase, !exited else { return }
        guard slots.allSatisfy({ $0.pid == nil }), retiring.isEmpty else { return }
        if !drainersSignalled {
            for aux in auxiliaries where aux.role.stopsAfterWorkers {
                guard let pid = aux.pid else { continue }
                actions.append(.signal(pid: pid, signal: SIGTERM))
                // A drainer starts its drain only now: it gets a whole drain timeout of its own.
                deadline = max(deadline, now.adding(milliseconds: drainAllowanceMs))
            }
            phase = .stopping(deadline: deadline, drainersSignalled: true)
        }
        if auxiliaries.allSatisfy({ $0.pid == nil }) {
            exited = true
            actions.append(.exit(exitCode))
        }
    }

    private mutating func forceKillEverything() {
        let pids = slots.compactMap(\.pid) + Array(retiring) + auxiliaries.compactMap(\.pid)
        log(.error, "drain timeout: killing processes still running", ["count": .int(pids.count)])
        actions.append(.forceKill(pids))
        for index in slots.indices { slots[index].pid = nil }
        for index in auxiliaries.indices { auxiliaries[index].pid = nil }
        retiring.removeAll()
        exitCode = exitCode == 0 ? 1 : exitCode
    }
}

/// One worker position; its process changes over restarts and reloads.
struct WorkerSlot {
    let id: Int
    var pid: pid_t?
    var readyPipe: Int32?
    var ready = false
    var startedAt = MonotonicInstant(nanoseconds: 0)
    var restartAt: MonotonicInstant?
    var backoff: RestartBackoff

    init(id: Int, backoff: RestartBackoff) {
        self.id = id
        self.backoff = backoff
    }
}

/// One auxiliary process position; its pid changes over restarts.
struct AuxiliarySlot {
    let role: AuxiliaryRole
    var pid: pid_t?
    var readyPipe: Int32?
    var startedAt = MonotonicInstant(nanoseconds: 0)
    var restartAt: MonotonicInstant?
    /// Asked to exit by a reload: start the replacement at once when it does.
    var replaceOnExit = false
    /// Turned off by a reload: not restarted when it exits.
    var disabled = false
    var backoff: RestartBackoff

    init(role: AuxiliaryRole, backoff: RestartBackoff) {
        self.role = role
        self.backoff = backoff
    }
}

/// A SIGHUP in progress: slots still to replace and the replacement starting now.
public struct RollingReload {
    struct Candidate {
        let slot: Int
        let pid: pid_t
        /// nil once closed (end-of-file: it exited before it was ready; its exit decides).
        var readyPipe: Int32?
        let deadline: MonotonicInstant
    }

    var pending: [Int]
    /// A replacement was asked for this slot and has not been reported spawned yet.
    var spawning: Int?
    var candidate: Candidate?
    /// Postponed (the replacement could not reach PostgreSQL): the next attempt.
    var retryAt: MonotonicInstant?
    var postponedLogged = false
}

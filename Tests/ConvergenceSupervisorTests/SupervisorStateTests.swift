import ConvergenceCore
import ConvergenceShared
import Glibc
import Testing
@testable import ConvergenceSupervisor

/// Drives `SupervisorState` with a mock clock and fake children: every spawn succeeds
/// (unless told otherwise) with the next pid and pipe number.
struct Harness {
    typealias Action = SupervisorState.Action
    static let flusher = AuxiliaryRole(name: "audit-flusher", stopsAfterWorkers: true, isEnabled: { $0.auditEnabled })
    static let executor = AuxiliaryRole(name: "pipeline-executor", stopsAfterWorkers: false, isEnabled: { $0.executorEnabled })

    var state: SupervisorState
    var now = MonotonicInstant(nanoseconds: 1_000_000_000_000)
    var nextPID: pid_t = 100
    var nextPipe: Int32 = 10
    /// Live fake children: pid → who and its readiness pipe.
    var children: [pid_t: (child: ChildID, pipe: Int32)] = [:]
    var failSpawns = false

    init(workers: Int = 2, configure: (inout Config) -> Void = { _ in }) {
        var config = Config()
        config.workers = workers
        config.shutdownTimeoutSeconds = 30
        config.restartBackoffInitialMs = 100
        config.restartBackoffMaxMs = 1000
        config.crashLoopMax = 3
        config.restartBackoffLongMs = 60_000
        configure(&config)
        state = SupervisorState(config: config, roles: ChildRoles(worker: "worker", auxiliaries: [Harness.flusher, Harness.executor]))
    }

    /// Handles `event`, answering every spawn action like the real loop does.
    @discardableResult
    mutating func send(_ event: SupervisorState.Event) -> [Action] {
        var all: [Action] = []
        var queue = state.handle(event, now: now)[...]
        while let action = queue.popFirst() {
            all.append(action)
            let child: ChildID
            switch action {
            case .spawnWorker(let slot, _, let replacement): child = replacement ? .replacement(slot: slot) : .worker(slot: slot)
            case .spawnAuxiliary(let name): child = .auxiliary(name: name)
            default: continue
            }
            if failSpawns {
                queue += state.handle(.spawnFailed(child, error: "no such file"), now: now)
                continue
            }
            let pid = nextPID, pipe = nextPipe
            nextPID += 1
            nextPipe += 1
            children[pid] = (child, pipe)
            queue += state.handle(.spawned(child, pid: pid, pipe: pipe), now: now)
        }
        return all
    }

    @discardableResult
    mutating func advance(ms: Int) -> [Action] {
        now = now.adding(milliseconds: ms)
        return send(.timer)
    }

    @discardableResult
    mutating func exit(_ pid: pid_t, code: Int32) -> [Action] { send(.childExited(pid: pid, how: .exited(code: code))) }

    /// The newest live process of `child`.
    func pid(_ child: ChildID) -> pid_t { children.filter { $0.value.child == child }.map(\.key).max()! }
    func pipe(_ child: ChildID) -> Int32 { children[pid(child)]!.pipe }

    /// Starts everything and reports every worker and auxiliary ready.
    @discardableResult
    mutating func startAllReady() -> [Action] {
        var all = send(.start)
        for (_, entry) in children.sorted(by: { $0.key < $1.key }) { all += send(.ready(pipe: entry.pipe)) }
        return all
    }

    /// Two workers serving, then a SIGHUP: the replacement for slot 0 is starting.
    static func reloading() -> (harness: Harness, candidate: pid_t, pipe: Int32) {
        var h = Harness(workers: 2)
        h.startAllReady()
        h.send(.reload(h.state.config))
        return (h, h.pid(.replacement(slot: 0)), h.pipe(.replacement(slot: 0)))
    }

    var isRunning: Bool { if case .running = state.phase { true } else { false } }
    var isReloading: Bool { if case .reloading = state.phase { true } else { false } }
    var isStopping: Bool { if case .stopping = state.phase { true } else { false } }
    var stopDeadline: MonotonicInstant? { if case .stopping(let deadline, _) = state.phase { deadline } else { nil } }
}

extension Array where Element == SupervisorState.Action {
    var messages: [String] { compactMap { if case .log(_, let message, _) = $0 { message } else { nil } } }
    func count(message: String) -> Int { messages.filter { $0 == message }.count }
    var signals: [(pid: pid_t, signal: Int32)] { compactMap { if case .signal(let pid, let signal) = $0 { (pid, signal) } else { nil } } }
    func signalled(_ pid: pid_t, _ signal: Int32) -> Bool { signals.contains { $0.pid == pid && $0.signal == signal } }
    var closedPipes: [Int32] { compactMap { if case .closePipe(let fd) = $0 { fd } else { nil } } }
    var workerSpawns: [(slot: Int, replacement: Bool)] {
        compactMap { if case .spawnWorker(let slot, _, let replacement) = $0 { (slot, replacement) } else { nil } }
    }
    var auxiliarySpawns: [String] { compactMap { if case .spawnAuxiliary(let name) = $0 { name } else { nil } } }
    var exitCode: Int32? { compactMap { if case .exit(let code) = $0 { code } else { nil } }.first }
    var closesListener: Bool { contains { if case .closeListener = $0 { true } else { false } } }
    func added(_ family: MetricFamily, _ labels: [String]) -> Int {
        filter { if case .addMetric(let f, let l) = $0 { f == family && l == labels } else { false } }.count
    }
    var forceKilled: [pid_t]? { compactMap { if case .forceKill(let pids) = $0 { pids } else { nil } }.first }
}

@Suite struct SupervisorStartTests {
    @Test func startSpawnsAuxiliariesThenWorkersAndLogsAllReadyOnce() {
        var h = Harness(workers: 2)
        let actions = h.startAllReady()
        #expect(actions.auxiliarySpawns == ["audit-flusher", "pipeline-executor"])
        #expect(actions.workerSpawns.map(\.slot) == [0, 1])
        #expect(actions.count(message: "worker ready") == 2)
        #expect(actions.count(message: "all workers ready") == 1)
        #expect(actions.count(message: "audit-flusher ready") == 1)
        // The auxiliaries' pipes are done with; the workers' stay open for a recycling notice.
        #expect(Set(h.state.watchedPipes) == [h.pipe(.worker(slot: 0)), h.pipe(.worker(slot: 1))])
        #expect(h.state.nextDeadline() == nil)
    }

    @Test func disabledAuxiliariesAreNotStarted() {
        var h = Harness { $0.auditEnabled = false }
        #expect(h.send(.start).auxiliarySpawns == ["pipeline-executor"])
    }

    @Test func aFailedSpawnIsRetriedWithBackoff() {
        var h = Harness(workers: 1)
        h.failSpawns = true
        let actions = h.send(.start)
        #expect(actions.count(message: "cannot start worker") == 1)
        #expect(actions.count(message: "cannot start audit-flusher") == 1)
        #expect(actions.count(message: "worker restart scheduled") == 1)
        #expect(h.state.nextDeadline() == h.now.adding(milliseconds: 100))
        h.failSpawns = false
        #expect(h.advance(ms: 100).workerSpawns.map(\.slot) == [0])
    }
}

@Suite struct SupervisorWorkerExitTests {
    @Test func recycleRestartsAtOnceWithoutBackoff() {
        var h = Harness(workers: 2)
        h.startAllReady()
        // A crash first, so the slot has back-off to forget.
        h.exit(h.pid(.worker(slot: 0)), code: 1)
        h.advance(ms: 100)
        h.send(.ready(pipe: h.pipe(.worker(slot: 0))))
        let recycled = h.exit(h.pid(.worker(slot: 0)), code: ProcessExit.recycle.rawValue)
        #expect(recycled.count(message: "worker recycled after max_requests") == 1)
        #expect(recycled.workerSpawns.map(\.slot) == [0]) // no timer in between
        #expect(recycled.added(MetricFamilies.workerRestarts, ["recycled"]) == 1)
        // The back-off was reset: the next quick death waits the initial delay again.
        h.send(.ready(pipe: h.pipe(.worker(slot: 0))))
        h.exit(h.pid(.worker(slot: 0)), code: 1)
        #expect(h.state.nextDeadline() == h.now.adding(milliseconds: 100))
    }

    @Test func aRecyclingNoticeStartsTheReplacementWhileTheOldWorkerDrains() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let old = h.pid(.worker(slot: 0)), pipe = h.pipe(.worker(slot: 0))
        // A ready worker's pipe stays watched: the notice arrives on it.
        #expect(h.state.watchedPipes.contains(pipe))
        let notice = h.send(.recycling(pipe: pipe))
        #expect(notice.count(message: "worker recycling after max_requests: replacement starting") == 1)
        #expect(notice.workerSpawns.map(\.slot) == [0]) // at once, not at the old worker's exit
        #expect(notice.added(MetricFamilies.workerRestarts, ["recycled"]) == 1)
        #expect(notice.closedPipes == [pipe])
        #expect(notice.signals.isEmpty) // it is draining already; nothing to tell it
        #expect(h.pid(.worker(slot: 0)) != old)
        // Its exit, whenever nginx has let its connections go, is a retirement: no second start.
        let exited = h.exit(old, code: ProcessExit.recycle.rawValue)
        #expect(exited.count(message: "worker retired") == 1)
        #expect(exited.workerSpawns.isEmpty)
        #expect(exited.added(MetricFamilies.workerRestarts, ["recycled"]) == 0)
    }

    @Test func aReplacementPromotedByAReloadKeepsItsPipeForTheRecyclingNotice() {
        var h = Harness(workers: 1)
        h.startAllReady()
        h.send(.reload(h.state.config))
        let candidatePipe = h.pipe(.replacement(slot: 0))
        let promoted = h.send(.ready(pipe: candidatePipe))
        #expect(!promoted.closedPipes.contains(candidatePipe))
        #expect(h.state.watchedPipes.contains(candidatePipe))
        let notice = h.send(.recycling(pipe: candidatePipe))
        #expect(notice.workerSpawns.map(\.slot) == [0])
    }

    @Test func aRecyclingNoticeDuringTheStopStartsNothing() {
        var h = Harness(workers: 1)
        h.startAllReady()
        let pipe = h.pipe(.worker(slot: 0))
        h.send(.stop(reason: "SIGTERM"))
        let notice = h.send(.recycling(pipe: pipe))
        #expect(notice.workerSpawns.isEmpty)
        #expect(notice.closedPipes == [pipe])
    }

    @Test func aCrashedWorkerRestartsWithGrowingBackoff() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let died = h.exit(h.pid(.worker(slot: 1)), code: 1)
        #expect(died.count(message: "worker died") == 1)
        #expect(died.added(MetricFamilies.workerRestarts, ["crashed"]) == 1)
        #expect(died.workerSpawns.isEmpty)
        #expect(h.advance(ms: 99).workerSpawns.isEmpty)
        #expect(h.advance(ms: 1).workerSpawns.map(\.slot) == [1])
        h.exit(h.pid(.worker(slot: 1)), code: 1)
        #expect(h.state.nextDeadline() == h.now.adding(milliseconds: 200))
    }

    @Test func worker78BeforeAnythingServedStopsServe() {
        var h = Harness(workers: 2)
        h.send(.start)
        let actions = h.exit(h.pid(.worker(slot: 0)), code: ProcessExit.cannotStart.rawValue)
        #expect(actions.count(message: "worker cannot start") == 1)
        #expect(actions.count(message: "no worker has ever started: stopping (a configuration or environment error; see the worker's log line)") == 1)
        #expect(actions.added(MetricFamilies.startFailures, ["worker"]) == 1)
        #expect(actions.closesListener)
        #expect(h.isStopping)
        #expect(actions.signalled(h.pid(.worker(slot: 1)), SIGTERM))
        // Everything exits: serve exits 1.
        h.exit(h.pid(.worker(slot: 1)), code: 0)
        h.exit(h.pid(.auxiliary(name: "pipeline-executor")), code: 0)
        #expect(h.exit(h.pid(.auxiliary(name: "audit-flusher")), code: 0).exitCode == 1)
    }

    @Test func worker78AfterSomethingServedIsRetriedWhileSiblingsServe() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let actions = h.exit(h.pid(.worker(slot: 0)), code: ProcessExit.cannotStart.rawValue)
        #expect(actions.count(message: "worker cannot start") == 1)
        #expect(actions.count(message: "worker restart scheduled") == 1)
        #expect(!h.isStopping)
        #expect(actions.signals.isEmpty)
    }

    @Test func crashLoopGivesUpOnlyWhenNoOtherWorkerServes() {
        // One worker: nobody else serves, so the crash loop stops serve.
        var alone = Harness(workers: 1)
        alone.startAllReady()
        var last: [SupervisorState.Action] = []
        for _ in 0..<4 { // crash_loop_max 3: the 4th quick death gives up
            last = alone.exit(alone.pid(.worker(slot: 0)), code: 1)
            if alone.isStopping { break }
            alone.advance(ms: 1000)
        }
        #expect(last.count(message: "crash loop: worker keeps dying right after start and no worker is serving; giving up") == 1)
        #expect(alone.isStopping)
        #expect(last.closesListener)

        // Two workers, the other serving: long back-off instead, never giving up.
        var pair = Harness(workers: 2)
        pair.startAllReady()
        for _ in 0..<3 {
            pair.exit(pair.pid(.worker(slot: 0)), code: 1)
            pair.advance(ms: 1000)
        }
        let fourth = pair.exit(pair.pid(.worker(slot: 0)), code: 1)
        #expect(fourth.count(message: "worker keeps failing; other workers keep serving, retrying with long back-off") == 1)
        #expect(!pair.isStopping)
        #expect(pair.state.nextDeadline() == pair.now.adding(milliseconds: 60_000))
    }
}

@Suite struct SupervisorAuxiliaryTests {
    @Test func aFatalAuxiliaryNeverStopsTheWorkers() {
        var h = Harness(workers: 2)
        h.send(.start) // nothing has served yet: a worker 78 would stop serve, a flusher 78 must not
        for round in 0..<6 {
            let actions = h.exit(h.pid(.auxiliary(name: "audit-flusher")), code: ProcessExit.cannotStart.rawValue)
            #expect(actions.count(message: "audit-flusher cannot start; retrying with back-off") == 1)
            #expect(actions.added(MetricFamilies.startFailures, ["audit-flusher"]) == 1)
            #expect(actions.signals.isEmpty)
            #expect(!actions.closesListener)
            #expect(!h.isStopping)
            if round == 3 {
                #expect(actions.count(message: "crash loop: audit-flusher keeps failing; workers keep serving, retrying with long back-off") == 1)
                #expect(h.state.nextDeadline() == h.now.adding(milliseconds: 60_000))
            }
            h.advance(ms: 60_000)
        }
    }

    @Test func aCrashedAuxiliaryIsRestartedAndReported() {
        var h = Harness(workers: 1)
        h.startAllReady()
        let actions = h.exit(h.pid(.auxiliary(name: "pipeline-executor")), code: 1)
        #expect(actions.count(message: "pipeline-executor died") == 1)
        #expect(actions.added(MetricFamilies.auxiliaryRestarts, ["pipeline-executor"]) == 1)
        #expect(h.advance(ms: 100).auxiliarySpawns == ["pipeline-executor"])
    }

    @Test func reloadReplacesEnabledAndStopsDisabledAuxiliaries() {
        var h = Harness(workers: 1)
        h.startAllReady()
        var fresh = h.state.config
        fresh.executorEnabled = false
        let flusher = h.pid(.auxiliary(name: "audit-flusher")), executor = h.pid(.auxiliary(name: "pipeline-executor"))
        let reload = h.send(.reload(fresh))
        #expect(reload.signalled(flusher, SIGTERM) && reload.signalled(executor, SIGTERM))
        #expect(h.exit(flusher, code: 0).auxiliarySpawns == ["audit-flusher"])
        #expect(h.exit(executor, code: 0).count(message: "pipeline-executor stopped: disabled by the reloaded configuration") == 1)
        fresh.executorEnabled = true
        #expect(h.send(.reload(fresh)).auxiliarySpawns == ["pipeline-executor"])
    }
}

@Suite struct SupervisorReloadTests {
    @Test func reloadReplacesWorkersOneByOne() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let old0 = h.pid(.worker(slot: 0)), old1 = h.pid(.worker(slot: 1))
        let first = h.send(.reload(h.state.config))
        #expect(first.count(message: "reload: replacing workers one by one") == 1)
        #expect(first.workerSpawns.map(\.slot) == [0] && first.workerSpawns.allSatisfy(\.replacement))
        #expect(!first.signalled(old0, SIGTERM))
        let promoted = h.send(.ready(pipe: h.pipe(.replacement(slot: 0))))
        #expect(promoted.count(message: "worker replaced") == 1)
        #expect(promoted.signalled(old0, SIGTERM))
        #expect(promoted.workerSpawns.map(\.slot) == [1])
        #expect(h.exit(old0, code: 0).count(message: "worker retired") == 1)
        let done = h.send(.ready(pipe: h.pipe(.replacement(slot: 1))))
        #expect(done.signalled(old1, SIGTERM))
        #expect(done.count(message: "reload complete") == 1)
        #expect(h.isRunning)
        #expect(done.added(MetricFamilies.workerRestarts, ["reloaded"]) == 1)
    }

    @Test func reloadDuringReloadRestartsTheSequence() {
        let (reloading, firstCandidate, firstPipe) = Harness.reloading()
        var h = reloading
        let again = h.send(.reload(h.state.config))
        #expect(again.signalled(firstCandidate, SIGTERM))
        #expect(again.closedPipes.contains(firstPipe))
        #expect(again.workerSpawns.map(\.slot) == [0])
        #expect(h.pid(.replacement(slot: 0)) != firstCandidate)
        #expect(!h.state.watchedPipes.contains(firstPipe))
        #expect(h.exit(firstCandidate, code: 0).count(message: "worker retired") == 1)
        #expect(h.isReloading)
    }

    @Test func readinessEOFBeforeTheExitLeavesTheDecisionToTheExitStatus() {
        let (reloading, candidate, pipe) = Harness.reloading()
        var h = reloading
        let eof = h.send(.readyEOF(pipe: pipe))
        #expect(eof.closedPipes == [pipe])
        #expect(eof.messages.isEmpty)
        #expect(h.isReloading)
        #expect(!h.state.watchedPipes.contains(pipe))
        let died = h.exit(candidate, code: 1)
        #expect(died.count(message: "reload aborted: replacement worker died") == 1)
        #expect(died.closedPipes.isEmpty) // closed once, at end of file
        #expect(died.signals.isEmpty) // the old workers keep serving
        #expect(h.isRunning)
    }

    @Test func aReplacementThatDiesBeforeReadyAbortsTheReload() {
        let (reloading, candidate, pipe) = Harness.reloading()
        var h = reloading
        let died = h.send(.childExited(pid: candidate, how: .signaled(signal: SIGSEGV)))
        #expect(died.count(message: "reload aborted: replacement worker died") == 1)
        #expect(died.closedPipes == [pipe])
        #expect(h.isRunning)
        #expect(h.state.nextDeadline() == nil)
    }

    @Test func aReplacementThatNeverBecomesReadyIsKilledAtTheTimeout() {
        let (reloading, candidate, pipe) = Harness.reloading()
        var h = reloading
        #expect(h.state.nextDeadline() == h.now.adding(milliseconds: SupervisorState.readyTimeoutMs))
        #expect(h.advance(ms: SupervisorState.readyTimeoutMs - 1).signals.isEmpty)
        let timedOut = h.advance(ms: 1)
        #expect(timedOut.count(message: "reload aborted: replacement worker did not become ready in time") == 1)
        #expect(timedOut.signals.map(\.pid) == [candidate] && timedOut.signalled(candidate, SIGKILL))
        #expect(timedOut.closedPipes == [pipe])
        #expect(h.isRunning)
        #expect(h.send(.childExited(pid: candidate, how: .signaled(signal: SIGKILL))).count(message: "worker retired") == 1)
    }

    @Test func aReplacementThatCannotBeSpawnedAbortsTheReload() {
        var h = Harness(workers: 2)
        h.startAllReady()
        h.failSpawns = true
        let actions = h.send(.reload(h.state.config))
        #expect(actions.count(message: "reload aborted: cannot start replacement worker") == 1)
        #expect(h.isRunning)
    }

    @Test func reloadIsDeferredWhileTheReplacementCannotReachPostgres() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let old0 = h.pid(.worker(slot: 0))
        h.send(.reload(h.state.config))
        let postponed = h.exit(h.pid(.replacement(slot: 0)), code: ProcessExit.postponed.rawValue)
        #expect(postponed.count(message: "reload postponed: the replacement worker cannot reach PostgreSQL; the running workers keep serving, retrying") == 1)
        #expect(postponed.signals.isEmpty)
        #expect(h.isReloading)
        #expect(h.state.nextDeadline() == h.now.adding(milliseconds: SupervisorState.reloadRetryMs))
        #expect(h.advance(ms: SupervisorState.reloadRetryMs - 1).workerSpawns.isEmpty)
        let retry = h.advance(ms: 1)
        #expect(retry.workerSpawns.map(\.slot) == [0])
        // Still down: retried again, warned about once.
        #expect(h.exit(h.pid(.replacement(slot: 0)), code: ProcessExit.postponed.rawValue).messages.isEmpty)
        h.advance(ms: SupervisorState.reloadRetryMs)
        // PostgreSQL is back: the reload goes on.
        let promoted = h.send(.ready(pipe: h.pipe(.replacement(slot: 0))))
        #expect(promoted.signalled(old0, SIGTERM))
        h.send(.ready(pipe: h.pipe(.replacement(slot: 1))))
        #expect(h.isRunning)
    }

    @Test func reloadResizesThePool() {
        var h = Harness(workers: 3)
        h.startAllReady()
        let old2 = h.pid(.worker(slot: 2))
        var smaller = h.state.config
        smaller.workers = 2
        let shrink = h.send(.reload(smaller))
        #expect(shrink.signalled(old2, SIGTERM))
        #expect(h.exit(old2, code: 0).count(message: "worker retired") == 1)
        var bigger = h.state.config
        bigger.workers = 4
        let grow = h.send(.reload(bigger))
        #expect(grow.workerSpawns.filter { !$0.replacement }.map(\.slot) == [2, 3])
        #expect(grow.added(MetricFamilies.workerRestarts, ["reloaded"]) == 0)
    }

    @Test func aRefusedReloadKeepsEverything() {
        var h = Harness(workers: 1)
        h.startAllReady()
        let actions = h.send(.reloadRefused(error: "config error: workers"))
        #expect(actions.count(message: "reload refused: configuration invalid, keeping the running one") == 1)
        #expect(actions.signals.isEmpty && h.isRunning)
    }

    @Test func reloadKeepsTheListenerAndSharedMemorySizes() {
        var h = Harness(workers: 1)
        h.startAllReady()
        var fresh = h.state.config
        fresh.listen = .tcp(host: "127.0.0.1", port: 9999)
        fresh.rateLimitTableSize = h.state.config.rateLimitTableSize * 2
        let actions = h.send(.reload(fresh))
        #expect(actions.messages.contains { $0.hasPrefix("reload: listener settings change only on restart") })
        #expect(actions.count(message: "reload: shared-memory sizes change only on restart; keeping the current region") == 1)
        #expect(h.state.config.listen != fresh.listen)
    }
}

@Suite struct SupervisorStopTests {
    @Test func stopDrainsWorkersThenTheDrainerWithAnExtendedDeadline() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let flusher = h.pid(.auxiliary(name: "audit-flusher")), executor = h.pid(.auxiliary(name: "pipeline-executor"))
        let stop = h.send(.stop(reason: "SIGTERM"))
        #expect(stop.closesListener)
        #expect(stop.count(message: "shutting down: draining in-flight requests") == 1)
        #expect(stop.signalled(h.pid(.worker(slot: 0)), SIGTERM) && stop.signalled(h.pid(.worker(slot: 1)), SIGTERM))
        #expect(stop.signalled(executor, SIGTERM))
        #expect(!stop.signalled(flusher, SIGTERM)) // it drains what the workers leave
        let firstDeadline = h.stopDeadline!
        #expect(firstDeadline == h.now.adding(milliseconds: 32_000))
        #expect(h.send(.stop(reason: "SIGINT")).isEmpty)
        h.now = h.now.adding(milliseconds: 10_000)
        #expect(h.exit(h.pid(.worker(slot: 0)), code: 0).count(message: "worker stopped") == 1)
        let workersGone = h.exit(h.pid(.worker(slot: 1)), code: 0)
        #expect(workersGone.signalled(flusher, SIGTERM))
        #expect(h.stopDeadline == h.now.adding(milliseconds: 32_000))
        #expect(h.exit(executor, code: 0).exitCode == nil)
        // Past the first deadline, within the extended one: no forced kill.
        #expect(h.advance(ms: 25_000).forceKilled == nil)
        let done = h.exit(flusher, code: 0)
        #expect(done.count(message: "audit-flusher stopped") == 1)
        #expect(done.exitCode == 0)
    }

    @Test func theForcedKillComesAfterTheDeadline() {
        var h = Harness(workers: 2)
        h.startAllReady()
        let pids = Set(h.children.keys)
        h.send(.stop(reason: "SIGTERM"))
        #expect(h.advance(ms: 31_999).forceKilled == nil)
        let killed = h.advance(ms: 1)
        #expect(killed.count(message: "drain timeout: killing processes still running") == 1)
        #expect(Set(killed.forceKilled ?? []) == pids)
        #expect(killed.exitCode == 1)
        #expect(h.advance(ms: 1000).isEmpty)
    }

    @Test func aWorkerThatAbandonedRequestsAtItsDrainTimeoutMakesServeExit1() {
        var h = Harness(workers: 1) { $0.auditEnabled = false; $0.executorEnabled = false }
        h.startAllReady()
        h.send(.stop(reason: "SIGTERM"))
        #expect(h.exit(h.pid(.worker(slot: 0)), code: ProcessExit.drainTimeout.rawValue).exitCode == 1)
    }

    @Test func stopDuringAReloadRetiresTheReplacementAndIgnoresLaterReloads() {
        var h = Harness(workers: 1)
        h.startAllReady()
        h.send(.reload(h.state.config))
        let candidate = h.pid(.replacement(slot: 0))
        let stop = h.send(.stop(reason: "SIGTERM"))
        #expect(stop.signalled(candidate, SIGTERM))
        #expect(h.isStopping)
        #expect(h.send(.reload(h.state.config)).isEmpty)
        #expect(h.send(.reloadRefused(error: "x")).isEmpty)
        #expect(h.exit(candidate, code: 0).count(message: "worker retired") == 1)
    }

    @Test func aStopWithoutChildrenExitsAtOnce() {
        var h = Harness(workers: 1) { $0.auditEnabled = false; $0.executorEnabled = false }
        h.failSpawns = true
        h.send(.start)
        #expect(h.send(.stop(reason: "SIGTERM")).exitCode == 0)
    }

    @Test func restartsDueDuringTheStopDoNotHappen() {
        var h = Harness(workers: 2)
        h.startAllReady()
        h.exit(h.pid(.worker(slot: 0)), code: 1)
        h.send(.stop(reason: "SIGTERM"))
        #expect(h.advance(ms: 1000).workerSpawns.isEmpty)
    }
}

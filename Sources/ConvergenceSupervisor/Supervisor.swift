import CConvergenceSys
import ConvergenceCore
import ConvergenceShared
import Glibc

/// A supervisor start-up failure other than the listener's: signalfd, shared memory, spawning.
public struct SupervisorError: Error, CustomStringConvertible {
    public let description: String
}

/// `convergence serve`: owns the listener and keeps `workers` worker processes
/// alive, php-fpm style. The decisions are `SupervisorState`'s; this is the loop that
/// turns signals, readiness pipes and time into its events and carries out its actions.
///
/// Everything runs on one thread around poll(2) over a signalfd and the children's
/// readiness pipes, so there are no signal-handler races to reason about.
public final class Supervisor {
    private var state: SupervisorState
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
    /// Closed (and its path removed) as soon as a stop begins.
    private var listenerClosed = false
    private var exitCode: Int32?

    public init(config: Config, configPath: String?, roles: ChildRoles, environment: [String: String],
                logger: Logger) throws(SupervisorError) {
        self.configPath = configPath
        self.roles = roles
        self.environment = environment
        self.logger = logger
        state = SupervisorState(config: config, roles: roles)
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&mask, signal) }
        // Blocked before any other thread exists, so every signal lands in the signalfd.
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        signal(SIGPIPE, SIG_IGN)
        signalFD = cv_signalfd_open(&mask)
        guard signalFD >= 0 else { throw SupervisorError(description: "signalfd: \(errnoText())") }
        do { listener = try Listener.open(config) } catch { throw SupervisorError(description: error.description) }
        do { shared = try SharedRegion.create(config: config) } catch {
            listener.close()
            throw SupervisorError(description: error.description)
        }
        metrics = MetricsRecorder(region: shared, customerCap: config.metricsCustomerCap)
        spawner = ProcessSpawner(executable: currentExecutablePath(), sharedFD: shared.fd)
    }

    /// Runs until shutdown; returns the process exit code.
    public func run() -> Int32 {
        let config = state.config
        logger.info("supervisor started", [
            "listen": .string(listener.address.description), "workers": .int(config.effectiveWorkers),
            "threads": .int(config.threads), "version": .string(ConvergenceVersion.string),
            "shm_bytes": .int(shared.totalBytes),
        ])
        dispatch(.start)
        while exitCode == nil {
            pollOnce()
            if exitCode == nil { dispatch(.timer) }
        }
        closeListener()
        logger.info("supervisor stopped", ["exit_code": .int(Int(exitCode!))])
        return exitCode!
    }

    // MARK: - Events in

    private func pollOnce() {
        var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        for pipe in state.watchedPipes { fds.append(pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)) }
        let untilNext = state.nextDeadline().map { Int($0.milliseconds(since: .now()).rounded(.up)) } ?? 1000
        let n = poll(&fds, nfds_t(fds.count), Int32(max(0, min(1000, untilNext))))
        guard n > 0 else { return }
        for entry in fds where entry.revents != 0 && exitCode == nil {
            if entry.fd == signalFD { drainSignals() } else { readinessChanged(pipe: entry.fd) }
        }
    }

    private func drainSignals() {
        while exitCode == nil {
            let signal = cv_signalfd_read(signalFD)
            guard signal > 0 else { return }
            switch signal {
            case SIGCHLD: reapChildren()
            case SIGTERM, SIGINT: dispatch(.stop(reason: signalName(signal)))
            case SIGHUP: reload()
            default: break
            }
        }
    }

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            dispatch(.childExited(pid: pid, how: ExitDescription(status: status)))
        }
    }

    private func readinessChanged(pipe: Int32) {
        // Events gathered before this batch may name a pipe that was closed (and its
        // number reused) while handling signals: only pipes still tracked are read.
        guard state.watchedPipes.contains(pipe) else { return }
        var byte: UInt8 = 0
        let n = read(pipe, &byte, 1)
        if n < 0, errno == EAGAIN || errno == EINTR { return }
        guard n == 1 else { return dispatch(.readyEOF(pipe: pipe)) }
        dispatch(byte == ChildProcess.Notice.recycling.rawValue ? .recycling(pipe: pipe) : .ready(pipe: pipe))
    }

    private func reload() {
        let fresh: Config
        do {
            fresh = try ConfigLoader.load(path: configPath, environment: environment)
        } catch {
            return dispatch(.reloadRefused(error: error.description))
        }
        let actions = state.handle(.reload(fresh), now: .now())
        logger = logger.with(level: state.config.logLevel) // before the reload's own log lines
        perform(actions)
    }

    // MARK: - Actions out

    private func dispatch(_ event: SupervisorState.Event) {
        perform(state.handle(event, now: .now()))
    }

    /// Carries out `actions` in order; a spawn's outcome is an event whose actions follow.
    private func perform(_ actions: [SupervisorState.Action]) {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case .spawnWorker(let slot, let generation, let replacement):
                var env = childEnvironment()
                if replacement { env["CONVERGENCE_RELOAD_CANDIDATE"] = "1" }
                env["CONVERGENCE_WORKER_ID"] = String(slot)
                env["CONVERGENCE_WORKER_GENERATION"] = String(generation)
                let child: ChildID = replacement ? .replacement(slot: slot) : .worker(slot: slot)
                queue += spawn(child, arguments: [roles.worker], listenerFD: listener.fd, environment: env)
            case .spawnAuxiliary(let name):
                var env = childEnvironment()
                env["CONVERGENCE_ROLE"] = name
                queue += spawn(.auxiliary(name: name), arguments: [name], listenerFD: nil, environment: env)
            case .signal(let pid, let signal):
                kill(pid, signal)
            case .forceKill(let pids):
                for pid in pids { kill(pid, SIGKILL) }
                for pid in pids { var status: Int32 = 0; waitpid(pid, &status, 0) }
            case .closePipe(let fd):
                close(fd)
            case .closeListener:
                closeListener()
            case .setMetric(let family, let labels, let value):
                metrics.set(family, labels, value)
            case .addMetric(let family, let labels):
                metrics.add(family, labels)
            case .log(let level, let message, let fields):
                logger.log(level, message, fields, requestID: nil)
            case .exit(let code):
                exitCode = code
            }
        }
    }

    private func spawn(_ child: ChildID, arguments: [String], listenerFD: Int32?,
                       environment: [String: String]) -> [SupervisorState.Action] {
        let event: SupervisorState.Event
        do {
            let spawned = try spawner.spawn(arguments: arguments, listenerFD: listenerFD, environment: environment)
            event = .spawned(child, pid: spawned.pid, pipe: spawned.readyPipe)
        } catch {
            event = .spawnFailed(child, error: error.description)
        }
        return state.handle(event, now: .now())
    }

    /// What every child gets: the validated configuration and its readiness fd.
    private func childEnvironment() -> [String: String] {
        var env = environment
        env["CONVERGENCE_WORKER_CONFIG"] = WorkerLaunch.encode(state.config)
        env["CONVERGENCE_WORKER_READY_FD"] = String(ProcessSpawner.readyFD)
        env[SharedRegion.environmentKey] = String(SharedRegion.childFD)
        return env
    }

    /// The path goes, and our copy of the socket is closed; the workers close theirs
    /// once drained (`Worker.run`), which closes a TCP listener too.
    private func closeListener() {
        guard !listenerClosed else { return }
        listenerClosed = true
        listener.close()
    }
}

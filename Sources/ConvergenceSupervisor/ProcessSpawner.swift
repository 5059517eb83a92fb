import CConvergenceSys
import ConvergenceCore
import ConvergenceShared
import Glibc

/// Starts worker processes by re-executing our own binary (`convergence worker`)
/// with posix_spawn: the listener becomes fd 0, a readiness pipe fd 3 and the
/// shared-memory region fd 4.
/// Re-exec rather than fork(): forking a process that runs Swift/Dispatch
/// threads leaves locks held by threads that do not exist in the child.
struct ProcessSpawner {
    let executable: String
    /// The shared-memory region's fd, handed to every child as fd 4 (`SharedRegion.childFD`).
    let sharedFD: Int32?

    static let readyFD: Int32 = 3

    struct Spawned {
        let pid: pid_t
        /// Read end of the readiness pipe: one byte arrives when the worker accepts.
        let readyPipe: Int32
    }

    /// `listenerFD` nil: the child gets /dev/null as fd 0 (auxiliary processes accept nothing).
    func spawn(arguments: [String], listenerFD: Int32?, environment: [String: String]) throws(SupervisorError) -> Spawned {
        var pipeFDs: [Int32] = [0, 0]
        guard cv_pipe_cloexec(&pipeFDs) == 0 else { throw SupervisorError(description: "pipe: \(errnoText())") }
        defer { close(pipeFDs[1]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the target, so only these two fds cross exec.
        if let listenerFD {
            posix_spawn_file_actions_adddup2(&actions, listenerFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], ProcessSpawner.readyFD)
        if let sharedFD { posix_spawn_file_actions_adddup2(&actions, sharedFD, SharedRegion.childFD) }
        // Anything else we inherited without close-on-exec (from systemd, a shell, a test harness) stays behind.
        cv_spawn_add_closefrom(&actions, SharedRegion.childFD + 1)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The supervisor blocks signals to read them from a signalfd; workers start clean.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStringArray(argv) { argvPointers in
            withCStringArray(envp) { envPointers in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard rc == 0 else {
            close(pipeFDs[0])
            throw SupervisorError(description: "cannot start worker \(executable): \(errnoText(rc))")
        }
        return Spawned(pid: pid, readyPipe: pipeFDs[0])
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// The absolute path of the running binary.
func currentExecutablePath() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
}

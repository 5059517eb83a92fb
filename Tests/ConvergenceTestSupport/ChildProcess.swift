import CConvergenceSys
import Foundation

/// A child process started with posix_spawn and reaped with waitpid.
/// Foundation's Process is not used: on Linux it detects exit through a socket
/// inherited by the child, so a command that leaves a daemon behind (pg_ctl,
/// nginx) or a server's own children would look alive for as long as they are.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is only written under `lock`; everything else is immutable.
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `executable` with stdin from /dev/null and stdout+stderr appended to `outputPath`.
    public init(executable: String, arguments: [String], environment: [String: String],
                outputPath: String, errorPath: String? = nil, workingDirectory: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        if let workingDirectory { cv_spawn_add_chdir(&actions, workingDirectory) }
        cv_spawn_add_closefrom(&actions, 3)
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStrings(argv) { a in withCStrings(envp) { e in posix_spawnp(&pid, executable, &actions, nil, a, e) } }
        guard rc == 0 else { throw HarnessError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// The wait status once the child has exited (reaping it), nil while it runs.
    public var exitStatus: Int32? {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = ChildProcess.decode(raw) }
            return status
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Blocks until the child exits and returns its exit code (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        while true {
            if let status = exitStatus { return status }
            usleep(5_000)
        }
    }

    static func decode(_ raw: Int32) -> Int32 {
        cv_wifexited(raw) != 0 ? cv_wexitstatus(raw) : 128 + cv_wtermsig(raw)
    }
}

func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

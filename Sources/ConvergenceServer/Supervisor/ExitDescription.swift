import CConvergenceSys
import Glibc

/// How a child process ended, decoded from a waitpid status.
enum ExitDescription: Equatable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32)
    case unknown(status: Int32)

    init(status: Int32) {
        if cv_wifexited(status) != 0 {
            self = .exited(code: cv_wexitstatus(status))
        } else if cv_wifsignaled(status) != 0 {
            self = .signaled(signal: cv_wtermsig(status))
        } else {
            self = .unknown(status: status)
        }
    }

    var description: String {
        switch self {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "killed by signal \(signal) (\(signalName(signal)))"
        case .unknown(let status): "ended with wait status \(status)"
        }
    }
}

func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGKILL: "SIGKILL"
    case SIGTERM: "SIGTERM"
    case SIGSEGV: "SIGSEGV"
    case SIGABRT: "SIGABRT"
    case SIGILL: "SIGILL"
    case SIGBUS: "SIGBUS"
    case SIGINT: "SIGINT"
    case SIGHUP: "SIGHUP"
    case SIGTRAP: "SIGTRAP"
    case SIGFPE: "SIGFPE"
    case SIGPIPE: "SIGPIPE"
    default: "signal \(signal)"
    }
}

import CConvergenceSys
import ConvergenceCore
import Glibc

/// The FastCGI listening socket, created once by the supervisor and inherited by
/// every worker as fd 0 (FCGI_LISTENSOCK_FILENO), so workers come and go
/// without the socket ever closing: reloads drop no connection.
public struct Listener: Sendable {
    public let fd: Int32
    public let address: ListenAddress

    /// How long an idle accept() blocks before the worker thread re-checks its
    /// drain flag; short enough for snappy shutdowns, long enough to cost nothing.
    public static let acceptTimeoutMs: Int32 = 250

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func open(_ config: Config) throws(Failure) -> Listener {
        let fd: Int32
        switch config.listen {
        case .unix(let path):
            if cv_unix_socket_in_use(path) == 1 {
                throw Failure(description: "listen: \(path) is in use by a running server; stop it first")
            }
            unlink(path) // a stale socket from a crashed run
            fd = cv_listen_unix(path, Int32(config.listenBacklog))
            guard fd >= 0 else { throw Failure(description: "listen: cannot bind \(path): \(errnoText())") }
            if let group = config.listenGroup {
                guard let entry = getgrnam(group) else {
                    Glibc.close(fd)
                    throw Failure(description: "listen_group: no such group \"\(group)\"")
                }
                guard chown(path, getuid(), entry.pointee.gr_gid) == 0 else {
                    Glibc.close(fd)
                    throw Failure(description: "listen_group: cannot chown \(path): \(errnoText())")
                }
            }
            guard chmod(path, mode_t(config.listenMode)) == 0 else {
                Glibc.close(fd)
                throw Failure(description: "listen_mode: cannot chmod \(path): \(errnoText())")
            }
        case .tcp(let host, let port):
            fd = cv_listen_tcp(host, Int32(port), Int32(config.listenBacklog))
            guard fd >= 0 else { throw Failure(description: "listen: cannot bind \(host):\(port): \(errnoText())") }
        }
        cv_set_recv_timeout(fd, acceptTimeoutMs)
        return Listener(fd: fd, address: config.listen)
    }

    /// Closes the socket and removes its path.
    public func close() {
        Glibc.close(fd)
        if case .unix(let path) = address { unlink(path) }
    }
}

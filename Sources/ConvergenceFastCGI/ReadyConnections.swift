import CConvergenceSys
import ConvergenceCore
import Glibc
import Synchronization

/// The worker's readiness set: one epoll instance shared by its threads, watching
/// the listener and every accepted connection that has not sent its request yet.
///
/// A thread never sleeps on one connection. With a plain blocking accept-then-read
/// loop, every request costs its thread two sleeps and wake-ups (in accept, then
/// in read: nginx connects before it writes) and the thread comes back to a cold
/// cache; here a thread picks whichever connection is ready, so under load the
/// threads run request after request. Connections are registered one-shot: the
/// thread that gets one serves it alone.
package final class ReadyConnections: Sendable {
    let epollFD: Int32
    let listenFD: Int32
    /// Accepted connections not yet closed (being served or waiting for their request).
    private let open = Atomic<Int>(0)
    private let accepting = Atomic<Bool>(true)

    enum Event: Equatable {
        case listener
        case connection(Int32)
        case timeout
        case failed(Int32)
    }

    /// A thread's batch of ready fds: taken from the set in one wait, served in
    /// turn (one-shot registrations make them this thread's alone).
    struct Batch {
        fileprivate var fds: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        fileprivate var count = 0
        fileprivate var next = 0

        static let capacity: Int32 = 4

        /// Served to the end: the next `next` waits for events.
        var isEmpty: Bool { next == count }
    }

    package init(listenFD: Int32) throws(FileError) {
        let ep = cv_epoll_create()
        guard ep >= 0 else { throw FileError(errno: errno) }
        // Shared by every worker process: accept must not block when another took the connection.
        guard cv_set_nonblocking(listenFD) == 0, cv_epoll_add_listener(ep, listenFD) == 0 else {
            let code = errno
            Glibc.close(ep)
            throw FileError(errno: code)
        }
        epollFD = ep
        self.listenFD = listenFD
    }

    deinit { Glibc.close(epollFD) }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// The next ready fd: from the thread's batch, or a new batch after one wait.
    func next(timeoutMs: Int32, batch: inout Batch) -> Event {
        if batch.next == batch.count {
            let n = withUnsafeMutableBytes(of: &batch.fds) { raw in
                cv_epoll_wait_fds(epollFD, raw.baseAddress!.assumingMemoryBound(to: Int32.self), Batch.capacity, timeoutMs)
            }
            guard n > 0 else { return n == 0 ? .timeout : .failed(errno) }
            batch.count = Int(n)
            batch.next = 0
        }
        let fd = withUnsafeBytes(of: batch.fds) { $0.load(fromByteOffset: batch.next * 4, as: Int32.self) }
        batch.next += 1
        return fd == listenFD ? .listener : .connection(fd)
    }

    /// The batch's fds not yet served go back: a connection is re-armed (it is ready, so
    /// a waiting thread gets it at once), a listener event goes to `listener`.
    func handBack(_ batch: inout Batch, listener: () -> Void) {
        while batch.next < batch.count {
            let fd = withUnsafeBytes(of: batch.fds) { $0.load(fromByteOffset: batch.next * 4, as: Int32.self) }
            batch.next += 1
            if fd == listenFD { listener() } else { rearm(fd) }
        }
    }

    /// Takes one connection from the listener; nil (errno set) when the backlog is
    /// empty or accept failed. The listener is edge-triggered: call until nil after
    /// each listener event. The caller serves the connection or `watch`es it.
    func accept() -> Int32? {
        let fd = cv_accept(listenFD)
        guard fd >= 0 else { return nil }
        open.add(1, ordering: .relaxed)
        return fd
    }

    /// Watches an accepted connection until its request arrives.
    func watch(_ fd: Int32) {
        if cv_epoll_add_oneshot(epollFD, fd) != 0 { closeConnection(fd) }
    }

    /// Watches a kept (FCGI_KEEP_CONN) connection again for its next request.
    func rearm(_ fd: Int32) {
        if cv_epoll_rearm_oneshot(epollFD, fd) != 0 { closeConnection(fd) }
    }

    /// The connection was closed (by us or by libfcgi): it leaves the count.
    func closed() { open.subtract(1, ordering: .relaxed) }

    func closeConnection(_ fd: Int32) {
        Glibc.close(fd) // closing removes it from the epoll set
        closed()
    }

    /// Drain: no new connections from now on (idempotent); the ones accepted are still served.
    package func stopAccepting() {
        guard accepting.exchange(false, ordering: .relaxed) else { return }
        _ = cv_epoll_remove(epollFD, listenFD)
    }
}

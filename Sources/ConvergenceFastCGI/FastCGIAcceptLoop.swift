import CConvergenceSys
import CFastCGI
import ConvergenceCore
import ConvergenceHTTP
import Glibc

/// The worker's threads: take ready FastCGI connections (`ReadyConnections`:
/// an epoll set over the listener on fd 0 and the accepted connections) and
/// serve them.
///
/// We accept(2) ourselves and hand each connection to `FCGX_Accept_r` (by
/// presetting `ipcFd` with `keepConnection`, so libfcgi reads it instead of
/// accepting) once its request has arrived. Idle threads wake every 250 ms to
/// see a drain request; libfcgi's own accept would block forever, and a signal
/// to break it could also interrupt a thread mid-request.
///
/// A class shared by the worker's threads: its methods run on every request, and
/// closures there capture `self`, which for a struct meant copying (and
/// retaining) the router, logger and closures each time.
package final class FastCGIAcceptLoop<Context>: Sendable {
    let listenFD: Int32
    let isTCP: Bool
    let maxBodyBytes: Int
    let maxRequests: Int
    let router: Router<Context>
    let state: WorkerState
    /// How many of the threads take connections at once (the others stand by).
    let active: ActiveThreads
    let logger: Logger
    /// Maps errors that are not bugs (database down…) to API errors, with the thread's context for counting them.
    let mapError: @Sendable (any Error, Context) -> APIError?
    /// Runs before a response is written: adds context headers, records metrics.
    let finish: @Sendable (inout Response, Request, Context, MonotonicInstant) -> Void

    package init(listenFD: Int32, isTCP: Bool, maxBodyBytes: Int, maxRequests: Int, router: Router<Context>, state: WorkerState,
         active: ActiveThreads, logger: Logger,
         mapError: @escaping @Sendable (any Error, Context) -> APIError?,
         finish: @escaping @Sendable (inout Response, Request, Context, MonotonicInstant) -> Void) {
        self.listenFD = listenFD
        self.isTCP = isTCP
        self.maxBodyBytes = maxBodyBytes
        self.maxRequests = maxRequests
        self.router = router
        self.state = state
        self.active = active
        self.logger = logger
        self.mapError = mapError
        self.finish = finish
    }

    /// A thread's state for `run`; also the wait observer of its PostgreSQL connections.
    package func makeThread(connections: ReadyConnections) -> ServingThread {
        ServingThread(connections: connections, active: active) { [self] in
            _ = acceptWaiting(connections: connections, keepOneReady: false)
        }
    }

    package func run(_ thread: ServingThread, context: Context) {
        var fcgi = FCGX_Request()
        FCGX_InitRequest(&fcgi, -1, 0)
        let output = ByteBuffer(capacity: 4096) // the thread's response buffer, reused
        let connections = thread.connections
        while true {
            if state.isStopping { connections.stopAccepting() }
            // Idle, nothing in hand: more threads than `active_threads` running means this one stands by.
            if thread.batch.isEmpty, active.overLimit {
                active.standByWhileOverLimit(checkMs: WorkerState.idleWakeMs) { state.isStopping }
            }
            switch connections.next(timeoutMs: WorkerState.idleWakeMs, batch: &thread.batch) {
            case .timeout:
                // Draining ends once every accepted connection has been answered.
                if state.isStopping && connections.openConnections == 0 { return }
            case .listener:
                let direct = acceptWaiting(connections: connections, keepOneReady: true)
                if direct >= 0 { serve(direct, inSet: false, &fcgi, context: context, output: output, connections: connections) }
            case .connection(let fd):
                serve(fd, inSet: true, &fcgi, context: context, output: output, connections: connections)
            case .failed(let code):
                guard code != EINTR else { continue }
                logger.error("event wait failed, worker stops", ["error": .string(errnoText(code))])
                state.requestStop()
                return
            }
        }
    }

    /// Accepts every connection waiting on the listener into the set. With `keepOneReady`,
    /// the first whose request has arrived is returned instead, for the caller to serve.
    private func acceptWaiting(connections: ReadyConnections, keepOneReady: Bool) -> Int32 {
        // Edge-triggered: take every waiting connection now, or some would wait for the
        // next arrival. Also while draining: this edge was ours alone (EPOLLEXCLUSIVE), so
        // a connection left in the backlog would wait for a replacement worker's next edge.
        var direct: Int32 = -1
        while true {
            guard let fd = connections.accept() else {
                // Short of EAGAIN, this edge's connections may still be in the backlog:
                // accept again (after a back-off when out of descriptors or memory) rather
                // than leave them for the next arrival.
                if handleAcceptError(errno), !state.isStopping { continue }
                return direct
            }
            if isTCP {
                cv_set_nodelay(fd)
                // Workers never close a kept connection: over TCP, a peer that vanished
                // silently is found by keepalive probes instead.
                cv_set_keepalive(fd)
            }
            // nginx writes its request as soon as it has connected, so it is usually here
            // already: this thread serves the first such connection itself, without a trip
            // through the set (an epoll_ctl and a wake-up); the others go to the set, where
            // idle threads take them. A silent connection still never holds a thread.
            if keepOneReady, direct < 0, cv_readable_now(fd) == 1 { direct = fd } else { connections.watch(fd) }
        }
    }

    /// Whether to accept again: the backlog is not known to be empty (after a back-off
    /// for a shortage that answering the connections already accepted will relieve).
    private func handleAcceptError(_ code: Int32) -> Bool {
        switch code {
        case EAGAIN, EWOULDBLOCK:
            return false // the backlog is empty (or another thread or worker took the rest)
        case EINTR, ECONNABORTED, EPROTO:
            return true // interrupted, or that peer gave up: the next one may be waiting
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            logger.error("accept failed, backing off", ["error": .string(errnoText(code))])
            usleep(50_000)
            return true
        default:
            logger.error("listener unusable, worker stops", ["error": .string(errnoText(code))])
            state.requestStop()
            return false
        }
    }

    /// Serves the request that arrived on `fd`; a connection nginx keeps
    /// (`fastcgi_keep_conn`) goes back to the set for its next request.
    ///
    /// A kept connection is never closed from this side, not even while draining:
    /// FastCGI has no way to tell nginx "do not reuse this one", so a close races
    /// with the next request nginx may already be writing, and nginx does not retry
    /// a POST whose request it has started to send (the client gets a 502). nginx
    /// closes kept connections itself (upstream `keepalive_timeout`, `keepalive_time`,
    /// `keepalive_requests`); a draining worker serves them until it has, or until
    /// `shutdown_timeout_seconds`. `inSet`: the fd is registered in the set already (served
    /// directly after accept, it is not: a kept one is then added, not re-armed).
    private func serve(_ fd: Int32, inSet: Bool, _ fcgi: inout FCGX_Request, context: Context, output: ByteBuffer,
                       connections: ReadyConnections) {
        fcgi.ipcFd = fd
        fcgi.keepConnection = 1
        guard FCGX_Accept_r(&fcgi) >= 0 else { // protocol error or peer gone; libfcgi closed it
            connections.closed()
            return
        }
        state.inFlight.add(1, ordering: .relaxed)
        var bodyConsumed = serveOne(&fcgi, context: context, output: output)
        // A refused body nginx has sent in full is still in the stream, ahead of the
        // connection's next request: read past it so the connection stays usable.
        if !bodyConsumed, fcgi.keepConnection != 0 {
            bodyConsumed = FastCGIRequestReader.discardBody(&fcgi)
            // Past the limit the stream cannot be resynchronised: libfcgi closes it.
            if !bodyConsumed { fcgi.keepConnection = 0 }
        }
        // libfcgi's close is a "lingering close": shutdown, then poll until
        // the peer hangs up, which costs every request a sleep and a wake-up.
        // It protects a TCP peer from a RST that could discard our response;
        // over a unix socket, and once the whole request was read, a plain
        // close is safe (libfcgi skips the linger for detached requests).
        if !isTCP && bodyConsumed { fcgi.detached = 1 }
        FCGX_Finish_r(&fcgi)
        state.inFlight.subtract(1, ordering: .relaxed)
        let served = state.requestsServed.add(1, ordering: .relaxed).newValue
        if maxRequests > 0, served >= maxRequests, !state.recycling.exchange(true, ordering: .relaxed) {
            state.requestStop()
        }
        let kept = fcgi.ipcFd
        fcgi.ipcFd = -1
        guard kept >= 0 else {
            connections.closed()
            return
        }
        if inSet { connections.rearm(kept) } else { connections.watch(kept) }
    }

    /// Serves one request; returns whether its body was read completely (false
    /// for a refused oversized body, where nginx may still be sending).
    private func serveOne(_ fcgi: inout FCGX_Request, context: Context, output: ByteBuffer) -> Bool {
        let started = MonotonicInstant.now()
        var response: Response
        let request: Request
        var consumed = true
        switch FastCGIRequestReader.read(&fcgi, maxBodyBytes: maxBodyBytes) {
        case .tooLarge(let tooLarge):
            request = tooLarge
            var error = Response.error(.payloadTooLarge(limit: maxBodyBytes), requestID: request.requestID)
            error.headers.append(HTTPField("X-Request-ID", request.requestID))
            response = error
            consumed = false
        case .request(let parsed):
            request = parsed
            response = router.respond(to: request, context: context, mapError: { mapError($0, context) }) { error in
                logger.error("unhandled error", ["error": .string(String(describing: error))], requestID: parsed.requestID)
            }
        }
        finish(&response, request, context, started)
        FastCGIResponseWriter.write(response, includeBody: request.method != "HEAD", to: &fcgi, buffer: output)
        return consumed
    }
}

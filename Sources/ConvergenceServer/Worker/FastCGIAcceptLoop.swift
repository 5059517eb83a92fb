import CConvergenceSys
import CFastCGI
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceStore
import Glibc

/// One worker thread: accepts FastCGI connections on fd 0 and serves them.
///
/// We call accept(2) ourselves and hand the connection to `FCGX_Accept_r`
/// (by presetting `ipcFd` with `keepConnection` so libfcgi reads it instead of
/// accepting). The listener carries SO_RCVTIMEO, so an idle thread wakes every
/// 250 ms to see a drain request; libfcgi's own accept would block forever and
/// a signal to break it could also interrupt a thread mid-request.
///
/// A class shared by the worker's threads: its methods run on every request, and
/// closures there capture `self`, which for a struct meant copying (and
/// retaining) the router, logger and closures each time.
final class FastCGIAcceptLoop<Context>: Sendable {
    let listenFD: Int32
    let isTCP: Bool
    let maxBodyBytes: Int
    let maxRequests: Int
    let router: Router<Context>
    let state: WorkerState
    let logger: Logger
    /// Maps errors that are not bugs (database down…) to API errors, with the thread's context for counting them.
    let mapError: @Sendable (any Error, Context) -> APIError?
    /// Runs before a response is written: adds context headers, records metrics.
    let finish: @Sendable (inout Response, Request, Context, MonotonicInstant) -> Void

    init(listenFD: Int32, isTCP: Bool, maxBodyBytes: Int, maxRequests: Int, router: Router<Context>, state: WorkerState, logger: Logger,
         mapError: @escaping @Sendable (any Error, Context) -> APIError?,
         finish: @escaping @Sendable (inout Response, Request, Context, MonotonicInstant) -> Void) {
        self.listenFD = listenFD
        self.isTCP = isTCP
        self.maxBodyBytes = maxBodyBytes
        self.maxRequests = maxRequests
        self.router = router
        self.state = state
        self.logger = logger
        self.mapError = mapError
        self.finish = finish
    }

    func run(context: Context) {
        var fcgi = FCGX_Request()
        FCGX_InitRequest(&fcgi, -1, 0)
        let output = ByteBuffer(capacity: 4096) // the thread's response buffer, reused

        while !state.isStopping {
            let fd = cv_accept(listenFD)
            guard fd >= 0 else {
                handleAcceptError(errno)
                continue
            }
            if isTCP {
                cv_set_recv_timeout(fd, 0) // accepted TCP sockets inherit the listener's timeout
                cv_set_nodelay(fd)
            }
            fcgi.ipcFd = fd
            fcgi.keepConnection = 1
            serveConnection(&fcgi, context: context, output: output)
        }
    }

    private func handleAcceptError(_ code: Int32) {
        switch code {
        case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO:
            return
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            logger.error("accept failed, backing off", ["error": .string(errnoText(code))])
            usleep(50_000)
        default:
            logger.error("listener unusable, worker stops", ["error": .string(errnoText(code))])
            state.requestStop()
        }
    }

    /// Serves every request on one connection: one without `fastcgi_keep_conn`,
    /// several with it (then idle waits are bounded so drains are noticed).
    private func serveConnection(_ fcgi: inout FCGX_Request, context: Context, output: ByteBuffer) {
        while true {
            guard FCGX_Accept_r(&fcgi) >= 0 else { return } // protocol error or peer gone; libfcgi closed it
            state.inFlight.add(1, ordering: .relaxed)
            let bodyConsumed = serveOne(&fcgi, context: context, output: output)
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
            guard fcgi.ipcFd >= 0 else { return }
            guard waitForNextRequest(fcgi.ipcFd) else {
                close(fcgi.ipcFd)
                fcgi.ipcFd = -1
                return
            }
        }
    }

    private func waitForNextRequest(_ fd: Int32) -> Bool {
        while !state.isStopping {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&entry, 1, Listener.acceptTimeoutMs)
            if n > 0 { return entry.revents & Int16(POLLIN) != 0 }
            if n < 0 && errno != EINTR { return false }
        }
        return false
    }

    /// Serves one request; returns whether its body was read completely (false
    /// for a refused oversized body, where nginx may still be sending).
    /// Database failures that are not bugs: PostgreSQL unreachable → 503, rejected data → 400.
    static func mapStoreError(_ error: any Error) -> APIError? {
        guard let error = error as? PostgresError else { return nil }
        if error.isConnectionFailure {
            return APIError(.serviceUnavailable, code: "database_unavailable", message: "The database is unreachable; retry shortly.")
        }
        if let state = error.sqlState, state.hasPrefix("22") {
            return APIError.badRequest("invalid_value", "A value in the request cannot be stored (for example a NUL character).")
        }
        return nil
    }

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

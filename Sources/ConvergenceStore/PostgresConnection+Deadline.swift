import CLibPQ
import ConvergenceCore
import Glibc

extension PostgresConnection {
    /// Runs one statement outside a transaction and waits at most `timeoutMs` for its answer;
    /// past that the connection is closed (the next statement reconnects) and the statement
    /// fails as `.timedOut` (slow, which is not a connection failure). For the request path,
    /// where a slow or hung server must not hold a thread for seconds (`PQexecParams` waits
    /// until TCP gives up). Closing, not
    /// `PQcancel`: a cancel opens a new connection, which can hang the same way. Connecting
    /// is not covered (libpq's `connect_timeout`, ≥ 2 s): callers use it on a live connection.
    public func query(_ sql: String, _ parameters: [any PostgresEncodable], timeoutMs: Int) throws(PostgresError) -> PostgresResult {
        try send(sql, parameters)
        return try receive(sql: sql, deadline: MonotonicInstant.now().adding(milliseconds: timeoutMs), timeoutMs: timeoutMs)
    }

    /// Sends one statement and returns at once; `receive` waits for its answer. A caller can
    /// work while PostgreSQL runs it (a preview replays one page while the next is read).
    /// Nothing else may use the connection in between.
    public func send(_ sql: String, _ parameters: [any PostgresEncodable]) throws(PostgresError) {
        precondition(transactionDepth == 0, "a statement sent ahead is never inside a transaction")
        try connectIfNeeded()
        let texts = parameters.map(\.postgresText)
        if texts.contains(where: { $0?.utf8.contains(0) ?? false }) {
            throw .server(sqlState: "22021", message: "a value contains a NUL character")
        }
        let sent = withOptionalCStrings(texts) { pointers in
            PQsendQueryParams(handle, sql, Int32(texts.count), nil, pointers, nil, nil, 0)
        }
        guard sent == 1 else { throw abandon(nil, PostgresConnection.message(handle!)) }
    }

    /// The answer to the statement `send` sent; past `deadline` (if any) the connection is
    /// closed and the statement fails as `.timedOut(timeoutMs)`.
    public func receive(sql: String, deadline: MonotonicInstant? = nil, timeoutMs: Int = 0) throws(PostgresError) -> PostgresResult {
        var last: OpaquePointer?
        while true {
            while PQisBusy(handle) == 1 {
                var wait: Int32 = -1
                if let deadline {
                    wait = Int32(max(0, (-MonotonicInstant.now().milliseconds(since: deadline)).rounded(.up)))
                    guard wait > 0 else {
                        if let last { PQclear(last) }
                        close()
                        throw .timedOut(milliseconds: timeoutMs)
                    }
                }
                var entry = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
                _ = waitObserver.waiting { poll(&entry, 1, wait) } // EINTR or timeout: the loop checks the deadline again
                guard PQconsumeInput(handle) == 1 else { throw abandon(last, PostgresConnection.message(handle!)) }
            }
            guard let result = PQgetResult(handle) else { break }
            if let last { PQclear(last) } // one statement: one result, then NULL
            last = result
        }
        try check(last, sql: sql)
        defer { PQclear(last) }
        return PostgresResult(last!)
    }

    private func abandon(_ result: OpaquePointer?, _ message: String) -> PostgresError {
        if let result { PQclear(result) }
        close()
        return .connectionFailed(message)
    }
}

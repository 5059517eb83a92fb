import CLibPQ
import Glibc

extension PostgresConnection {
    /// `LISTEN channel` (a fixed, code-supplied identifier).
    public func listen(_ channel: String) throws(PostgresError) {
        precondition(channel.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || $0 == 95 }, "channel names are code constants")
        try query("LISTEN \(channel)")
    }

    /// Waits up to `timeoutMs` for a NOTIFY on a channel this connection
    /// listens to; true when one (or more) arrived. Drains all pending ones.
    public func waitForNotification(timeoutMs: Int) throws(PostgresError) -> Bool {
        try !waitForNotifications(timeoutMs: timeoutMs).isEmpty
    }

    /// Waits up to `timeoutMs` for NOTIFYs on the channels this connection listens to
    /// and returns their payloads (empty on timeout), draining every pending one.
    public func waitForNotifications(timeoutMs: Int) throws(PostgresError) -> [String] {
        try connectIfNeeded()
        var payloads = drainNotifications()
        if !payloads.isEmpty { return payloads }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw .connectionFailed("no socket") }
        var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, Int32(max(0, timeoutMs)))
        guard ready > 0 else { return [] }
        guard PQconsumeInput(handle) == 1 else {
            let message = PostgresConnection.message(handle!)
            close()
            throw .connectionFailed(message)
        }
        payloads = drainNotifications()
        return payloads
    }

    private func drainNotifications() -> [String] {
        var payloads: [String] = []
        while let notification = PQnotifies(handle) {
            payloads.append(notification.pointee.extra.map { String(cString: $0) } ?? "")
            PQfreemem(notification)
        }
        return payloads
    }

    /// The server process serving this connection (for pg_cancel_backend and logs).
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// A handle that cancels this connection's running statement from another thread.
    public func makeCanceller() -> PostgresCanceller? {
        guard let handle, let cancel = PQgetCancel(handle) else { return nil }
        return PostgresCanceller(cancel)
    }
}

/// libpq's PGcancel: `PQcancel` on it is documented as safe to call from any
/// thread (and signal handlers) while another thread uses the connection.
public final class PostgresCanceller: @unchecked Sendable {
    // @unchecked: the only mutation is PQfreeCancel in deinit, when no other reference exists;
    // PQcancel itself is thread-safe by libpq's contract.
    private let pgCancel: OpaquePointer

    init(_ cancel: OpaquePointer) { pgCancel = cancel }

    deinit { PQfreeCancel(pgCancel) }

    /// Asks the server to cancel whatever statement runs now; false when the request could not be sent.
    @discardableResult
    public func cancel() -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(pgCancel, &buffer, Int32(buffer.count)) == 1
    }
}

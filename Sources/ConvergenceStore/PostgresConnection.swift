import CLibPQ
import ConvergenceCore
import Foundation

/// One libpq connection. Not thread-safe by design: each worker thread owns one
/// (libpq connections must not be shared between threads without locking), and
/// it reconnects lazily after the server went away.
public final class PostgresConnection {
    private let conninfo: ConnectionInfo
    // Internal (not private) for the COPY, LISTEN and cancel extensions in sibling files.
    var handle: OpaquePointer?
    private(set) var transactionDepth = 0
    /// Told around every wait for the server (connecting, a statement's answer): a worker lets
    /// another thread run meanwhile (`ActiveThreads`).
    public var waitObserver: (any WaitObserver)?

    public init(_ conninfo: ConnectionInfo) {
        self.conninfo = conninfo
    }

    deinit { if let handle { PQfinish(handle) } }

    public var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Connects when there is no healthy connection.
    public func connectIfNeeded() throws(PostgresError) {
        if let handle {
            if PQstatus(handle) == CONNECTION_OK { return }
            PQfinish(handle)
            self.handle = nil
        }
        let (keys, values) = conninfo.parameters
        let connection: OpaquePointer? = waitObserver.waiting {
            withCStrings(keys) { keyPointers in
                withCStrings(values) { valuePointers in
                    PQconnectdbParams(keyPointers, valuePointers, 1)
                }
            }
        }
        guard let connection else { throw .connectionFailed("out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PostgresConnection.message(connection)
            PQfinish(connection)
            throw .connectionFailed(message)
        }
        handle = connection
        transactionDepth = 0
    }

    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        transactionDepth = 0
    }

    /// Runs one statement with bound parameters (`$1`, `$2`, …).
    /// `idempotent` statements are retried once on a fresh connection when the old
    /// one turns out to be dead (typically after a PostgreSQL restart).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = [], idempotent: Bool = false) throws(PostgresError) -> PostgresResult {
        do {
            return try execute(sql, parameters)
        } catch where error.isConnectionFailure && idempotent && transactionDepth == 0 {
            close()
            return try execute(sql, parameters)
        }
    }

    /// Runs a script of several statements without parameters (migrations only:
    /// the simple-query protocol cannot bind values, so nothing user-supplied goes here).
    public func executeScript(_ sql: StaticString) throws(PostgresError) {
        try connectIfNeeded()
        let result = sql.withUTF8Buffer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { sql in waitObserver.waiting { PQexec(handle, sql.baseAddress) } }
        }
        try check(result, sql: "script")
        PQclear(result)
    }

    /// Runs DDL whose only variable parts are identifiers (tenant schema names)
    /// that the caller validated and quoted; values never go through here.
    public func executeDDL(_ sql: String) throws(PostgresError) {
        try connectIfNeeded()
        let result = waitObserver.waiting { PQexec(handle, sql) }
        try check(result, sql: "ddl")
        PQclear(result)
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try query("BEGIN")
        transactionDepth += 1
        let value: T
        do {
            value = try body(self)
        } catch {
            transactionDepth = max(0, transactionDepth - 1)
            if isConnected { _ = try? query("ROLLBACK") }
            throw error
        }
        transactionDepth = max(0, transactionDepth - 1)
        do {
            try query("COMMIT")
        } catch {
            if isConnected { _ = try? query("ROLLBACK") }
            throw error
        }
        return value
    }

    private func execute(_ sql: String, _ parameters: [any PostgresEncodable]) throws(PostgresError) -> PostgresResult {
        try connectIfNeeded()
        let texts = parameters.map(\.postgresText)
        // libpq takes C strings: a NUL would silently cut the value short. PostgreSQL's own
        // code for "text cannot contain NUL" marks it as bad input, not a server fault.
        if texts.contains(where: { $0?.utf8.contains(0) ?? false }) {
            throw .server(sqlState: "22021", message: "a value contains a NUL character")
        }
        let result: OpaquePointer? = withOptionalCStrings(texts) { pointers in
            waitObserver.waiting { PQexecParams(handle, sql, Int32(texts.count), nil, pointers, nil, nil, 0) }
        }
        try check(result, sql: sql)
        defer { PQclear(result) }
        return PostgresResult(result!)
    }

    func check(_ result: OpaquePointer?, sql: String) throws(PostgresError) {
        guard let result else {
            let message = handle.map(PostgresConnection.message) ?? "no connection"
            if let handle, PQstatus(handle) != CONNECTION_OK { close() }
            throw .connectionFailed(message)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT:
            return
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                ?? PostgresConnection.message(handle!)
            PQclear(result)
            if let handle, PQstatus(handle) != CONNECTION_OK {
                close()
                throw .connectionFailed(message)
            }
            throw .server(sqlState: state, message: message)
        }
    }

    static func message(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicated = strings.map { strdup($0) }
    defer { duplicated.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicated.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicated = strings.map { $0.map { strdup($0) } ?? nil }
    defer { duplicated.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicated.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

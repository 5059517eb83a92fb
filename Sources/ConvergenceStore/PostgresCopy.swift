import CLibPQ

extension PostgresConnection {
    /// Streams `data` (COPY text format rows) through `COPY … FROM STDIN` and
    /// returns the rows copied. Inside a transaction the caller's ROLLBACK undoes it.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws(PostgresError) -> Int {
        try connectIfNeeded()
        guard let started = PQexec(handle, sql) else {
            close()
            throw .connectionFailed("COPY could not start")
        }
        guard PQresultStatus(started) == PGRES_COPY_IN else {
            try check(started, sql: sql) // throws the server's error
            PQclear(started)
            throw .server(sqlState: "XX000", message: "COPY did not enter copy-in mode")
        }
        PQclear(started)
        // libpq buffers and sends as it goes; chunks keep each call's length in Int32.
        let chunk = 1 << 20
        var offset = 0
        var sent = true
        while offset < data.count, sent {
            let end = min(data.count, offset + chunk)
            sent = data[offset..<end].withUnsafeBytes { raw in
                PQputCopyData(handle, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count)) == 1
            }
            offset = end
        }
        guard sent, PQputCopyEnd(handle, nil) == 1 else {
            let message = handle.map(PostgresConnection.message) ?? "no connection"
            close()
            throw .connectionFailed(message)
        }
        return try finishCopy(sql)
    }

    /// Reads every result of a COPY that has ended (the connection takes no other command
    /// before): the rows copied, or the first error, with COPY's context ("COPY t, line 4,
    /// column amount") so that a data error is findable.
    func finishCopy(_ sql: String) throws(PostgresError) -> Int {
        var failure: PostgresError?
        var rows = 0
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
                PQclear(result)
            } else if failure == nil {
                let context = PQresultErrorField(result, Int32(UInt8(ascii: "W"))).map { String(cString: $0) }
                do { try check(result, sql: sql) } catch {
                    if case .server(let state, let message) = error, let context {
                        failure = .server(sqlState: state, message: "\(message) (\(context))")
                    } else {
                        failure = error
                    }
                }
            } else {
                PQclear(result)
            }
            if handle == nil { break } // check() closed a broken connection
        }
        if let failure { throw failure }
        return rows
    }
}

extension PostgresConnection {
    /// Runs `COPY … TO STDOUT` and hands each chunk of its output (rows, as the format
    /// writes them) to `body`; returns the rows copied. If `body` throws, the connection
    /// is closed (the rest of the COPY is not read) and the error rethrown.
    @discardableResult
    public func copyOut(_ sql: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try connectIfNeeded()
        guard let started = PQexec(handle, sql) else {
            close()
            throw PostgresError.connectionFailed("COPY could not start")
        }
        guard PQresultStatus(started) == PGRES_COPY_OUT else {
            try check(started, sql: sql) // throws the server's error
            PQclear(started)
            throw PostgresError.server(sqlState: "XX000", message: "COPY did not enter copy-out mode")
        }
        PQclear(started)
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                do { try body(UnsafeRawBufferPointer(start: buffer, count: Int(length))) } catch {
                    close()
                    throw error
                }
            } else if length == -1 {
                break // done: the final result follows
            } else {
                let message = handle.map(PostgresConnection.message) ?? "no connection"
                close()
                throw PostgresError.connectionFailed(message)
            }
        }
        return try finishCopy(sql)
    }
}

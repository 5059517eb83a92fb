import CLibPQ

extension PostgresConnection {
    /// Runs `COPY … FROM STDIN` (`sql` built by the caller from validated
    /// identifiers only) and streams `data` to it; returns the rows copied.
    /// A rejected row throws with PostgreSQL's context (`COPY t, line 5, column x`).
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8], chunkSize: Int = 1 << 16) throws(PostgresError) -> Int {
        try connectIfNeeded()
        let start = PQexec(handle, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            try check(start, sql: sql)
            PQclear(start)
            throw .server(sqlState: "08P01", message: "COPY did not start")
        }
        PQclear(start)
        var offset = 0
        var failedSending = false
        while offset < data.count {
            let length = min(chunkSize, data.count - offset)
            let sent = data.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: length) {
                    PQputCopyData(handle, $0, Int32(length))
                }
            }
            guard sent == 1 else { failedSending = true; break }
            offset += length
        }
        _ = PQputCopyEnd(handle, failedSending ? "client failed to send data" : nil)
        var firstError: PostgresError?
        var rows = 0
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
                PQclear(result)
            } else if firstError == nil {
                let context = PQresultErrorField(result, Int32(UInt8(ascii: "W"))).map { String(cString: $0) }
                do { try check(result, sql: sql) } catch {
                    if case .server(let state, let message) = error, let context {
                        firstError = .server(sqlState: state, message: "\(message) (\(context))")
                    } else {
                        firstError = error
                    }
                }
            } else {
                PQclear(result)
            }
        }
        if let firstError { throw firstError }
        return rows
    }
}

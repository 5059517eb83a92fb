import ConvergenceCore
import ConvergenceStore

/// Inserts spooled rows into `convergence.audit_log` exactly once: COPY into a
/// session temp table, then `INSERT … SELECT … ON CONFLICT (id) DO NOTHING`, in
/// one transaction. A batch replayed after a crash (committed, but the checkpoint
/// not yet written) inserts nothing twice; the difference is the replay count.
struct AuditBatchWriter {
    let connection: PostgresConnection
    /// The temp table lives as long as the session: re-created after a reconnect.
    private var stagingReady = false

    init(connection: PostgresConnection) {
        self.connection = connection
    }

    static let columnList = AuditRecord.columns.joined(separator: ", ")

    /// Returns how many rows were new.
    mutating func insert(_ rows: [UInt8]) throws(PostgresError) -> Int {
        if !connection.isConnected { stagingReady = false }
        if !stagingReady {
            try connection.query("""
                CREATE TEMP TABLE IF NOT EXISTS audit_staging (LIKE convergence.audit_log) ON COMMIT DELETE ROWS
                """)
            stagingReady = true
        }
        do {
            try connection.query("BEGIN")
            try connection.copyIn("COPY audit_staging (\(AuditBatchWriter.columnList)) FROM STDIN", data: rows)
            let inserted = try connection.query("""
                INSERT INTO convergence.audit_log (\(AuditBatchWriter.columnList))
                SELECT \(AuditBatchWriter.columnList) FROM audit_staging ON CONFLICT (id) DO NOTHING
                """).affectedRows
            try connection.query("COMMIT")
            return inserted
        } catch {
            if connection.isConnected { _ = try? connection.query("ROLLBACK") } else { stagingReady = false }
            throw error
        }
    }
}

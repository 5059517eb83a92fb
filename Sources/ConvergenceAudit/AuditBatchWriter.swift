import ConvergenceCore
import ConvergenceStore

/// Inserts spooled rows into `convergence.audit_log` exactly once.
///
/// The usual batch has never been inserted: it is COPYed straight into the
/// table in one transaction. A batch replayed after a crash (committed, but the
/// checkpoint not yet written) fails that COPY on the primary key (23505); it
/// is then COPYed into a session temp table and moved with
/// `INSERT … SELECT … ON CONFLICT (created_at, id) DO NOTHING`, so nothing is stored twice
/// and the difference is the replay count. (Staging every batch costs a second
/// write of each row; measured in docs/performance.md, "Audit trail".) A fresh
/// batch's usage rollups are counted from its rows in Swift (`UsageTally`); a
/// replayed one's by SQL from the rows this transaction inserted (`UsageRollup`).
/// Rows go in binary COPY format when they convert (`BinaryCopyRows`), else as spooled.
struct AuditBatchWriter {
    let connection: PostgresConnection
    /// A fresh batch's rollups are tallied from its rows (`UsageTally`); false: always by
    /// `UsageRollup`'s SQL (the equivalence test compares the two).
    let tallyFreshBatches: Bool
    /// False: always COPY text (the equivalence test stores a batch both ways).
    let binaryCopy: Bool

    init(connection: PostgresConnection, tallyFreshBatches: Bool = true, binaryCopy: Bool = true) {
        self.connection = connection
        self.tallyFreshBatches = tallyFreshBatches
        self.binaryCopy = binaryCopy
    }

    static let columnList = AuditRecord.columns.joined(separator: ", ")

    /// COPYs `rows` (text) into `table`, in binary when they convert.
    private func copy(_ rows: [UInt8], into table: String) throws(PostgresError) -> Int {
        let columns = AuditBatchWriter.columnList
        if binaryCopy, let binary = BinaryCopyRows(text: rows) {
            return try connection.copyIn("COPY \(table) (\(columns)) FROM STDIN WITH (FORMAT binary)", data: binary.bytes)
        }
        return try connection.copyIn("COPY \(table) (\(columns)) FROM STDIN", data: rows)
    }

    /// Returns how many rows were new. `times`: the rows' capture times (µs), for the usage
    /// rollup, which is updated in the same transaction from the rows inserted (empty: no rollup).
    func insert(_ rows: [UInt8], times: [Int64] = []) throws(PostgresError) -> Int {
        do {
            return try inTransaction { () throws(PostgresError) -> Int in
                let count = try copy(rows, into: "convergence.audit_log")
                // Every row went in (a conflict would have failed the COPY): count them from the batch.
                if tallyFreshBatches, !times.isEmpty, let tally = UsageTally(rows: rows, times: times) {
                    try tally.write(connection)
                } else {
                    try UsageRollup.add(connection, times: times)
                }
                return count
            }
        } catch where error.sqlState == "23505" {
            return try insertSkippingDuplicates(rows, times: times)
        }
    }

    private func insertSkippingDuplicates(_ rows: [UInt8], times: [Int64]) throws(PostgresError) -> Int {
        // Rare (only after a crash), so the session's temp table is simply ensured each time.
        try connection.query("""
            CREATE TEMP TABLE IF NOT EXISTS audit_staging (LIKE convergence.audit_log) ON COMMIT DELETE ROWS
            """)
        return try inTransaction { () throws(PostgresError) -> Int in
            _ = try copy(rows, into: "audit_staging")
            let inserted = try connection.query("""
                INSERT INTO convergence.audit_log (\(AuditBatchWriter.columnList))
                SELECT \(AuditBatchWriter.columnList) FROM audit_staging ON CONFLICT (created_at, id) DO NOTHING
                """).affectedRows
            // Only the rows just inserted carry this transaction's xmin: the replayed ones add nothing.
            try UsageRollup.add(connection, times: times)
            return inserted
        }
    }

    private func inTransaction(_ body: () throws(PostgresError) -> Int) throws(PostgresError) -> Int {
        do {
            try connection.query("BEGIN")
            let count = try body()
            try connection.query("COMMIT")
            return count
        } catch {
            if connection.isConnected { _ = try? connection.query("ROLLBACK") }
            throw error
        }
    }
}

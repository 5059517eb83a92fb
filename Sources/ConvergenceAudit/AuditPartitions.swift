import ConvergenceCore
import ConvergenceStore

/// The I/O side of the audit trail's daily partitions (migration 14): making them
/// (`convergence.audit_partition_ensure`, one statement, under an advisory lock, so
/// several hosts' flushers may race) and listing them for retention.
public struct AuditPartitions {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Makes `day`'s partition unless some partition already takes its rows; true when
    /// this call made it. Works inside and outside a transaction (inside, the advisory
    /// lock and ATTACH's SHARE UPDATE EXCLUSIVE are held until it ends).
    @discardableResult
    public func ensure(_ day: AuditPartitionDay) throws(PostgresError) -> Bool {
        try connection.query("SELECT convergence.audit_partition_ensure($1::date) AS made", [day.dateText]).rows.first?
            .decode("made", as: Bool.self) ?? false
    }

    /// Every table that is, or was until an interrupted prune, a partition of audit_log.
    public struct Listed: Sendable {
        public let name: String
        /// Attached (possibly detach-pending); false: a detached table never dropped.
        public let attached: Bool
        public let detachPending: Bool
        /// PostgreSQL's estimate (pg_class.reltuples; -1 when never analysed).
        public let estimatedRows: Int64
    }

    public func list() throws(PostgresError) -> [Listed] {
        try connection.query("""
            SELECT c.relname::text AS name, i.inhrelid IS NOT NULL AS attached, coalesce(i.inhdetachpending, false) AS pending,
                   c.reltuples::bigint AS estimated
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'convergence.audit_log'::regclass
            WHERE n.nspname = 'convergence' AND c.relkind = 'r'
              AND (c.relname LIKE 'audit\\_log\\_p%' OR c.relname LIKE 'audit\\_log\\_before\\_%')
            ORDER BY c.relname
            """).rows.map { row throws(PostgresError) in
            Listed(name: try row.decode("name", as: String.self), attached: try row.decode("attached", as: Bool.self),
                   detachPending: try row.decode("pending", as: Bool.self), estimatedRows: try row.decode("estimated", as: Int64.self))
        }
    }

    /// Detaches a partition without blocking the flushers' inserts or the reads
    /// (`DETACH … CONCURRENTLY`: SHARE UPDATE EXCLUSIVE on audit_log; it cannot run in a
    /// transaction block, so this connection must be outside one), then drops it.
    /// A detach interrupted earlier is finished (`FINALIZE`) first. Returns the detach's milliseconds.
    ///
    /// With `archive`, the detached table is written to its file first (`AuditArchive`), and
    /// dropped only if it is still detached then: a late record for its day attaches it again
    /// (`audit_partition_ensure`), and it is then kept, whole, for the next run (nil returned).
    /// If the archive fails, the table is attached again (readable as before) and the error thrown.
    @discardableResult
    public func drop(_ partition: Listed, archive: AuditArchive? = nil, archived: (AuditArchive.Written) -> Void = { _ in }) throws -> Double? {
        let started = MonotonicInstant.now()
        let quoted = "convergence.\"\(partition.name)\"" // names come from AuditPartitionSpan: [a-z_0-9] only
        if partition.detachPending {
            try connection.query("ALTER TABLE convergence.audit_log DETACH PARTITION \(quoted) FINALIZE")
        } else if partition.attached {
            try connection.query("ALTER TABLE convergence.audit_log DETACH PARTITION \(quoted) CONCURRENTLY")
        }
        let detached = MonotonicInstant.now().milliseconds(since: started)
        guard let archive else {
            try connection.query("DROP TABLE IF EXISTS \(quoted)")
            return detached
        }
        do { archived(try archive.write(table: partition.name, connection: connection)) } catch {
            try? reattach(partition.name)
            throw error
        }
        let dropped = try connection.transaction { tx in
            try tx.query("LOCK TABLE \(quoted) IN ACCESS EXCLUSIVE MODE")
            let attached = try tx.query("SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = '\(quoted)'::regclass) AS attached")
                .rows.first?.decode("attached", as: Bool.self) ?? false
            if !attached { try tx.query("DROP TABLE \(quoted)") }
            return !attached
        }
        return dropped ? detached : nil
    }

    /// Attaches a detached partition again with the range its name states.
    func reattach(_ name: String) throws {
        guard let span = AuditPartitionSpan(name: name) else { return }
        if let lower = span.lower, lower.adding(days: 1) == span.upper {
            try ensure(lower) // the day's own partition: ensure attaches a leftover table, rows and all
        } else {
            let from = span.lower.map { "'\($0.dateText) 00:00:00+00'" } ?? "MINVALUE"
            try connection.query("""
                ALTER TABLE convergence.audit_log ATTACH PARTITION convergence."\(name)"
                FOR VALUES FROM (\(from)) TO ('\(span.upper.dateText) 00:00:00+00')
                """)
        }
    }

    /// COPY into audit_log found no partition for a row: retention dropped a day a
    /// flusher still had cached (or a race with a concurrent detach). The flusher makes
    /// the partition and retries; such a batch is never a data error.
    public static func isMissingPartition(_ error: PostgresError) -> Bool {
        guard case .server(let state, let message) = error else { return false }
        return state == "23514" && message.contains("no partition of relation")
    }
}

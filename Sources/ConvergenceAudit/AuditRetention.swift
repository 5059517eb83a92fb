import ConvergenceCore
import ConvergenceStore

/// `convergence admin prune-audit --before DATE`: removes audit records older than the
/// cut-off. Daily partitions entirely before it are detached (CONCURRENTLY: the flushers
/// keep inserting) and dropped — no row-by-row delete, no index bloat, no vacuum debt.
/// Only inside the one partition the cut-off falls in are rows deleted, in slices so no
/// statement holds locks or WAL for long; the cut-off stays exact to the microsecond.
public struct AuditRetention {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public static let sliceRows = 50_000

    /// Parses the cut-off (RFC 3339 or YYYY-MM-DD, UTC); nil when malformed.
    public static func cutoff(_ text: String) -> Int64? { RFC3339.parseMicros(text) }

    public struct Outcome: Sendable, Equatable {
        /// Partitions dropped whole, oldest first.
        public var droppedPartitions: [String] = []
        /// Their rows by PostgreSQL's estimate (counting them exactly would read them all).
        public var droppedRowsEstimate: Int64 = 0
        /// Rows deleted one by one from the partition the cut-off falls in.
        public var deletedRows = 0
        /// With an archive directory: the file written for each dropped partition.
        public var archives: [AuditArchive.Written] = []
    }

    /// Removes every record created before `beforeMicros`. Must run outside a transaction
    /// (DETACH … CONCURRENTLY cannot run in one). `wholePartitionsOnly`: drop, never delete
    /// rows (the flusher's daily retention: a slice delete in a large pre-migration partition
    /// would hold up its inserts for minutes).
    public func prune(beforeMicros: Int64, wholePartitionsOnly: Bool = false, archive: AuditArchive? = nil,
                      progress: (String) -> Void = { _ in }) throws -> Outcome {
        var outcome = Outcome()
        let partitions = AuditPartitions(connection: connection)
        let listed = try partitions.list()
        let byName = Dictionary(listed.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for span in AuditRetentionPlan.partitionsToDrop(listed.map(\.name), beforeMicros: beforeMicros) {
            guard let partition = byName[span.name] else { continue }
            let started = MonotonicInstant.now()
            var written: AuditArchive.Written?
            guard let detachMs = try partitions.drop(partition, archive: archive, archived: { written = $0 }) else {
                progress("kept partition \(span.name): a late record attached it again while it was archived; the next run archives and drops it")
                continue
            }
            outcome.droppedPartitions.append(span.name)
            outcome.droppedRowsEstimate += max(0, partition.estimatedRows)
            if let written { outcome.archives.append(written) }
            let totalMs = MonotonicInstant.now().milliseconds(since: started)
            let archived = written.map { "; archived \($0.rows) records to \($0.path), \($0.bytes) bytes" } ?? ""
            progress("dropped partition \(span.name) (about \(max(0, partition.estimatedRows)) records; detach \(Int(detachMs)) ms, "
                     + "\(written == nil ? "drop" : "archive and drop") \(Int(totalMs - detachMs)) ms\(archived))")
        }
        // Partition pruning confines this to the partitions whose range starts before the cut-off: after the drops, the one it falls in.
        while !wholePartitionsOnly {
            let deleted = try connection.query("""
                DELETE FROM convergence.audit_log WHERE (created_at, id) IN (
                    SELECT created_at, id FROM convergence.audit_log WHERE created_at < $1::timestamptz
                    ORDER BY created_at LIMIT \(AuditRetention.sliceRows))
                """, [AuditRecord.timestampText(micros: beforeMicros)]).affectedRows
            outcome.deletedRows += deleted
            if deleted > 0 { progress("deleted \(outcome.deletedRows) audit records so far") }
            if deleted < AuditRetention.sliceRows { break }
        }
        return outcome
    }

    /// Arbitrary constant naming the retention lock (pg_try_advisory_lock takes a bigint): "ConvRetn".
    static let lockKey: Int64 = 0x436F_6E76_5265_746E

    /// `audit_retention_days`: drops the daily partitions entirely older than `days` days
    /// before today (UTC). Several hosts' flushers: whoever holds the session lock does it,
    /// the others skip (nil).
    public func applyRetention(days: Int, nowMicros: Int64, archive: AuditArchive? = nil) throws -> Outcome? {
        let cutoff = AuditPartitionDay(micros: nowMicros).adding(days: -Int64(days)).startMicros
        return try exclusively { try prune(beforeMicros: cutoff, wholePartitionsOnly: true, archive: archive) }
    }

    /// `body` under the retention lock; nil when another host's flusher or `prune-audit` holds it
    /// (two runs would archive and drop the same partitions at once).
    public func exclusively<T>(_ body: () throws -> T) throws -> T? {
        guard try connection.query("SELECT pg_try_advisory_lock($1) AS got", [AuditRetention.lockKey]).rows.first?
            .decode("got", as: Bool.self) == true else { return nil }
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [AuditRetention.lockKey]) }
        return try body()
    }
}

import ConvergenceCore
import ConvergenceStore

/// `convergence admin prune-audit --before DATE`: deletes audit records older
/// than the cut-off, in slices so no statement holds locks or WAL for long.
public struct AuditRetention {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public static let sliceRows = 50_000

    /// Parses the cut-off (RFC 3339 or YYYY-MM-DD, UTC); nil when malformed.
    public static func cutoff(_ text: String) -> Int64? { RFC3339.parseMicros(text) }

    /// Deletes every record created before `beforeMicros`; returns how many.
    public func prune(beforeMicros: Int64, progress: (Int) -> Void = { _ in }) throws -> Int {
        var total = 0
        while true {
            let deleted = try connection.query("""
                DELETE FROM convergence.audit_log WHERE (created_at, id) IN (
                    SELECT created_at, id FROM convergence.audit_log WHERE created_at < $1::timestamptz
                    ORDER BY created_at LIMIT \(AuditRetention.sliceRows))
                """, [AuditRecord.timestampText(micros: beforeMicros)]).affectedRows
            total += deleted
            if deleted > 0 { progress(total) }
            if deleted < AuditRetention.sliceRows { return total }
        }
    }
}

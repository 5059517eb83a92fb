import ConvergenceStore

/// Keeps the usage rollups (`usage_rollup`, `usage_rules`, migration 12) in step with
/// the audit trail: called inside the flusher's transaction after its rows went in,
/// it counts exactly the check rows this transaction inserted (`xmin` is its own
/// transaction id), so a replayed batch — whose rows conflict and are not inserted —
/// adds nothing, and a rolled-back batch takes its counts along.
///
/// The rows are found by their `created_at` range (the batch's frames' times, so the
/// primary key's b-tree serves it) and then by `xmin`, which also skips rows of other
/// batches that fall in the same range.
package enum UsageRollup {
    /// Upper bounds of the latency buckets, µs (a last bucket counts everything above).
    package static let latencyBoundsMicros: [Int] = [500, 1000, 2000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000]
    /// Granularities kept for the series (5 min, hour, day) and for the rules (hour, day).
    package static let seriesBuckets = [300, 3600, 86_400]
    package static let ruleBuckets = [3600, 86_400]
    /// Frames and rows carry the same capture time; the margin only guards against clock rounding.
    static let rangeMarginMicros: Int64 = 1_000_000

    /// `ARRAY[count(*) FILTER (WHERE latency_us <= 500), …]`: the histogram of a group, from constants.
    static let latencyArray: String = {
        var parts: [String] = []
        var lower: Int?
        for bound in latencyBoundsMicros {
            parts.append("count(*) FILTER (WHERE latency_us <= \(bound)" + (lower.map { " AND latency_us > \($0)" } ?? "") + ")")
            lower = bound
        }
        parts.append("count(*) FILTER (WHERE latency_us > \(latencyBoundsMicros.last!))")
        return "ARRAY[" + parts.joined(separator: ", ") + "]::bigint[]"
    }()

    /// This transaction's check rows in the range, each once per granularity and scope.
    static func scoped(_ buckets: [Int], columns: String) -> String {
        """
        WITH fresh AS (
            SELECT \(columns) FROM convergence.audit_log
            WHERE created_at BETWEEN timestamptz 'epoch' + $1::bigint * interval '1 microsecond'
                                 AND timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
              AND xmin = pg_current_xact_id()::xid AND kind = 'check'
        )
        """
            + "SELECT g.seconds, s.scope, date_bin(make_interval(secs => g.seconds), f.created_at, timestamptz 'epoch') AS bucket_start, f.*"
            + " FROM fresh f CROSS JOIN (VALUES " + buckets.map { "(\($0))" }.joined(separator: ", ") + ") g(seconds)"
            + " CROSS JOIN LATERAL (VALUES ('*'), ('c:' || f.customer_id::text), ('k:' || f.key_id)) s(scope) WHERE s.scope IS NOT NULL"
    }

    static let usageSQL = """
        INSERT INTO convergence.usage_rollup AS u (bucket_seconds, scope, bucket_start, checks, allowed, blocked, would_block, pii_findings, latency)
        SELECT seconds, scope, bucket_start, count(*), count(*) FILTER (WHERE decision = 'allow'), count(*) FILTER (WHERE decision = 'block'),
               count(*) FILTER (WHERE would_block), count(*) FILTER (WHERE pii), \(latencyArray)
        FROM (\(scoped(seriesBuckets, columns: """
            created_at, customer_id, key_id, decision, would_block, latency_us,
            EXISTS (SELECT 1 FROM json_array_elements(coalesce(reasons, '[]'::json)) r WHERE r->>'factor' = 'personal_data') AS pii
            """))) rows
        GROUP BY seconds, scope, bucket_start
        ON CONFLICT (bucket_seconds, scope, bucket_start) DO UPDATE SET
            checks = u.checks + excluded.checks, allowed = u.allowed + excluded.allowed, blocked = u.blocked + excluded.blocked,
            would_block = u.would_block + excluded.would_block, pii_findings = u.pii_findings + excluded.pii_findings,
            latency = convergence.add_counts(u.latency, excluded.latency)
        """

    /// Per check, per policy and rule it violated (and once per policy as rule '*'): enforced or monitored.
    static let rulesSQL = """
        INSERT INTO convergence.usage_rules AS r (bucket_seconds, scope, bucket_start, policy_id, rule, blocked, would_block)
        SELECT seconds, scope, bucket_start, policy_id, rule, count(*) FILTER (WHERE enforced), count(*) FILTER (WHERE monitored)
        FROM (
            SELECT s.*, v.policy_id, v.rule, v.enforced, v.monitored
            FROM (\(scoped(ruleBuckets, columns: "id, created_at, customer_id, key_id, violations"))) s
            CROSS JOIN LATERAL (
                SELECT e->>'policy_id' AS policy_id, e->>'rule' AS rule, bool_or(e->>'mode' = 'enforce') AS enforced,
                       bool_or(e->>'mode' = 'monitor') AS monitored
                FROM json_array_elements(coalesce(s.violations, '[]'::json)) e GROUP BY 1, 2
                UNION ALL
                SELECT e->>'policy_id', '*', bool_or(e->>'mode' = 'enforce'), bool_or(e->>'mode' = 'monitor')
                FROM json_array_elements(coalesce(s.violations, '[]'::json)) e GROUP BY 1
            ) v
        ) rows
        GROUP BY seconds, scope, bucket_start, policy_id, rule
        ON CONFLICT (bucket_seconds, scope, bucket_start, policy_id, rule) DO UPDATE SET
            blocked = r.blocked + excluded.blocked, would_block = r.would_block + excluded.would_block
        """

    /// Adds this transaction's inserted check rows created within [`fromMicros`, `toMicros`] to the rollups.
    static func add(_ connection: PostgresConnection, fromMicros: Int64, toMicros: Int64) throws(PostgresError) {
        let bounds: [any PostgresEncodable] = [fromMicros - rangeMarginMicros, toMicros + rangeMarginMicros]
        try connection.query(usageSQL, bounds)
        try connection.query(rulesSQL, bounds)
    }
}

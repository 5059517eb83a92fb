import ConvergenceStore

/// Keeps the usage rollups (`usage_rollup`, `usage_rules`, migration 12) in step with
/// the audit trail: called inside the flusher's transaction after its rows went in,
/// it counts exactly the check rows this transaction inserted (`xmin` is its own
/// transaction id), so a replayed batch — whose rows conflict and are not inserted —
/// adds nothing, and a rolled-back batch takes its counts along.
///
/// The rows are found by their capture times (each frame carries its row's `created_at`,
/// to the microsecond), one primary-key probe per distinct time — not by the batch's time
/// span, which after an outage can cover an hour of rows flushed by earlier batches —
/// and then by `xmin`, which also skips other rows captured in the same microsecond.
package enum UsageRollup {
    /// Upper bounds of the latency buckets, µs (a last bucket counts everything above).
    package static let latencyBoundsMicros: [Int] = [500, 1000, 2000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000]
    /// Granularities kept for the series (5 min, hour, day) and for the rules (hour, day).
    package static let seriesBuckets = [300, 3600, 86_400]
    package static let ruleBuckets = [3600, 86_400]
    /// The finest granularity kept per customer and per key.
    package static let scopedBucketSeconds = 3600

    /// The latency buckets of a group, `count(*) FILTER (WHERE latency_us <= 500) AS l0, …`, from constants.
    static let latencyCounts: String = {
        var parts: [String] = []
        var lower: Int?
        for (i, bound) in latencyBoundsMicros.enumerated() {
            parts.append("count(*) FILTER (WHERE latency_us <= \(bound)" + (lower.map { " AND latency_us > \($0)" } ?? "") + ") AS l\(i)")
            lower = bound
        }
        parts.append("count(*) FILTER (WHERE latency_us > \(latencyBoundsMicros.last!)) AS l\(latencyBoundsMicros.count)")
        return parts.joined(separator: ", ")
    }()

    /// `ARRAY[sum(l0), …]::bigint[]`: the histogram of a coarser group.
    static let latencySums = "ARRAY[" + (0...latencyBoundsMicros.count).map { "sum(l\($0))" }.joined(separator: ", ") + "]::bigint[]"

    /// This transaction's check rows (`$1`: their capture times, µs).
    static func fresh(_ columns: String) -> String {
        """
        SELECT \(columns) FROM convergence.audit_log
        WHERE created_at = ANY (ARRAY(SELECT timestamptz 'epoch' + t * interval '1 microsecond' FROM unnest($1::bigint[]) t))
          AND xmin = pg_current_xact_id()::xid AND kind = 'check'
        """
    }

    /// Each group once per granularity and scope (5-minute buckets nest in hours and days).
    /// Customers and keys are kept by hour and day only: with thousands of quiet keys most
    /// checks would otherwise get 5-minute rows of their own (one cold upsert each, the
    /// flusher's largest cost); the 5-minute series is the whole installation's.
    static func fannedOut(_ buckets: [Int], from source: String, start: String) -> String {
        "SELECT g.seconds, s.scope, date_bin(make_interval(secs => g.seconds), f.\(start), timestamptz 'epoch') AS bucket_start, f.*"
            + " FROM (\(source)) f CROSS JOIN (VALUES " + buckets.map { "(\($0))" }.joined(separator: ", ") + ") g(seconds)"
            + " CROSS JOIN LATERAL (VALUES ('*'), ('c:' || f.customer_id::text), ('k:' || f.key_id)) s(scope)"
            + " WHERE s.scope IS NOT NULL AND (s.scope = '*' OR g.seconds >= \(scopedBucketSeconds))"
    }

    /// Two stages: the batch's rows are counted per 5 minutes, customer and key first (a
    /// busy key's thousand checks become one group), and only those groups are fanned
    /// out to every granularity and scope. `reasons` is searched as text: the worker
    /// writes it compactly (`{"factor":"personal_data",…}`), so no JSON is parsed per row.
    static let usageSQL = """
        INSERT INTO convergence.usage_rollup AS u (bucket_seconds, scope, bucket_start, checks, allowed, blocked, would_block, pii_findings, latency)
        SELECT seconds, scope, bucket_start, sum(checks), sum(allowed), sum(blocked), sum(would_block), sum(pii), \(latencySums)
        FROM (\(fannedOut(seriesBuckets, from: """
            SELECT date_bin('300 seconds', created_at, timestamptz 'epoch') AS fine_start, customer_id, key_id, count(*) AS checks,
                   count(*) FILTER (WHERE decision = 'allow') AS allowed, count(*) FILTER (WHERE decision = 'block') AS blocked,
                   count(*) FILTER (WHERE would_block) AS would_block,
                   count(*) FILTER (WHERE reasons::text LIKE '%"factor":"personal_data"%') AS pii, \(latencyCounts)
            FROM (\(fresh("created_at, customer_id, key_id, decision, would_block, latency_us, reasons"))) rows
            GROUP BY 1, 2, 3
            """, start: "fine_start"))) groups
        GROUP BY seconds, scope, bucket_start
        ON CONFLICT (bucket_seconds, scope, bucket_start) DO UPDATE SET
            checks = u.checks + excluded.checks, allowed = u.allowed + excluded.allowed, blocked = u.blocked + excluded.blocked,
            would_block = u.would_block + excluded.would_block, pii_findings = u.pii_findings + excluded.pii_findings,
            latency = convergence.add_counts(u.latency, excluded.latency)
        """

    /// This transaction's violations, one row per check, policy and rule: enforced or monitored.
    /// Most checks break no rule; their `[]` is skipped as text, before any JSON is parsed.
    static func violations(_ buckets: [Int]) -> String {
        """
        SELECT s.*, v.policy_id, v.rule, v.enforced, v.monitored
        FROM (\(fannedOut(buckets, from: fresh("id, created_at, customer_id, key_id, violations") + " AND violations::text <> '[]'",
                          start: "created_at"))) s
        CROSS JOIN LATERAL (
            SELECT e->>'policy_id' AS policy_id, e->>'rule' AS rule, bool_or(e->>'mode' = 'enforce') AS enforced,
                   bool_or(e->>'mode' = 'monitor') AS monitored
            FROM json_array_elements(s.violations) e GROUP BY 1, 2
        ) v
        """
    }

    /// Per policy rule and scope: checks an enforced rule blocked, checks a monitor-mode rule would have blocked.
    static let rulesSQL = """
        INSERT INTO convergence.usage_rules AS r (bucket_seconds, scope, bucket_start, policy_id, rule, blocked, would_block)
        SELECT seconds, scope, bucket_start, policy_id, rule, count(*) FILTER (WHERE enforced), count(*) FILTER (WHERE monitored)
        FROM (\(violations(ruleBuckets))) rows
        GROUP BY seconds, scope, bucket_start, policy_id, rule
        ON CONFLICT (bucket_seconds, scope, bucket_start, policy_id, rule) DO UPDATE SET
            blocked = r.blocked + excluded.blocked, would_block = r.would_block + excluded.would_block
        """

    /// Per policy and hour, each check once however many of the policy's rules it broke
    /// (no scopes: a policy has one customer).
    static let policiesSQL = """
        INSERT INTO convergence.usage_policy_hours AS p (policy_id, bucket_start, blocked, would_block)
        SELECT policy_id, date_bin('3600 seconds', created_at, timestamptz 'epoch'), count(*) FILTER (WHERE enforced),
               count(*) FILTER (WHERE monitored)
        FROM (
            SELECT f.id, f.created_at, e->>'policy_id' AS policy_id, bool_or(e->>'mode' = 'enforce') AS enforced,
                   bool_or(e->>'mode' = 'monitor') AS monitored
            FROM (\(fresh("id, created_at, violations") + " AND violations::text <> '[]'")) f
            CROSS JOIN LATERAL json_array_elements(f.violations) e
            GROUP BY f.id, f.created_at, 3
        ) per_check
        GROUP BY 1, 2
        ON CONFLICT (policy_id, bucket_start) DO UPDATE SET
            blocked = p.blocked + excluded.blocked, would_block = p.would_block + excluded.would_block
        """

    /// Adds this transaction's inserted check rows captured at `times` (Unix µs) to the rollups.
    static func add(_ connection: PostgresConnection, times: [Int64]) throws(PostgresError) {
        guard !times.isEmpty else { return }
        let array: [any PostgresEncodable] = ["{" + Set(times).sorted().map(String.init).joined(separator: ",") + "}"]
        try connection.query(usageSQL, array)
        try connection.query(rulesSQL, array)
        try connection.query(policiesSQL, array)
    }
}

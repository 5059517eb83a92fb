import ConvergenceCore
import ConvergenceStore

/// Reads the usage rollups (migration 12; kept by the audit flusher). Every query is an
/// index range over at most a few thousand rollup rows, never a scan of audit_log.
struct UsageRepository {
    let db: PostgresConnection

    static let top = 10

    /// The scope key of the rollups: one key, one customer, or everything.
    static func scope(customerID: String?, keyID: String?) -> String {
        if let keyID { return "k:" + keyID }
        if let customerID { return "c:" + customerID }
        return "*"
    }

    /// The stored buckets of `scope` in [from, to), keyed by start (µs).
    func buckets(scope: String, seconds: Int64, from: Int64, to: Int64) throws -> [Int64: UsageCounts] {
        let rows = try db.query("""
            SELECT (extract(epoch FROM bucket_start) * 1000000)::bigint AS start, checks, allowed, blocked, would_block, pii_findings,
                   array_to_string(latency, ',') AS latency
            FROM convergence.usage_rollup
            WHERE bucket_seconds = $1 AND scope = $2
              AND bucket_start >= timestamptz 'epoch' + $3::bigint * interval '1 microsecond'
              AND bucket_start < timestamptz 'epoch' + $4::bigint * interval '1 microsecond'
            """, [seconds, scope, from, to], idempotent: true).rows
        var result: [Int64: UsageCounts] = [:]
        for row in rows {
            var counts = UsageCounts(checks: try row.decode("checks"), allowed: try row.decode("allowed"), blocked: try row.decode("blocked"),
                                     wouldBlock: try row.decode("would_block"), piiFindings: try row.decode("pii_findings"))
            let latency = try row.decode("latency", as: String.self).split(separator: ",").map { UInt64($0) ?? 0 }
            for i in counts.latency.indices where i < latency.count { counts.latency[i] = latency[i] }
            result[try row.decode("start", as: Int64.self)] = counts
        }
        return result
    }

    /// Customers by blocked checks over whole buckets of `seconds` in [from, to): every
    /// customer (the partial index holds only rows with blocks), or just `scope`'s.
    func topCustomers(scope: String, customerID: String?, seconds: Int64, from: Int64, to: Int64) throws -> [UsageBody.TopCustomer] {
        let rows = try db.query("""
            WITH ranked AS (
                SELECT CASE WHEN $1 = '*' THEN substr(scope, 3) ELSE $2 END AS customer_id, sum(blocked) AS blocked
                FROM convergence.usage_rollup
                WHERE bucket_seconds = $3 AND blocked > 0
                  AND bucket_start >= timestamptz 'epoch' + $4::bigint * interval '1 microsecond'
                  AND bucket_start < timestamptz 'epoch' + $5::bigint * interval '1 microsecond'
                  AND (($1 = '*' AND scope LIKE 'c:%') OR ($1 <> '*' AND scope = $1))
                GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $6
            )
            SELECT r.customer_id, r.blocked, c.tenant_id, c.name
            FROM ranked r LEFT JOIN convergence.customers c ON c.id::text = r.customer_id
            WHERE r.customer_id IS NOT NULL
            ORDER BY r.blocked DESC, r.customer_id
            """, [scope, customerID, seconds, from, to, Self.top], idempotent: true).rows
        return try rows.map { row in
            UsageBody.TopCustomer(customerID: try row.decode("customer_id"), tenantID: try row.decodeIfPresent("tenant_id"),
                                  name: try row.decodeIfPresent("name"), blocked: try row.decode("blocked"))
        }
    }

    /// Rules by checks blocked, then by checks a monitor-mode rule would have blocked.
    func topRules(scope: String, seconds: Int64, from: Int64, to: Int64) throws -> [UsageBody.TopRule] {
        let rows = try db.query("""
            SELECT policy_id, rule, sum(blocked) AS blocked, sum(would_block) AS would_block
            FROM convergence.usage_rules
            WHERE bucket_seconds = $1 AND scope = $2
              AND bucket_start >= timestamptz 'epoch' + $3::bigint * interval '1 microsecond'
              AND bucket_start < timestamptz 'epoch' + $4::bigint * interval '1 microsecond'
            GROUP BY policy_id, rule ORDER BY 3 DESC, 4 DESC, 1, 2 LIMIT $5
            """, [seconds, scope, from, to, Self.top], idempotent: true).rows
        return try rows.map { row in
            UsageBody.TopRule(rule: try row.decode("rule"), policyID: try row.decode("policy_id"), blocked: try row.decode("blocked"),
                              wouldBlock: try row.decode("would_block"))
        }
    }

    /// Checks each of `policyIDs` (monitor-mode policies) would have blocked in the last
    /// 24 hours, counted in whole hours (the current one included: up to 25 h).
    func wouldBlockLastDay(policyIDs: [String]) throws -> [String: Int64] {
        guard !policyIDs.isEmpty else { return [:] }
        let rows = try db.query("""
            SELECT policy_id, sum(would_block) AS would_block FROM convergence.usage_policy_hours
            WHERE policy_id = ANY($1::text[]) AND bucket_start >= date_trunc('hour', now()) - interval '24 hours'
            GROUP BY policy_id
            """, [Self.textArray(policyIDs)], idempotent: true).rows
        var result: [String: Int64] = [:]
        for row in rows { result[try row.decode("policy_id")] = try row.decode("would_block") }
        return result
    }

    /// A text[] literal; the elements are policy ids (`pol_…`: no quotes, commas or braces).
    static func textArray(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }

    /// The customer a key belongs to (nil: no such customer key).
    func customerOfKey(_ keyID: String) throws -> String? {
        try db.query("SELECT customer_id::text AS customer_id FROM convergence.api_keys WHERE key_id = $1", [keyID], idempotent: true)
            .rows.first?.decodeIfPresent("customer_id")
    }
}

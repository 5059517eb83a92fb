import ConvergenceStore

/// The statements on `convergence.budget_usage` (migration 17): a counter's total for one
/// period, and the keeper's batched add-and-read. Counter ids are unsigned hashes, stored
/// as signed bigints (their bit pattern).
struct BudgetUsageStore {
    let db: PostgresConnection

    struct Key: Hashable {
        let counter: UInt64
        let periodStart: Int64
    }

    struct Delta {
        let key: Key
        let periodEnd: Int64
        let amount: Int64
    }

    /// The total stored for one counter and period (0 when none), within `timeoutMs`.
    func total(_ key: Key, timeoutMs: Int) throws(PostgresError) -> Int64 {
        let rows = try db.query("SELECT used FROM convergence.budget_usage WHERE counter = $1 AND period_start = $2",
                                [Int64(bitPattern: key.counter), key.periodStart], timeoutMs: timeoutMs).rows
        return try rows.first?.decode("used", as: Int64.self) ?? 0
    }

    /// Adds every delta (one per key) and returns each key's new total; with `reading`, also the
    /// totals of keys that had nothing to add (another host's usage reaches this one so). One
    /// statement; rows are written in key order so that hosts syncing the same counters take
    /// their row locks in the same order.
    func add(_ deltas: [Delta], reading: [Key]) throws(PostgresError) -> [Key: Int64] {
        guard !deltas.isEmpty || !reading.isEmpty else { return [:] }
        let sorted = deltas.sorted { ($0.key.counter, $0.key.periodStart) < ($1.key.counter, $1.key.periodStart) }
        func list(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }
        let rows = try db.query("""
            WITH added AS (
                INSERT INTO convergence.budget_usage AS u (counter, period_start, period_end, used)
                SELECT c, s, e, d FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS t(c, s, e, d) ORDER BY c, s
                ON CONFLICT (counter, period_start) DO UPDATE SET used = u.used + excluded.used, updated_at = now()
                RETURNING counter, period_start, used
            )
            SELECT counter, period_start, used FROM added
            UNION ALL
            SELECT counter, period_start, used FROM convergence.budget_usage
             WHERE (counter, period_start) IN (SELECT * FROM unnest($5::bigint[], $6::bigint[]))
            """, [
                list(sorted.map { Int64(bitPattern: $0.key.counter) }), list(sorted.map(\.key.periodStart)),
                list(sorted.map(\.periodEnd)), list(sorted.map(\.amount)),
                list(reading.map { Int64(bitPattern: $0.counter) }), list(reading.map(\.periodStart)),
            ]).rows
        var totals: [Key: Int64] = [:]
        for row in rows {
            let key = Key(counter: UInt64(bitPattern: try row.decode("counter", as: Int64.self)),
                          periodStart: try row.decode("period_start", as: Int64.self))
            totals[key] = try row.decode("used", as: Int64.self)
        }
        return totals
    }

    /// Periods that ended more than a day ago are of no use to any host.
    func prune(nowUnix: Int64) throws(PostgresError) {
        _ = try db.query("DELETE FROM convergence.budget_usage WHERE period_end < $1", [nowUnix - 86_400])
    }
}

import ConvergenceGovernance
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

    /// One call of `convergence.budget_lease` (migration 18, cluster scope).
    struct Lease {
        let counter: UInt64
        let periodStart: Int64
        let periodEnd: Int64
        let limit: Int64
        var want: Int64 = 0
        var need: Int64 = 1
        var giveBack: Int64 = 0
        var charge: Int64 = 0

        init(counter: UInt64, periodStart: Int64, periodEnd: Int64, limit: Int64) {
            (self.counter, self.periodStart, self.periodEnd, self.limit) = (counter, periodStart, periodEnd, limit)
        }

        init(demand: BudgetDemand, want: Int64, need: Int64) {
            self.init(counter: demand.counter, periodStart: demand.periodStart, periodEnd: demand.periodEnd, limit: demand.limit)
            (self.want, self.need) = (want, need)
        }
    }

    /// One lease on the request path, answered within `timeoutMs`: (granted, the counter's usage after).
    func lease(_ l: Lease, timeoutMs: Int) throws(PostgresError) -> (granted: Int64, used: Int64) {
        let rows = try db.query("SELECT granted, used FROM convergence.budget_lease($1, $2, $3, $4, $5, $6, $7, $8)",
                                [Int64(bitPattern: l.counter), l.periodStart, l.periodEnd, l.limit, l.want, l.need, l.giveBack, l.charge],
                                timeoutMs: timeoutMs).rows
        guard let row = rows.first else { throw .decoding(column: "granted", expected: "one row") }
        return (try row.decode("granted", as: Int64.self), try row.decode("used", as: Int64.self))
    }

    /// The keeper's cluster sync: every lease in one statement, in counter order (hosts take their row
    /// locks in the same order); answers in the leases' order.
    func lease(_ leases: [Lease]) throws(PostgresError) -> [(granted: Int64, used: Int64)] {
        guard !leases.isEmpty else { return [] }
        let order = leases.indices.sorted { (leases[$0].counter, leases[$0].periodStart) < (leases[$1].counter, leases[$1].periodStart) }
        func list(_ value: (Lease) -> Int64) -> String { "{" + order.map { String(value(leases[$0])) }.joined(separator: ",") + "}" }
        let rows = try db.query("""
            SELECT l.granted, l.used
              FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
                   WITH ORDINALITY AS t(c, s, e, lim, w, r, ch, n),
                   LATERAL convergence.budget_lease(t.c, t.s, t.e, t.lim, t.w, 1, t.r, t.ch) l
             ORDER BY t.n
            """, [list { Int64(bitPattern: $0.counter) }, list(\.periodStart), list(\.periodEnd), list(\.limit), list(\.want),
                  list(\.giveBack), list(\.charge)]).rows
        guard rows.count == leases.count else {
            throw .decoding(column: "granted", expected: "one row per counter (\(rows.count) for \(leases.count))")
        }
        var answers = [(granted: Int64, used: Int64)](repeating: (0, 0), count: leases.count)
        for (position, row) in rows.enumerated() {
            answers[order[position]] = (try row.decode("granted", as: Int64.self), try row.decode("used", as: Int64.self))
        }
        return answers
    }

    /// Periods that ended more than a day ago are of no use to any host.
    func prune(nowUnix: Int64) throws(PostgresError) {
        _ = try db.query("DELETE FROM convergence.budget_usage WHERE period_end < $1", [nowUnix - 86_400])
    }
}

import ConvergenceCore
import ConvergenceShared
import ConvergenceStore

/// The statements of cluster scope (migration 10 holds the functions): leases and
/// returns in one statement for many keys, sorted by bucket so that two hosts
/// leasing overlapping keys take their row locks in the same order (no deadlock).
struct CentralBuckets {
    let db: PostgresConnection

    struct Request {
        let bucket: UInt64
        let rule: RateLimitRule
        let tokens: Int
    }

    struct Grant {
        let granted: Int
        let tokensLeft: Double
        let fullInMs: Int64
    }

    /// Leases `tokens` for each request; the grants come back in the requests' order.
    func lease(_ requests: [Request]) throws(PostgresError) -> [Grant] {
        guard !requests.isEmpty else { return [] }
        let order = requests.indices.sorted { requests[$0].bucket < requests[$1].bucket }
        let sorted = order.map { requests[$0] }
        let rows = try db.query("""
            SELECT l.granted, l.tokens_left, l.full_in_ms
              FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::float8[]) WITH ORDINALITY AS t(b, c, r, w, n),
                   LATERAL convergence.rate_lease(t.b, t.c, t.r, t.w) l
             ORDER BY t.n
            """, Self.arrays(sorted)).rows
        guard rows.count == sorted.count else { throw .decoding(column: "granted", expected: "one row per bucket (\(rows.count) for \(sorted.count))") }
        var grants = [Grant?](repeating: nil, count: requests.count)
        for (position, row) in rows.enumerated() {
            grants[order[position]] = Grant(granted: try row.decode("granted", as: Int.self), tokensLeft: try row.decode("tokens_left", as: Double.self),
                                            fullInMs: try row.decode("full_in_ms", as: Int64.self))
        }
        return grants.map { $0! }
    }

    /// Gives unspent tokens back.
    func giveBack(_ requests: [Request]) throws(PostgresError) {
        guard !requests.isEmpty else { return }
        let sorted = requests.sorted { $0.bucket < $1.bucket }
        _ = try db.query("""
            SELECT convergence.rate_return(t.b, t.c, t.r, t.w)
              FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::float8[]) WITH ORDINALITY AS t(b, c, r, w, n)
             ORDER BY t.n
            """, Self.arrays(sorted))
    }

    /// This host is alive; answers how many hosts are (a heartbeat within 5 s).
    func heartbeat(hostID: String) throws(PostgresError) -> Int {
        let rows = try db.query("""
            WITH beat AS (
                INSERT INTO convergence.rate_hosts (host_id, heartbeat_at) VALUES ($1, clock_timestamp())
                ON CONFLICT (host_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
            )
            SELECT 1 + count(*) AS hosts FROM convergence.rate_hosts
             WHERE host_id <> $1 AND heartbeat_at > clock_timestamp() - interval '5 seconds'
            """, [hostID]).rows
        return try rows.first?.decode("hosts", as: Int.self) ?? 1
    }

    /// Rows of buckets that have been full for a minute are the same as no row.
    func pruneFull() throws(PostgresError) {
        _ = try db.query("DELETE FROM convergence.rate_buckets WHERE full_at < clock_timestamp() - interval '1 minute'")
        _ = try db.query("DELETE FROM convergence.rate_hosts WHERE heartbeat_at < clock_timestamp() - interval '1 hour'")
    }

    /// The array parameters: bucket ids as signed bigints, capacity, refill per second, tokens.
    static func arrays(_ requests: [Request]) -> [any PostgresEncodable] {
        func list(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }
        return [
            list(requests.map { String(Int64(bitPattern: $0.bucket)) }),
            list(requests.map { String($0.rule.limit) }),
            list(requests.map { String(Double($0.rule.limit) / Double($0.rule.periodSeconds)) }),
            list(requests.map { String($0.tokens) }),
        ]
    }
}

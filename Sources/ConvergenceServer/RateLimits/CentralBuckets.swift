import ConvergenceCore
import ConvergenceShared
import ConvergenceStore

/// The statements of cluster scope (migration 13 holds the function). A host's sync
/// is one statement: its heartbeat, the live host count, and for every key that
/// needs it tokens given back and tokens leased — sorted by bucket, so that two
/// hosts leasing overlapping keys take their row locks in the same order.
struct CentralBuckets {
    let db: PostgresConnection
    /// This `serve`'s name in heartbeats and holdings, and how long a holding lasts unrefreshed.
    let hostID: String
    let holdMs: Int

    init(db: PostgresConnection, hostID: String, plan: LeasePlan) {
        self.db = db
        self.hostID = hostID
        holdMs = Int(plan.holdSeconds * 1000)
    }

    struct Request {
        let bucket: UInt64
        let rule: RateLimitRule
        var want = 0
        var giveBack = 0
        /// The slot's spent counter (nil: not known): PostgreSQL takes what this host spent since the
        /// last count it saw off the host's holding.
        var spent: UInt32? = nil
        /// Whether the grant is held (a lease), or was spent already (a charge for what an outage admitted).
        var keep = true
    }

    struct Grant {
        let granted: Int
        let tokensLeft: Double
        let fullInMs: Int64
    }

    /// One lease for one key (the request path, when a host holds no token for it), answered
    /// within `timeoutMs` or failed (the connection closed: a late grant is lost, never admitted;
    /// PostgreSQL counts it as this host's until the holding expires, which only under-admits).
    func lease(_ request: Request, timeoutMs: Int) throws(PostgresError) -> Grant {
        let rows = try db.query("""
            SELECT granted, tokens_left, full_in_ms FROM convergence.rate_lease_held($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, Self.scalars(request) + [hostID, request.spent.map(Int64.init), request.keep, holdMs], timeoutMs: timeoutMs).rows
        guard let row = rows.first else { throw .decoding(column: "granted", expected: "one row") }
        return try grant(row)
    }

    private func grant(_ row: PostgresRow) throws(PostgresError) -> Grant {
        Grant(granted: try row.decode("granted", as: Int.self), tokensLeft: try row.decode("tokens_left", as: Double.self),
              fullInMs: try row.decode("full_in_ms", as: Int64.self))
    }

    /// The leaser's sync: heartbeat, then returns and leases; grants in the requests' order.
    func sync(_ requests: [Request]) throws(PostgresError) -> (hosts: Int, grants: [Grant]) {
        let order = requests.indices.sorted { requests[$0].bucket < requests[$1].bucket }
        let sorted = order.map { requests[$0] }
        let rows = try db.query("""
            WITH beat AS (
                INSERT INTO convergence.rate_hosts (host_id, heartbeat_at) VALUES ($6, clock_timestamp())
                ON CONFLICT (host_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
            ), live AS (
                SELECT 1 + count(*) AS hosts FROM convergence.rate_hosts
                 WHERE host_id <> $6 AND heartbeat_at > clock_timestamp() - interval '5 seconds'
            )
            SELECT live.hosts, x.granted, x.tokens_left, x.full_in_ms
              FROM live LEFT JOIN LATERAL (
                SELECT t.n, l.granted, l.tokens_left, l.full_in_ms
                  FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::float8[], $5::float8[], $7::bigint[], $8::boolean[])
                       WITH ORDINALITY AS t(b, c, r, w, g, s, k, n),
                       LATERAL convergence.rate_lease_held(t.b, t.c, t.r, t.w, t.g, $6, t.s, t.k, $9) l
              ) x ON true
             ORDER BY x.n
            """, Self.arrays(sorted) + [hostID] + Self.holdingArrays(sorted) + [holdMs]).rows
        let hosts = try rows.first?.decode("hosts", as: Int.self) ?? 1
        guard !sorted.isEmpty else { return (hosts, []) }
        guard rows.count == sorted.count else {
            throw .decoding(column: "granted", expected: "one row per bucket (\(rows.count) for \(sorted.count))")
        }
        var grants = [Grant?](repeating: nil, count: requests.count)
        for (position, row) in rows.enumerated() {
            grants[order[position]] = try grant(row)
        }
        return (hosts, grants.map { $0! })
    }

    /// Rows of buckets full for a minute are the same as no row (a lease that recreates one caps it at
    /// the capacity less what hosts hold); holdings expired a minute ago are gone (the bucket has
    /// refilled past them); hosts gone for an hour are forgotten.
    func prune() throws(PostgresError) {
        _ = try db.query("DELETE FROM convergence.rate_buckets WHERE full_at < clock_timestamp() - interval '1 minute'")
        _ = try db.query("DELETE FROM convergence.rate_holdings WHERE expires_at < clock_timestamp() - interval '1 minute'")
        _ = try db.query("DELETE FROM convergence.rate_hosts WHERE heartbeat_at < clock_timestamp() - interval '1 hour'")
    }

    static func scalars(_ r: Request) -> [any PostgresEncodable] {
        [Int64(bitPattern: r.bucket), Double(r.rule.limit), Double(r.rule.limit) / Double(r.rule.periodSeconds), Double(r.want), Double(r.giveBack)]
    }

    /// The slots' spent counters (NULL: not known) and whether grants are held.
    static func holdingArrays(_ requests: [Request]) -> [any PostgresEncodable] {
        func list(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }
        return [
            list(requests.map { $0.spent.map { String($0) } ?? "NULL" }),
            list(requests.map { $0.keep ? "t" : "f" }),
        ]
    }

    /// The array parameters: bucket ids as signed bigints, capacity, refill per second, wanted and returned tokens.
    static func arrays(_ requests: [Request]) -> [any PostgresEncodable] {
        func list(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }
        return [
            list(requests.map { String(Int64(bitPattern: $0.bucket)) }),
            list(requests.map { String($0.rule.limit) }),
            list(requests.map { String(Double($0.rule.limit) / Double($0.rule.periodSeconds)) }),
            list(requests.map { String($0.want) }),
            list(requests.map { String($0.giveBack) }),
        ]
    }
}

/// How a host sizes its budget grants in `rate_limit_scope = cluster` (pure: the request
/// path and the budget keeper call it, tests call it with numbers). PostgreSQL charges a
/// grant when it hands it out and never grants past the limit, so grants bound what the
/// fleet admits whatever their size; the size only decides how often a host asks and how
/// much it may hold unspent while another host is refused (the under-admission bound:
/// at most about two syncs of each host's demand, for at most `idleSeconds` once unused).
public struct BudgetLeasePlan: Sendable, Equatable {
    public var syncSeconds: Double
    /// How long a check waits for its synchronous lease before the outage mode decides it.
    public var syncLeaseTimeoutMs = 100

    public init(syncSeconds: Double = 1) { self.syncSeconds = syncSeconds }

    /// Grants unspent for this long go back to PostgreSQL.
    public var idleSeconds: Double { max(2, 2 * syncSeconds) }

    /// What is left of the limit after every grant handed out, split among the live hosts.
    static func share(limit: Int64, centralUsed: Int64, hosts: Int) -> Int64 { max(0, limit - centralUsed) / Int64(max(1, hosts)) }

    /// The request path's lease when the host holds `need` too little for a check of `amount`:
    /// the need plus three more such checks, within the host's share of what is left.
    public func requestWant(need: Int64, amount: Int64, limit: Int64, centralUsed: Int64, hosts: Int) -> Int64 {
        let share = Self.share(limit: limit, centralUsed: centralUsed, hosts: hosts)
        return max(need, min(share, need + 3 * amount))
    }

    /// Whether a check may be refused without a statement: PostgreSQL said, at most a sync and a
    /// half ago, that less than `need` is left to grant (other hosts' grants come back through the
    /// keeper's syncs, which refresh that reading every second).
    public func refusesLocally(need: Int64, limit: Int64, centralUsed: Int64, readSecondsAgo: Double?) -> Bool {
        guard let age = readSecondsAgo, age <= 1.5 * syncSeconds else { return false }
        return limit - centralUsed < need
    }

    /// The keeper's refill for a counter in use: up to two syncs of this host's demand
    /// (amount per second) when less than one sync's is left, within its share of what is left.
    public func refill(left: Int64, demandPerSecond: Double, idleSeconds idle: Double, limit: Int64, centralUsed: Int64, hosts: Int) -> Int64 {
        guard idle < idleSeconds, demandPerSecond > 0, Double(left) < demandPerSecond * syncSeconds else { return 0 }
        let target = Int64(min(9e15, (demandPerSecond * 2 * syncSeconds).rounded(.up)))
        return max(0, min(target - left, Self.share(limit: limit, centralUsed: centralUsed, hosts: hosts)))
    }

    /// Whether the grants left go back to PostgreSQL: unused for `idleSeconds`.
    public func shouldReturn(left: Int64, idleSeconds idle: Double) -> Bool { left > 0 && idle >= idleSeconds }

    /// While PostgreSQL is unreachable (`share` mode), once its grants are spent a host admits
    /// at most 1/N of what was left at the last reading, so that N hosts together stay within
    /// the limit while membership is unchanged.
    public static func outageAllowance(limit: Int64, centralUsed: Int64, hosts: Int) -> Int64 {
        share(limit: limit, centralUsed: centralUsed, hosts: hosts)
    }

    /// The usage a check reports (for `warn_at` and the refusal's detail): PostgreSQL's usage at the
    /// last reading, which counts every host's grants, less what this host has not spent of its
    /// own. An upper estimate: other hosts' unspent grants count as used.
    public static func usage(centralUsed: Int64, left: Int64, limit: Int64) -> Int64 { min(limit, max(0, centralUsed - left)) }
}

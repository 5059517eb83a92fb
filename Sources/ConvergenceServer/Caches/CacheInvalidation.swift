import CConvergenceShm
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceStore

/// Makes changes to keys and policies visible to every worker at once: a
/// successful mutation bumps a generation counter in shared memory, and each
/// worker expires its cached keys or policies when it sees the counter move
/// (expired, not dropped: they remain the fallback during a PostgreSQL outage).
/// Other hosts learn of it through PostgreSQL: the worker sends a NOTIFY on
/// `channel`, and every host's `cache-listener` bumps its own counters. The
/// cache TTLs stay as the bound when a notification is lost, and for SQL by hand.
package enum CacheInvalidation {
    static let keyGeneration = Int32(CV_COUNTER_KEY_GENERATION)
    static let policyGeneration = Int32(CV_COUNTER_POLICY_GENERATION)
    /// Bumped by a sign-out (`DELETE /admin/session`): every worker's next use of a cached session asks PostgreSQL.
    static let sessionGeneration = Int32(CV_COUNTER_SESSION_GENERATION)
    /// The NOTIFY channel every host's cache-listener listens on.
    package static let channel = "convergence_cache_invalidation"

    /// What changed, as a NOTIFY payload names it.
    package struct Change: OptionSet, Sendable, Equatable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        package static let keys = Change(rawValue: 1), policies = Change(rawValue: 2), sessions = Change(rawValue: 4)
        package static let all: Change = [.keys, .policies, .sessions]

        /// The names, comma-separated: `keys`, `policies`, `sessions`.
        package var payload: String {
            [contains(.keys) ? "keys" : nil, contains(.policies) ? "policies" : nil, contains(.sessions) ? "sessions" : nil]
                .compactMap { $0 }.joined(separator: ",")
        }

        /// An unknown or empty payload expires everything: a newer host may name something
        /// this one does not know, and expiring too much costs one lookup per cached entry.
        package init(payload: String) {
            var change: Change = []
            for part in payload.split(separator: ",") {
                switch part {
                case "keys": change.insert(.keys)
                case "policies": change.insert(.policies)
                case "sessions": change.insert(.sessions)
                default: change = .all
                }
            }
            self = change.isEmpty ? .all : change
        }
    }

    /// Bumps this host's generations for `change` (the cache-listener, on a notification).
    package static func apply(_ change: Change, to shared: SharedRegion) {
        if change.contains(.keys) { shared.addCounter(keyGeneration) }
        if change.contains(.policies) { shared.addCounter(policyGeneration) }
        if change.contains(.sessions) { shared.addCounter(sessionGeneration) }
    }

    /// Tells every host (this one included, harmlessly) that `change` happened.
    package static func notifyHosts(_ change: Change, database: PostgresConnection) throws(PostgresError) {
        _ = try database.query("SELECT pg_notify($1, $2)", [channel, change.payload])
    }

    /// Route patterns whose success changes what a key lookup returns.
    static let keyRoutes: Set<String> = [
        "/admin/keys/{key_id}", "/admin/keys/{key_id}/rotate", "/admin/keys/{key_id}/rate_limit", "/admin/keys/{key_id}/department",
        "/admin/customers/{id}",
    ]
    /// Any method but GET/HEAD: `/policies/{id}` covers PUT, PATCH and DELETE.
    static let policyRoutes: Set<String> = ["/policies", "/policies/{id}", "/admin/customers/{id}"]
    /// Which second bytes of a route pattern ("/a…", "/p…") belong to a route above.
    static let secondBytes: [Bool] = keyRoutes.union(policyRoutes).reduce(into: [Bool](repeating: false, count: 256)) { table, route in
        let bytes = Array(route.utf8)
        if bytes.count > 1 { table[Int(bytes[1])] = true }
    }

    static func afterResponse(_ response: Response, method: String, context: RequestContext) {
        guard method != "GET", method != "HEAD", (200..<300).contains(response.status.code) else { return }
        // A first test on the pattern's second byte spares most requests (every check) two string hashes.
        var endpoint = response.endpoint
        guard endpoint.withUTF8({ $0.count > 1 && secondBytes[Int($0[1])] }) else { return }
        var change: Change = []
        if keyRoutes.contains(response.endpoint) { change.insert(.keys) }
        if policyRoutes.contains(response.endpoint) { change.insert(.policies) }
        guard !change.isEmpty else { return }
        apply(change, to: context.shared) // this host at once, whatever PostgreSQL does
        do { try notifyHosts(change, database: context.database) } catch {
            // The change is committed; other hosts see it when their cache TTL runs out.
            context.logger.warning("cannot notify other hosts of a key or policy change; their caches expire by TTL",
                                   ["error": .string(String(describing: error))])
        }
    }

    /// The generations a worker's caches compare against (see `WorkerCaches`).
    package static func keysGeneration(_ context: RequestContext) -> UInt64 { context.shared.counter(keyGeneration) }
    package static func policiesGeneration(_ context: RequestContext) -> UInt64 { context.shared.counter(policyGeneration) }
    /// Sessions stand for admin keys, so a key change expires them too: the sum of two
    /// counters that only grow only grows, as the caches require.
    package static func sessionsGeneration(_ context: RequestContext) -> UInt64 {
        context.shared.counter(keyGeneration) &+ context.shared.counter(sessionGeneration)
    }
}

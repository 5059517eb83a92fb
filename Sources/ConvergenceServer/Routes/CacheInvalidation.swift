import CConvergenceShm
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared

/// Makes changes to keys and policies visible to every worker at once: a
/// successful mutation bumps a generation counter in shared memory, and each
/// worker expires its cached keys or policies when it sees the counter move
/// (expired, not dropped: they remain the fallback during a PostgreSQL outage).
/// The cache TTLs stay as the bound for changes made outside the server
/// (`convergence admin revoke-key`, SQL by hand).
package enum CacheInvalidation {
    static let keyGeneration = Int32(CV_COUNTER_KEY_GENERATION)
    static let policyGeneration = Int32(CV_COUNTER_POLICY_GENERATION)
    /// Bumped by a sign-out (`DELETE /admin/session`): every worker's next use of a cached session asks PostgreSQL.
    static let sessionGeneration = Int32(CV_COUNTER_SESSION_GENERATION)

    /// Route patterns whose success changes what a key lookup returns.
    static let keyRoutes: Set<String> = [
        "/admin/keys/{key_id}", "/admin/keys/{key_id}/rotate", "/admin/keys/{key_id}/rate_limit", "/admin/customers/{id}",
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
        if keyRoutes.contains(response.endpoint) { context.shared.addCounter(keyGeneration) }
        if policyRoutes.contains(response.endpoint) { context.shared.addCounter(policyGeneration) }
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

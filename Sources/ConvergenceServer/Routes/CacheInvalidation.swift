import CConvergenceShm
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared

/// Makes changes to keys and policies visible to every worker at once: a
/// successful mutation bumps a generation counter in shared memory, and each
/// thread expires its cached keys or policies when it sees the counter move
/// (expired, not dropped: they remain the fallback during a PostgreSQL outage).
/// The cache TTLs stay as the bound for changes made outside the server
/// (`convergence admin revoke-key`, SQL by hand).
enum CacheInvalidation {
    static let keyGeneration = Int32(CV_COUNTER_KEY_GENERATION)
    static let policyGeneration = Int32(CV_COUNTER_POLICY_GENERATION)

    /// Route patterns whose success changes what a key lookup returns.
    static let keyRoutes: Set<String> = [
        "/admin/keys/{key_id}", "/admin/keys/{key_id}/rotate", "/admin/keys/{key_id}/rate_limit", "/admin/customers/{id}",
    ]
    static let policyRoutes: Set<String> = ["/policies", "/policies/{id}", "/admin/customers/{id}"]

    static func afterResponse(_ response: Response, method: String, context: RequestContext) {
        guard method != "GET", method != "HEAD", (200..<300).contains(response.status.code) else { return }
        if keyRoutes.contains(response.endpoint) { context.shared.addCounter(keyGeneration) }
        if policyRoutes.contains(response.endpoint) { context.shared.addCounter(policyGeneration) }
    }

    /// Drops the thread's cached keys if any worker changed a key since the last look.
    static func refreshKeys(_ context: RequestContext) {
        let generation = context.shared.counter(keyGeneration)
        guard generation != context.seenKeyGeneration else { return }
        context.seenKeyGeneration = generation
        context.keyCache.expireAll()
    }

    static func refreshPolicies(_ context: RequestContext) {
        let generation = context.shared.counter(policyGeneration)
        guard generation != context.seenPolicyGeneration else { return }
        context.seenPolicyGeneration = generation
        // Expired, not removed: CheckRoute still uses them if PostgreSQL is down.
        let now = MonotonicInstant.now()
        context.policyCache = context.policyCache.mapValues { (policies: $0.policies, until: min($0.until, now)) }
    }
}

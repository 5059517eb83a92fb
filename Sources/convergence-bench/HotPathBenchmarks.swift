import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceServer
import ConvergenceStore

/// Micro-benchmarks of worker hot paths, run by `convergence-bench` (scripts/bench).
/// They call the real code, not a copy of it.
enum HotPathBenchmarks {
    /// Nanoseconds per `Authenticator.verify` (key checks, no rate limit) with a warm cache (no database).
    static func keyVerification(iterations: Int) -> Double {
        let config = Config()
        let context = RequestContext(
            database: PostgresConnection(ConnectionInfo(url: "postgresql:///none?host=/nonexistent", password: nil, connectTimeoutSeconds: 1)),
            logger: Logger(role: "bench", minimumLevel: .error), config: config,
            caches: WorkerCaches(keyTTLMs: 3_600_000, policyTTLMs: 3_600_000)) // the benchmark measures hits only
        let key = APIKeyFormat.newLiveKey()
        let digest = SHA256.Digest(SHA256.digest(key))
        context.caches.storeKey(KeyRecord(keyID: "key_bench", kind: .customer, customerID: "c", tenantID: "bench_t", tier: "free",
                                         expiresAt: nil, revokedAt: nil, digest: digest.bytes), for: digest,
                                generation: CacheInvalidation.keysGeneration(context), front: &context.cacheFront)
        let request = Request(method: "GET", path: "/", headers: ["x-api-key": key], requestID: "req_bench")
        var accepted = 0
        let start = MonotonicInstant.now()
        for _ in 0..<iterations {
            if (try? Authenticator.verify(request, context)) != nil { accepted += 1 }
        }
        let elapsed = MonotonicInstant.now().milliseconds(since: start) * 1_000_000
        precondition(accepted == iterations, "benchmark key was refused")
        return elapsed / Double(iterations)
    }
}

extension HotPathBenchmarks {
    /// Nanoseconds per `POST /v1/check` through the router with warm key and
    /// policy caches: everything a worker does except FastCGI I/O.
    static func checkRoute(body: [UInt8], policies: [ConvergenceGovernance.Policy], iterations: Int) -> Double {
        var config = Config()
        config.policyCacheTTLMs = 1000
        config.rateLimitFree = RateLimitRule(limit: RateLimitRule.maxLimit, periodSeconds: 1) // limited, never refused
        let context = RequestContext(
            database: PostgresConnection(ConnectionInfo(url: "postgresql:///none?host=/nonexistent", password: nil, connectTimeoutSeconds: 1)),
            logger: Logger(role: "bench", minimumLevel: .error), config: config,
            caches: WorkerCaches(keyTTLMs: 3_600_000, policyTTLMs: 3_600_000))
        let key = APIKeyFormat.newLiveKey()
        let digest = SHA256.Digest(SHA256.digest(key))
        context.caches.storeKey(KeyRecord(keyID: "key_bench", kind: .customer, customerID: "cust", tenantID: "bench_t", tier: "free",
                                         expiresAt: nil, revokedAt: nil, digest: digest.bytes), for: digest,
                                generation: CacheInvalidation.keysGeneration(context), front: &context.cacheFront)
        let router = Routes.make(config: config)
        let request = Request(method: "POST", path: "/v1/check", headers: ["x-api-key": key, "content-type": "application/json"],
                              requestID: "req_bench", body: body)
        context.caches.storePolicies(PolicySet(policies), for: "cust", generation: CacheInvalidation.policiesGeneration(context),
                                     now: MonotonicInstant.now(), front: &context.cacheFront) // as a warm worker has it
        var ok = 0
        let start = MonotonicInstant.now()
        for _ in 0..<iterations {
            let response = router.respond(to: request, context: context) { _ in }
            if response.status == .ok { ok += 1 }
        }
        let elapsed = MonotonicInstant.now().milliseconds(since: start) * 1_000_000
        precondition(ok == iterations, "benchmark check failed")
        return elapsed / Double(iterations)
    }
}

import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceStore

/// Micro-benchmarks of worker hot paths, run by `convergence-bench` (scripts/bench).
/// They call the real code, not a copy of it.
public enum HotPathBenchmarks {
    /// Nanoseconds per `Authenticator.authenticate` with a warm cache (no database).
    public static func keyVerification(iterations: Int) -> Double {
        let config = Config()
        let context = RequestContext(
            database: PostgresConnection(ConnectionInfo(url: "postgresql:///none?host=/nonexistent", password: nil, connectTimeoutSeconds: 1)),
            logger: Logger(role: "bench", minimumLevel: .error), config: config)
        context.keyCache = KeyCache(ttlMs: 3_600_000) // the benchmark measures hits only
        let key = APIKeyFormat.newLiveKey()
        let digest = SHA256.digest(key)
        context.keyCache.store(KeyRecord(keyID: "key_bench", kind: .customer, customerID: "c", tenantID: "bench_t", tier: "free",
                                         expiresAt: nil, revokedAt: nil, digest: digest), for: digest)
        let request = Request(method: "GET", path: "/", headers: ["x-api-key": key], requestID: "req_bench")
        var accepted = 0
        let start = MonotonicInstant.now()
        for _ in 0..<iterations {
            if (try? Authenticator.authenticate(request, context)) != nil { accepted += 1 }
        }
        let elapsed = MonotonicInstant.now().milliseconds(since: start) * 1_000_000
        precondition(accepted == iterations, "benchmark key was refused")
        return elapsed / Double(iterations)
    }
}

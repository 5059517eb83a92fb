import ConvergenceAudit
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceStore

/// `GET /admin/stats`: the shared-memory counters behind /metrics as one JSON
/// object, for the dashboard's overview (admin or read-only key, or a session).
/// Counters run since `serve` started (they survive worker restarts, not a restart
/// of the supervisor); latency percentiles are those of `/v1/check` over the same span.
enum StatsRoute {
    struct Body: Encodable {
        struct Checks: Encodable {
            let total, allowed, blocked: UInt64
            let wouldBlock: UInt64
            enum CodingKeys: String, CodingKey {
                case total, allowed, blocked
                case wouldBlock = "would_block"
            }
        }
        struct Latency: Encodable {
            let p50, p95, p99: Double
        }
        struct Audit: Encodable {
            let backlog: Int
            let oldestUnflushedAgeSeconds: Double
            let flusherUp, postgresUp: Bool
            let flushed, replayed, flushFailures: UInt64
            enum CodingKeys: String, CodingKey {
                case backlog, flushed, replayed
                case oldestUnflushedAgeSeconds = "oldest_unflushed_age_seconds"
                case flusherUp = "flusher_up"
                case postgresUp = "postgres_up"
                case flushFailures = "flush_failures"
            }
        }
        struct Workers: Encodable {
            let up, configured: Int
        }
        struct Table: Encodable {
            let used, capacity: Int
        }
        let checks: Checks
        let rateLimited: UInt64
        let rateLimitedByTier: [String: UInt64]
        let latencyMs: Latency
        let audit: Audit
        let workers: Workers
        let bucketTable: Table
        let generatedAt: String

        enum CodingKeys: String, CodingKey {
            case checks, audit, workers
            case rateLimited = "rate_limited"
            case rateLimitedByTier = "rate_limited_by_tier"
            case latencyMs = "latency_ms"
            case bucketTable = "bucket_table"
            case generatedAt = "generated_at"
        }
    }

    static func register(on router: inout Router<RequestContext>) {
        router.get("/admin/stats") { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            var response = try Response.json(body(context))
            response.headers.append(HTTPField("Cache-Control", "no-store"))
            return response
        }
    }

    static func body(_ context: RequestContext) -> Body {
        let snapshot = MetricsSnapshot(region: context.shared)
        // Tiers as the rate limiter labels them: "key" is a key with its own rate_limit.
        let tiers = ["free", "pro", "key"].reduce(into: [String: UInt64]()) { tiers, tier in
            tiers[tier] = snapshot.counter(MetricFamilies.rateLimited, label: ("tier", tier))
        }
        let bounds = MetricFamilies.duration.buckets.map { $0 * 1000 } // seconds → ms
        let latency = snapshot.histogram(MetricFamilies.duration, label: ("endpoint", "/v1/check"))
        let audit = context.audit.map { AuditReadiness.current(config: context.config, spool: $0) }
        // One round trip on this thread's connection: the dashboard wants the answer, not the last probe's.
        let postgresUp = (try? context.database.query("SELECT 1", idempotent: true)) != nil
        let now = WallClock.unixMicros()
        return Body(
            checks: .init(total: snapshot.counter(MetricFamilies.checks),
                          allowed: snapshot.counter(MetricFamilies.decisions, label: ("decision", "allow")),
                          blocked: snapshot.counter(MetricFamilies.decisions, label: ("decision", "block")),
                          wouldBlock: snapshot.counter(MetricFamilies.wouldBlock)),
            rateLimited: tiers.values.reduce(0, &+), rateLimitedByTier: tiers,
            latencyMs: .init(p50: Histogram.quantile(0.5, bounds: bounds, counts: latency),
                             p95: Histogram.quantile(0.95, bounds: bounds, counts: latency),
                             p99: Histogram.quantile(0.99, bounds: bounds, counts: latency)),
            audit: .init(backlog: audit?.backlogBytes ?? 0, oldestUnflushedAgeSeconds: (audit?.oldestUnflushedAgeMs ?? 0) / 1000,
                         flusherUp: (snapshot.gauge(MetricFamilies.auxiliaryUp, label: ("process", ApplicationRoles.auditFlusher.name)) ?? 0) >= 1,
                         postgresUp: postgresUp, flushed: snapshot.counter(AuditMetricFamilies.flushed),
                         replayed: snapshot.counter(AuditMetricFamilies.replayed),
                         flushFailures: snapshot.counter(AuditMetricFamilies.flushFailures)),
            workers: .init(up: Int(snapshot.gauge(MetricFamilies.workersAlive) ?? 0),
                           configured: Int(snapshot.gauge(MetricFamilies.workersConfigured) ?? 0)),
            bucketTable: .init(used: context.limiter.occupancy, capacity: context.shared.bucketCapacity),
            generatedAt: WallClock.rfc3339(seconds: now / 1_000_000, milliseconds: Int(now % 1_000_000) / 1000))
    }
}

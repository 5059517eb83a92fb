/// Every metric the service exposes. The seed's names come first (dashboards
/// built on the prototype keep working); ours carry the `convergence_` prefix.
public enum MetricFamilies {
    static let latencyBucketsMs: [Double] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
    static let riskBuckets: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]

    // Seed 002's names.
    public static let checks = MetricFamily("governance_checks_total", .counter, labels: ["customer"],
                                            help: "Governance checks decided, by customer.")
    public static let allowed = MetricFamily("governance_decisions_allowed", .counter, labels: ["customer"],
                                             help: "Checks answered allowed, by customer.")
    public static let blocked = MetricFamily("governance_decisions_blocked", .counter, labels: ["customer"],
                                             help: "Checks answered blocked, by customer.")
    public static let riskScore = MetricFamily("governance_risk_score", .histogram(buckets: riskBuckets), labels: ["customer"],
                                               help: "Risk scores of decided checks, by customer.")
    public static let latency = MetricFamily("request_latency_ms", .histogram(buckets: latencyBucketsMs), labels: ["endpoint"],
                                             help: "Time from request read to response written in the backend, milliseconds.")

    // Ours. The seed's `request_latency_ms` and the counters without `_total` fail
    // promtool's lint (abbreviated unit, counter suffix); these twins are lint-clean.
    public static let duration = MetricFamily("convergence_request_duration_seconds",
                                              .histogram(buckets: latencyBucketsMs.map { $0 / 1000 }), labels: ["endpoint"],
                                              help: "Time from request read to response written in the backend, seconds.")
    public static let decisions = MetricFamily("convergence_decisions_total", .counter, labels: ["customer", "decision"],
                                               help: "Governance decisions by customer and outcome (allow, block).")
    public static let wouldBlock = MetricFamily("convergence_checks_would_block_total", .counter,
                                                help: "Checks that a monitor-mode policy would have blocked (whatever the decision).")
    public static let requests = MetricFamily("convergence_requests_total", .counter, labels: ["endpoint", "status"],
                                              help: "Requests answered by the backend, by route pattern and HTTP status.")
    public static let rateLimited = MetricFamily("convergence_rate_limited_total", .counter, labels: ["tier"],
                                                 help: "Requests refused with 429 by the per-key token buckets.")
    public static let authFailures = MetricFamily("convergence_auth_failures_total", .counter, labels: ["code"],
                                                  help: "Requests refused because of the key (401 invalid key, 403 wrong tenant or kind).")
    public static let postgresErrors = MetricFamily("convergence_postgres_errors_total", .counter, labels: ["kind"],
                                                    help: "PostgreSQL failures seen by request handlers (connection or query).")
    public static let workersAlive = MetricFamily("convergence_workers_alive", .gauge,
                                                  help: "Worker processes running now (set by the supervisor).")
    public static let workersConfigured = MetricFamily("convergence_workers_configured", .gauge,
                                                       help: "Worker processes the supervisor keeps.")
    public static let workerRestarts = MetricFamily("convergence_worker_restarts_total", .counter, labels: ["reason"],
                                                    help: "Worker processes replaced: crashed, recycled (max_requests) or reloaded.")
    public static let auxiliaryRestarts = MetricFamily("convergence_auxiliary_restarts_total", .counter, labels: ["process"],
                                                       help: "Auxiliary processes (flusher, executor) restarted after dying.")
    public static let auxiliaryUp = MetricFamily("convergence_auxiliary_up", .gauge, labels: ["process"],
                                                 help: "Whether the auxiliary process (audit-flusher, pipeline-executor) is running (1)"
                                                     + " or waiting for a restart (0).")
    public static let startFailures = MetricFamily("convergence_process_start_failures_total", .counter, labels: ["process"],
                                                   help: "Child processes that exited unable to start (exit 78), by process kind;"
                                                       + " retried with back-off.")

    // From the region's header, computed when /metrics renders.
    public static let bucketsUsed = MetricFamily("convergence_ratelimit_buckets", .gauge,
                                                 help: "Rate-limit buckets in use in the shared table.")
    public static let bucketsCapacity = MetricFamily("convergence_ratelimit_buckets_capacity", .gauge,
                                                     help: "Size of the shared rate-limit table.")
    public static let bucketEvictions = MetricFamily("convergence_ratelimit_evictions_total", .counter,
                                                     help: "Buckets evicted (least recently used of a full set) to make room for another key.")
    public static let lockTimeouts = MetricFamily("convergence_ratelimit_lock_timeouts_total", .counter,
                                                  help: "Requests admitted without a bucket because a table set stayed locked ~50 ms"
                                                      + " (should stay 0).")
    public static let seriesUsed = MetricFamily("convergence_metrics_series", .gauge,
                                                help: "Metric series slots in use in the shared region.")
    public static let seriesCapacity = MetricFamily("convergence_metrics_series_capacity", .gauge,
                                                    help: "Metric series slots in the shared region.")
    public static let seriesDropped = MetricFamily("convergence_metrics_series_dropped_total", .counter,
                                                   help: "Updates lost because the series table was full.")
    public static let customersLabelled = MetricFamily("convergence_metrics_customers_labelled", .gauge,
                                                       help: "Customers with their own label value; the rest count as customer=\"_other\".")
    public static let shmBytes = MetricFamily("convergence_shm_bytes", .gauge, help: "Size of the shared-memory region.")
    public static let clusterOutage = MetricFamily("convergence_ratelimit_cluster_outage", .gauge,
                                                   help: "rate_limit_scope = cluster: 1 while the central buckets are unreachable and this"
                                                       + " host decides locally (rate_limit_outage), else 0.")
    public static let leaseFailures = MetricFamily("convergence_ratelimit_lease_failures_total", .counter,
                                                   help: "rate_limit_scope = cluster: synchronous leases that missed their 100 ms deadline or"
                                                       + " were refused (lock timeout); each such request was decided by rate_limit_outage.")
    public static let synchronousLeases = MetricFamily("convergence_ratelimit_synchronous_leases_total", .counter,
                                                       help: "rate_limit_scope = cluster: leases made on the request path, one statement each"
                                                           + " (the leaser's own syncs are one statement per rate_limit_sync_ms).")
    public static let clusterHosts = MetricFamily("convergence_ratelimit_cluster_hosts", .gauge,
                                                  help: "rate_limit_scope = cluster: live hosts at the last heartbeat (the N of the outage share).")

    public static let budgetWarnings = MetricFamily("convergence_budget_warnings_total", .counter,
                                                    help: "Checks admitted with a budget past its warn_at (each budget counts).")
    public static let budgetRefusals = MetricFamily("convergence_budget_refusals_total", .counter,
                                                    help: "Budget reservations refused: the check would have passed a budget's limit"
                                                        + " (enforced: blocked; monitor mode: would_block).")
    public static let budgetSyncFailures = MetricFamily("convergence_budget_sync_failures_total", .counter,
                                                        help: "Budget usage reads and syncs that could not reach PostgreSQL (retried;"
                                                            + " usage stays exact on this host meanwhile).")
    public static let budgetLeases = MetricFamily("convergence_budget_leases_total", .counter,
                                                  help: "Budget grants leased on the check path (rate_limit_scope = cluster): a host"
                                                      + " held too little for a check; the keeper's refills are not counted.")

    /// Families stored as series (rendered from the table), in exposition order.
    public static let stored: [MetricFamily] = [
        checks, allowed, blocked, riskScore, latency, duration, decisions, wouldBlock, requests, rateLimited, authFailures, postgresErrors,
        workersAlive, workersConfigured, workerRestarts, auxiliaryRestarts, auxiliaryUp, startFailures,
    ]

    /// The seed's names that promtool's linter flags; `metrics_seed_names = false` leaves them out.
    public static let seedNamesFlaggedByLint: Set<String> = [allowed.name, blocked.name, latency.name]

    /// Families computed from the region header at render time.
    public static let derived: [MetricFamily] = [
        bucketsUsed, bucketsCapacity, bucketEvictions, lockTimeouts, seriesUsed, seriesCapacity, seriesDropped, customersLabelled, shmBytes,
        clusterOutage, clusterHosts, leaseFailures, synchronousLeases, budgetWarnings, budgetRefusals, budgetSyncFailures, budgetLeases,
    ]

    public static var all: [MetricFamily] { stored + derived }
}

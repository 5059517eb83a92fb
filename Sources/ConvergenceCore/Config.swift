import Glibc

/// The validated service configuration. Loaded from one `key = value` file and
/// overridden by `CONVERGENCE_<KEY>` environment variables (see `ConfigLoader`).
/// Secrets are never part of the file: the database password comes from
/// `CONVERGENCE_DATABASE_PASSWORD` or from `database_password_file`.
public struct Config: Sendable, Equatable, Codable {
    public var listen: ListenAddress = .unix(path: "/run/convergence/convergence.sock")
    public var listenMode: Int = 0o660
    public var listenGroup: String? = nil
    public var listenBacklog: Int = 1024
    /// Account the worker, flusher and executor processes run as when `serve` starts as root
    /// (php-fpm's `user`); unset or the current user otherwise. See `PrivilegePlan`.
    public var user: String? = nil
    /// Their group (default: `user`'s primary group).
    public var group: String? = nil
    /// Lets `serve` started as root run its children as root (php-fpm's `--allow-to-run-as-root`).
    public var allowRoot: Bool = false
    /// Worker processes; 0 means one per online core.
    public var workers: Int = 0
    public var threads: Int = 8
    /// How many of a worker's threads take connections at once; the others stand by for
    /// while one waits on PostgreSQL. 0 (`auto`): the online cores shared out among the workers.
    public var activeThreads: Int = 0
    public var maxRequests: Int = 0
    public var maxBodyBytes: Int = 1_048_576
    public var shutdownTimeoutSeconds: Int = 30
    public var restartBackoffInitialMs: Int = 100
    public var restartBackoffMaxMs: Int = 10_000
    public var crashLoopMax: Int = 10
    /// Retry interval for a child that cannot start (exit 78) or keeps crashing while
    /// others serve: it is never given up on, and never stops its siblings.
    public var restartBackoffLongMs: Int = 60_000
    public var databaseURL: String = "postgresql:///convergence?host=/run/postgresql"
    public var databasePasswordFile: String? = nil
    /// Where `GET /logs`, `GET /v1/logs` and `GET /admin/usage` read the audit trail and its
    /// rollups, e.g. a streaming replica (same password as `databaseURL`). Empty: `databaseURL`.
    public var auditReadDatabaseURL: String = ""
    public var databaseConnectTimeoutSeconds: Int = 3
    public var migrateOnStart: Bool = true
    public var logLevel: LogLevel = .info
    public var enableEcho: Bool = false
    /// How long a rotated key keeps working.
    public var keyRotationGraceSeconds: Int = 7 * 86_400
    /// How long a worker thread trusts a key lookup; revocations take at most this long.
    public var keyCacheTTLMs: Int = 500
    /// How often each worker thread writes the keys it saw used (`last_used_at`, with
    /// each key's time of use): one UPDATE per thread per interval, never per request.
    public var keyUsageFlushSeconds: Int = 60
    /// How long a worker thread trusts its copy of a customer's policies.
    public var policyCacheTTLMs: Int = 500
    /// How long a dashboard sign-in (`POST /admin/session`) lasts; the cookie's Max-Age.
    public var dashboardSessionTTLSeconds: Int = 8 * 3600
    /// Whether `POST /api/v1/customers/onboard` works without an admin key (seed 000's open form).
    public var onboardingOpen: Bool = false
    /// File with the credential master key(s); `CONVERGENCE_MASTER_KEY` also works.
    public var masterKeyFile: String? = nil
    public var devMode: Bool = false
    /// Per-key token buckets in shared memory on every customer-API route.
    public var rateLimitEnabled: Bool = true
    public var rateLimitFree = RateLimitRule(limit: 100, periodSeconds: 60)
    public var rateLimitPro = RateLimitRule(limit: 1000, periodSeconds: 60)
    public var rateLimitScope: RateLimitScope = .host
    public var rateLimitOutage: RateLimitOutageMode = .share
    /// Cluster scope: how often each host's rate-leaser syncs (one statement per sync).
    public var rateLimitSyncMs: Int = 1000
    /// Buckets in the shared table (rounded up to a power of two); LRU eviction beyond.
    public var rateLimitTableSize: Int = 131_072
    /// Metric series slots in the shared region (rounded up to a power of two).
    public var metricsSeriesCapacity: Int = 16_384
    /// Distinct `customer` label values; later customers are counted under `customer="_other"`.
    public var metricsCustomerCap: Int = 1000
    /// Expose the seed's names that promtool's linter flags (`request_latency_ms`, the decision counters without `_total`).
    public var metricsSeedNames: Bool = true
    /// Pipeline templates live at `{pipeline_config_dir}/{provider}/{domain}/{template_name}.yml`.
    public var pipelineConfigDir: String = "configs"
    /// `load_csv` steps read files only below this folder.
    public var pipelineDataDir: String = "configs/data"
    /// Whether `serve` runs the pipeline executor (off: runs stay queued for another host's executor).
    public var executorEnabled: Bool = true
    /// Runs one executor process works on at once (one thread and connection each).
    public var executorConcurrency: Int = 2
    /// How often an idle executor looks for queued runs when no notification arrives.
    public var executorPollIntervalMs: Int = 1000
    /// A step's statement timeout unless its template sets `timeout_seconds`.
    public var pipelineStepTimeoutSeconds: Int = 300
    /// A running run's lease: if its executor stops renewing it this long, the run is retried or failed.
    public var pipelineLeaseSeconds: Int = 30
    /// How often an executor renews its leases (must be well under the lease).
    public var pipelineHeartbeatSeconds: Int = 5
    /// Attempts per run when executors die (2: retried once), then FAILED.
    public var pipelineMaxAttempts: Int = 2
    /// How long onboarding waits for its dryrun (run inline in the request).
    public var onboardingDryrunTimeoutSeconds: Int = 10

    // Audit trail (docs/operations.md "Audit trail").
    /// Off only for measurements: without it no check is recorded.
    public var auditEnabled: Bool = true
    /// Spool of records not yet in PostgreSQL; must survive restarts (not tmpfs).
    public var auditSpoolDir: String = "/var/lib/convergence/audit-spool"
    /// Bound of the spool's unflushed bytes; past it `auditFullPolicy` applies.
    public var auditBufferBytes: Int = 256 << 20
    /// Spooled records reach the disk within this; 0 syncs every record before answering.
    public var auditFsyncIntervalMs: Int = 200
    public var auditFullPolicy: AuditFullPolicy = .failClosed
    /// Records per PostgreSQL transaction in the flusher.
    public var auditFlushBatchSize: Int = 5000
    /// Days of audit trail the flusher keeps: once a day it drops the daily partitions
    /// entirely older than this many days. 0: never (the operator runs `admin prune-audit`).
    public var auditRetentionDays: Int = 0
    /// Where retention writes each audit partition (gzip-compressed CSV) before dropping it;
    /// nil: partitions are dropped without an archive.
    public var auditArchiveDir: String?
    /// A worker starts a new spool segment past this size, so drained ones can be deleted.
    public var auditSegmentBytes: Int = 1 << 20

    public init() {}

    /// `workers`, with 0 resolved to the number of online cores.
    public var effectiveWorkers: Int {
        workers > 0 ? workers : max(1, ProcessorCount.online)
    }

    /// `active_threads`, with `auto` resolved: as many running threads in all as there are
    /// cores (Go's GOMAXPROCS), at least one per worker. A warm check never leaves the
    /// process, so more only adds context switches; waits on PostgreSQL bring in the spares.
    public func effectiveActiveThreads(onlineCores: Int = ProcessorCount.online) -> Int {
        guard activeThreads == 0 else { return activeThreads }
        let cores = max(1, onlineCores)
        return max(1, cores / (workers > 0 ? workers : cores))
    }
}

/// What a full audit spool does to new checks.
public enum AuditFullPolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse new checks with 503: nothing is decided without a record.
    case failClosed = "fail_closed"
    /// Keep answering and count the records dropped.
    case failOpen = "fail_open"
}

public enum ProcessorCount {
    public static var online: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

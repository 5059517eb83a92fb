import ConvergenceAudit
import Glibc
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceShared
import ConvergenceStore

/// Per-thread state handed to every handler: owned by one worker thread, never shared.
package final class RequestContext {
    package let database: PostgresConnection
    /// Reads of the audit trail and its rollups (`audit_read_database_url`, e.g. a streaming
    /// replica); `database` itself when that is not set. Connects on first use.
    package let auditReadDatabase: PostgresConnection
    package let logger: Logger
    package let config: Config
    /// nil in dev mode without a master key: credential routes then answer 503.
    package let keyring: MasterKeyring?
    /// The worker's audit spool; nil when auditing is off.
    package let audit: AuditSpool?
    /// This thread's lane in the spool: its own segment, so threads never wait for each other's writes.
    let auditLane: Int
    /// Keys and policies read from PostgreSQL, shared with the worker's other threads.
    package let caches: WorkerCaches
    /// This thread's lock-free copies of recently used cache entries.
    package var cacheFront = WorkerCaches.Front()
    /// Keys used since the last `last_used_at` flush, each with its latest use (Unix µs):
    /// one UPDATE per minute, not per request, that still records when a key was used.
    var usedKeys: [String: Int64] = [:]
    var lastUsedKey: String?
    var lastUsedAt: Int64 = 0
    var lastUsageFlush = MonotonicInstant.now()
    /// Random bytes for audit record ids, drawn from OpenSSL in blocks.
    var randomPool = RandomPool()
    /// The thread's scratch buffer for bytes built on the way (the audit row, then the
    /// response body): reused from request to request.
    let scratch = ByteBuffer(capacity: 4096)
    /// The host's shared region: rate-limit buckets and metrics of every worker.
    package let shared: SharedRegion
    package let metrics: MetricsRecorder
    let limiter: RateLimiter
    /// Metric series resolved for this thread (by route and status; by customer).
    var endpointSeries = SeriesCache<EndpointStatus, EndpointSeries>(capacity: 4096)
    var checkSeries = SeriesCache<String, CheckSeries>(capacity: 4096)
    /// Headers the response gets whatever the handler returns or throws (rate-limit state); reset per request.
    var rateLimitLines: [UInt8] = []
    /// Reused by every check of the thread that meets budgets (no arrays made per check).
    var budgetDemands: [BudgetDemand] = []
    var budgetOutcomes: [BudgetOutcome] = []
    /// `X-Convergence-Worker: <pid>` as a ready header line: which worker answered, for
    /// nginx's access log (hidden from clients) and for tests that must see every worker.
    let workerLine: [UInt8] = Array("X-Convergence-Worker: \(getpid())\r\n".utf8)

    /// `shared` defaults to a private in-memory region (benchmarks, tools); workers pass the host's.
    package init(database: PostgresConnection, logger: Logger, config: Config, keyring: MasterKeyring? = nil,
                shared: SharedRegion? = nil, audit: AuditSpool? = nil, auditLane: Int = 0, caches: WorkerCaches? = nil,
                auditReadDatabase: PostgresConnection? = nil) {
        self.database = database
        self.auditReadDatabase = auditReadDatabase ?? database
        self.logger = logger
        self.config = config
        self.keyring = keyring
        self.audit = audit
        self.auditLane = auditLane
        self.caches = caches ?? WorkerCaches(keyTTLMs: config.keyCacheTTLMs, policyTTLMs: config.policyCacheTTLMs)
        let region = shared ?? SharedRegion.inMemory(buckets: 1024, series: 1024)
        self.shared = region
        self.metrics = MetricsRecorder(region: region, customerCap: config.metricsCustomerCap)
        self.limiter = RateLimiter(region: region)
    }

    var identity: IdentityRepository { IdentityRepository(db: database) }
}

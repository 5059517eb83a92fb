import ConvergenceCore
import ConvergenceGovernance
import ConvergenceIdentity
import ConvergenceStore

/// Per-thread state handed to every handler: owned by one worker thread, never shared.
public final class RequestContext {
    public let database: PostgresConnection
    public let logger: Logger
    public let config: Config
    /// nil in dev mode without a master key: credential routes then answer 503.
    public let keyring: MasterKeyring?
    /// The worker's audit spool; nil when auditing is off.
    public let audit: AuditSpool?
    var keyCache: KeyCache
    /// Keys used since the last `last_used_at` flush (one UPDATE per minute, not per request).
    var usedKeys: Set<String> = []
    var lastUsedKey: String?
    var lastUsageFlush = MonotonicInstant.now()
    /// Active policies per customer, trusted for `policy_cache_ttl_ms`.
    var policyCache: [String: (policies: [Policy], until: MonotonicInstant)] = [:]

    public init(database: PostgresConnection, logger: Logger, config: Config, keyring: MasterKeyring? = nil, audit: AuditSpool? = nil) {
        self.database = database
        self.logger = logger
        self.config = config
        self.keyring = keyring
        self.audit = audit
        self.keyCache = KeyCache(ttlMs: config.keyCacheTTLMs)
    }

    var identity: IdentityRepository { IdentityRepository(db: database) }
}

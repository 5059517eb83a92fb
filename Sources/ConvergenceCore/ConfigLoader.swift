import Glibc

/// Reads `key = value` files and `CONVERGENCE_*` overrides into a `Config`.
/// Unknown keys and bad values are errors that name the key: a typo must never
/// silently fall back to a default.
public enum ConfigLoader {
    /// Environment variables with the prefix that are not config keys.
    public static let reservedEnvironment: Set<String> = [
        "CONVERGENCE_CONFIG", "CONVERGENCE_DATABASE_PASSWORD", "CONVERGENCE_MASTER_KEY",
        "CONVERGENCE_BIN", "CONVERGENCE_WORKER_CONFIG", "CONVERGENCE_WORKER_ID",
        "CONVERGENCE_WORKER_GENERATION", "CONVERGENCE_WORKER_READY_FD", "CONVERGENCE_TEST_KEEP",
        "CONVERGENCE_SHM_FD", "CONVERGENCE_ROLE", "CONVERGENCE_RUN_AS",
    ]

    /// Loads the file (when given) and applies the environment on top.
    public static func load(path: String?, environment: [String: String]) throws(ConfigError) -> Config {
        var config = Config()
        if let path {
            let text: String
            do { text = try readFile(path) } catch {
                throw ConfigError(key: "config", source: path, problem: "cannot read file: \(error)")
            }
            try apply(fileText: text, name: path, to: &config)
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("CONVERGENCE_") {
            guard !reservedEnvironment.contains(name) else { continue }
            let key = String(name.dropFirst("CONVERGENCE_".count)).lowercased()
            try set(key: key, value: value, source: "environment \(name)", config: &config)
        }
        try validate(config)
        return config
    }

    public static func apply(fileText: String, name: String, to config: inout Config) throws(ConfigError) {
        var lineNumber = 0
        for rawLine in fileText.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty { continue }
            let source = "\(name) line \(lineNumber)"
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ConfigError(key: String(trimmed), source: source, problem: "expected `key = value`")
            }
            let key = trimmed[..<eq].trimmingSpaces()
            let value = trimmed[trimmed.index(after: eq)...].trimmingSpaces()
            try set(key: String(key), value: String(value), source: source, config: &config)
        }
    }

    // swiftlint:disable:next cyclomatic_complexity
    static func set(key: String, value: String, source: String, config: inout Config) throws(ConfigError) {
        func fail(_ problem: String) -> ConfigError { ConfigError(key: key, source: source, problem: problem) }
        func int(_ range: ClosedRange<Int>) throws(ConfigError) -> Int {
            guard let v = Int(value), range.contains(v) else {
                throw fail("expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(value)\"")
            }
            return v
        }
        func bool() throws(ConfigError) -> Bool {
            switch value.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw fail("expected true or false, got \"\(value)\"")
            }
        }
        switch key {
        case "listen":
            guard let address = ListenAddress.parse(value) else {
                throw fail("expected unix:/path/to.sock or host:port, got \"\(value)\"")
            }
            config.listen = address
        case "listen_mode":
            guard let mode = Int(value, radix: 8), (0...0o777).contains(mode) else {
                throw fail("expected an octal file mode such as 0660, got \"\(value)\"")
            }
            config.listenMode = mode
        case "listen_group": config.listenGroup = value.isEmpty ? nil : value
        case "listen_backlog": config.listenBacklog = try int(1...65535)
        case "user", "group":
            guard value.isEmpty || PrivilegePlan.isValidAccountName(value) else {
                throw fail("expected an account name or a numeric id, got \"\(value)\"")
            }
            if key == "user" { config.user = value.isEmpty ? nil : value } else { config.group = value.isEmpty ? nil : value }
        case "allow_root": config.allowRoot = try bool()
        case "workers":
            config.workers = try value.lowercased() == "auto" ? 0 : int(1...256)
        case "threads": config.threads = try int(1...256)
        case "active_threads": config.activeThreads = try value.lowercased() == "auto" ? 0 : int(1...256)
        case "max_requests": config.maxRequests = try int(0...Int(Int32.max))
        case "max_body_bytes": config.maxBodyBytes = try int(1024...(64 << 20))
        case "shutdown_timeout_seconds": config.shutdownTimeoutSeconds = try int(1...3600)
        case "restart_backoff_initial_ms": config.restartBackoffInitialMs = try int(1...60_000)
        case "restart_backoff_max_ms": config.restartBackoffMaxMs = try int(1...600_000)
        case "crash_loop_max": config.crashLoopMax = try int(1...1000)
        case "restart_backoff_long_ms": config.restartBackoffLongMs = try int(100...3_600_000)
        case "database_url", "audit_read_database_url":
            if key == "audit_read_database_url", value.isEmpty {
                config.auditReadDatabaseURL = ""
                return
            }
            guard value.hasPrefix("postgresql://") || value.hasPrefix("postgres://") else {
                throw fail("expected a postgresql:// URI")
            }
            // Only the environment may carry a password: files end up in repos and backups.
            if !source.hasPrefix("environment"), uriHasPassword(value) {
                throw fail("must not contain a password; use CONVERGENCE_DATABASE_PASSWORD or database_password_file")
            }
            if key == "database_url" { config.databaseURL = value } else { config.auditReadDatabaseURL = value }
        case "database_password_file": config.databasePasswordFile = value.isEmpty ? nil : value
        case "database_connect_timeout_seconds": config.databaseConnectTimeoutSeconds = try int(1...60)
        case "migrate_on_start": config.migrateOnStart = try bool()
        case "log_level":
            guard let level = LogLevel(rawValue: value.lowercased()) else {
                throw fail("expected one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\"")
            }
            config.logLevel = level
        case "enable_echo": config.enableEcho = try bool()
        case "key_rotation_grace_seconds": config.keyRotationGraceSeconds = try int(0...(365 * 86_400))
        case "key_cache_ttl_ms": config.keyCacheTTLMs = try int(0...60_000)
        case "dashboard_session_ttl_seconds": config.dashboardSessionTTLSeconds = try int(60...(30 * 86_400))
        case "key_usage_flush_seconds": config.keyUsageFlushSeconds = try int(1...3600)
        case "onboarding_open": config.onboardingOpen = try bool()
        case "policy_cache_ttl_ms": config.policyCacheTTLMs = try int(0...60_000)
        case "master_key_file": config.masterKeyFile = value.isEmpty ? nil : value
        case "dev_mode": config.devMode = try bool()
        case "rate_limit_enabled": config.rateLimitEnabled = try bool()
        case "rate_limit_free", "rate_limit_pro":
            guard let rule = RateLimitRule.parse(value) else {
                throw fail("expected LIMIT/SECONDS such as 100/60s (limit 1...\(RateLimitRule.maxLimit)), got \"\(value)\"")
            }
            if key == "rate_limit_free" { config.rateLimitFree = rule } else { config.rateLimitPro = rule }
        case "rate_limit_scope":
            guard let scope = RateLimitScope(rawValue: value) else { throw fail("expected host or cluster, got \"\(value)\"") }
            config.rateLimitScope = scope
        case "rate_limit_outage":
            guard let mode = RateLimitOutageMode(rawValue: value) else { throw fail("expected share, open or closed, got \"\(value)\"") }
            config.rateLimitOutage = mode
        case "rate_limit_sync_ms": config.rateLimitSyncMs = try int(100...10_000)
        case "rate_limit_table_size": config.rateLimitTableSize = try int(64...(1 << 24))
        case "metrics_series_capacity": config.metricsSeriesCapacity = try int(256...(1 << 20))
        case "metrics_customer_cap": config.metricsCustomerCap = try int(0...100_000)
        case "metrics_seed_names": config.metricsSeedNames = try bool()
        case "pipeline_config_dir":
            guard !value.isEmpty else { throw fail("must name a folder") }
            config.pipelineConfigDir = value
        case "pipeline_data_dir":
            guard !value.isEmpty else { throw fail("must name a folder") }
            config.pipelineDataDir = value
        case "executor_enabled": config.executorEnabled = try bool()
        case "executor_concurrency": config.executorConcurrency = try int(1...64)
        case "executor_poll_interval_ms": config.executorPollIntervalMs = try int(10...60_000)
        case "pipeline_step_timeout_seconds": config.pipelineStepTimeoutSeconds = try int(1...86_400)
        case "pipeline_lease_seconds": config.pipelineLeaseSeconds = try int(2...3600)
        case "pipeline_heartbeat_seconds": config.pipelineHeartbeatSeconds = try int(1...600)
        case "pipeline_max_attempts": config.pipelineMaxAttempts = try int(1...10)
        case "onboarding_dryrun_timeout_seconds": config.onboardingDryrunTimeoutSeconds = try int(1...300)
        case "audit_enabled": config.auditEnabled = try bool()
        case "audit_spool_dir":
            guard value.hasPrefix("/") else { throw fail("expected an absolute directory path, got \"\(value)\"") }
            config.auditSpoolDir = value
        case "audit_buffer_bytes": config.auditBufferBytes = try int((64 << 10)...(1 << 40))
        case "audit_fsync_interval_ms": config.auditFsyncIntervalMs = try int(0...10_000)
        case "audit_full_policy":
            guard let policy = AuditFullPolicy(rawValue: value.lowercased()) else {
                throw fail("expected fail_closed or fail_open, got \"\(value)\"")
            }
            config.auditFullPolicy = policy
        case "audit_flush_batch_size": config.auditFlushBatchSize = try int(1...100_000)
        case "audit_retention_days": config.auditRetentionDays = try int(0...36_500)
        case "audit_archive_dir":
            guard value.isEmpty || value.hasPrefix("/") else { throw fail("expected an absolute directory path (or nothing), got \"\(value)\"") }
            config.auditArchiveDir = value.isEmpty ? nil : value
        case "audit_segment_bytes": config.auditSegmentBytes = try int((64 << 10)...(1 << 30))
        default:
            throw fail("unknown key")
        }
    }

    static func validate(_ config: Config) throws(ConfigError) {
        if config.restartBackoffMaxMs < config.restartBackoffInitialMs {
            throw ConfigError(key: "restart_backoff_max_ms", source: "validation",
                              problem: "must be at least restart_backoff_initial_ms (\(config.restartBackoffInitialMs))")
        }
        if config.pipelineHeartbeatSeconds * 2 > config.pipelineLeaseSeconds {
            throw ConfigError(key: "pipeline_heartbeat_seconds", source: "validation",
                              problem: "must be at most half of pipeline_lease_seconds (\(config.pipelineLeaseSeconds)), "
                                  + "or a slow heartbeat would look like a dead executor")
        }
    }

    /// True when a `scheme://user:password@host` URI carries a password.
    static func uriHasPassword(_ uri: String) -> Bool {
        guard let colon = uri.firstIndex(of: ":"), uri[colon...].hasPrefix("://") else { return false }
        let rest = uri[uri.index(colon, offsetBy: 3)...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }

    /// The master keyring text from `CONVERGENCE_MASTER_KEY` or `master_key_file` (nil when neither is set).
    public static func masterKeyText(config: Config, environment: [String: String]) throws(ConfigError) -> String? {
        if let fromEnv = environment["CONVERGENCE_MASTER_KEY"], !fromEnv.isEmpty { return fromEnv }
        guard let path = config.masterKeyFile else { return nil }
        do { return try readFile(path) } catch {
            throw ConfigError(key: "master_key_file", source: path, problem: "cannot read: \(error)")
        }
    }

    /// Reads the database password from the environment or the configured file.
    public static func databasePassword(config: Config, environment: [String: String]) throws(ConfigError) -> String? {
        if let fromEnv = environment["CONVERGENCE_DATABASE_PASSWORD"], !fromEnv.isEmpty { return fromEnv }
        guard let path = config.databasePasswordFile else { return nil }
        do {
            // `echo secret > file` ends it in a newline that is not part of the password.
            var text = Substring(try readFile(path))
            while let last = text.last, last == "\n" || last == "\r\n" { text = text.dropLast() }
            return String(text.trimmingSpaces())
        } catch {
            throw ConfigError(key: "database_password_file", source: path, problem: "cannot read: \(error)")
        }
    }
}

public struct FileError: Error, CustomStringConvertible {
    public let errno: Int32
    public init(errno: Int32) { self.errno = errno }
    public var description: String { errnoText(errno) }
}

/// Reads a whole (small) file as UTF-8.
public func readFile(_ path: String) throws(FileError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(errno: errno) }
    defer { close(fd) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { bytes.append(contentsOf: chunk[0..<n]) } else if n == 0 { break } else if errno != EINTR {
            throw FileError(errno: errno)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension StringProtocol {
    func trimmingSpaces() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}

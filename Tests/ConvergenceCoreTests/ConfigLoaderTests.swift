import Foundation
import Testing
@testable import ConvergenceCore

@Suite struct ConfigLoaderTests {
    func load(_ text: String, env: [String: String] = [:]) throws(ConfigError) -> Config {
        var config = Config()
        try ConfigLoader.apply(fileText: text, name: "test.conf", to: &config)
        for (name, value) in env {
            try ConfigLoader.set(key: String(name.dropFirst(12)).lowercased(), value: value, source: "environment \(name)", config: &config)
        }
        try ConfigLoader.validate(config)
        return config
    }

    @Test func parsesEveryKindOfValueAndComments() throws {
        let config = try load("""
            # comment
            listen = 127.0.0.1:9001   # trailing comment
            listen_mode = 0666
            workers = 3
            threads = 16
            active_threads = 4
            migrate_on_start = false
            log_level = debug

            max_body_bytes = 2048
            """)
        #expect(config.listen == .tcp(host: "127.0.0.1", port: 9001))
        #expect(config.listenMode == 0o666)
        #expect(config.workers == 3)
        #expect(config.threads == 16)
        #expect(config.activeThreads == 4)
        #expect(config.migrateOnStart == false)
        #expect(config.logLevel == .debug)
        #expect(config.maxBodyBytes == 2048)
    }

    /// `auto`: as many running threads as cores in all, at least one per worker.
    @Test func activeThreadsAutoSharesTheCoresOutAmongTheWorkers() throws {
        #expect(try load("").effectiveActiveThreads(onlineCores: 2) == 1) // workers = auto: one per core
        #expect(try load("workers = 2").effectiveActiveThreads(onlineCores: 16) == 8)
        #expect(try load("workers = 4").effectiveActiveThreads(onlineCores: 2) == 1)
        #expect(try load("active_threads = auto\nworkers = 3").effectiveActiveThreads(onlineCores: 12) == 4)
        #expect(try load("active_threads = 3").effectiveActiveThreads(onlineCores: 64) == 3)
    }

    @Test func auditSettingsParseAndAreValidated() throws {
        let config = try load("""
            audit_spool_dir = /srv/spool
            audit_full_policy = fail_open
            audit_fsync_interval_ms = 0
            audit_buffer_bytes = 65536
            audit_flush_batch_size = 100
            audit_retention_days = 30
            audit_archive_dir = /srv/audit-archive
            """, env: ["CONVERGENCE_AUDIT_ENABLED": "false"])
        #expect(config.auditRetentionDays == 30)
        #expect(config.auditArchiveDir == "/srv/audit-archive" && Config().auditArchiveDir == nil)
        #expect(Config().auditRetentionDays == 0)
        #expect(config.auditSpoolDir == "/srv/spool")
        #expect(config.auditFullPolicy == .failOpen)
        #expect(config.auditFsyncIntervalMs == 0)
        #expect(config.auditBufferBytes == 65536)
        #expect(config.auditFlushBatchSize == 100)
        #expect(config.auditEnabled == false)
        #expect(Config().auditFsyncIntervalMs == 200)
        #expect(Config().auditFullPolicy == .failClosed)
        #expect(throws: ConfigError.self) { try load("audit_spool_dir = relative/spool") }
        #expect(throws: ConfigError.self) { try load("audit_full_policy = maybe") }
        #expect(throws: ConfigError.self) { try load("audit_buffer_bytes = 10") }
        #expect(throws: ConfigError.self) { try load("audit_flush_batch_size = 0") }
    }

    @Test func dashboardSessionsLastEightHoursUnlessConfigured() throws {
        #expect(try load("").dashboardSessionTTLSeconds == 28_800)
        #expect(try load("dashboard_session_ttl_seconds = 3600").dashboardSessionTTLSeconds == 3600)
        #expect(try load("", env: ["CONVERGENCE_DASHBOARD_SESSION_TTL_SECONDS": "900"]).dashboardSessionTTLSeconds == 900)
    }

    @Test func rateLimitsStayPerHostUnlessClusterScopeIsChosen() throws {
        let defaults = try load("")
        #expect(defaults.rateLimitScope == .host)
        #expect(defaults.rateLimitOutage == .share, "open and closed must be chosen explicitly")
        #expect(defaults.rateLimitSyncMs == 1000)
        let cluster = try load("rate_limit_scope = cluster\nrate_limit_outage = closed\nrate_limit_sync_ms = 250")
        #expect(cluster.rateLimitScope == .cluster)
        #expect(cluster.rateLimitOutage == .closed)
        #expect(cluster.rateLimitSyncMs == 250)
    }

    @Test func workersAutoMeansOnePerCore() throws {
        let config = try load("workers = auto")
        #expect(config.workers == 0)
        #expect(config.effectiveWorkers == ProcessorCount.online)
    }

    @Test func environmentOverridesTheFile() throws {
        let config = try load("threads = 2", env: ["CONVERGENCE_THREADS": "5"])
        #expect(config.threads == 5)
    }

    @Test func unknownKeyIsAnErrorNamingIt() {
        #expect(throws: ConfigError(key: "wrokers", source: "test.conf line 2", problem: "unknown key")) {
            try load("threads = 2\nwrokers = 4")
        }
    }

    @Test(arguments: [
        ("workers = many", "workers"),
        ("threads = 0", "threads"),
        ("active_threads = -1", "active_threads"),
        ("active_threads = 0", "active_threads"),
        ("listen_mode = 999", "listen_mode"),
        ("listen = nowhere", "listen"),
        ("migrate_on_start = maybe", "migrate_on_start"),
        ("log_level = loud", "log_level"),
        ("database_url = mysql://x", "database_url"),
        ("audit_read_database_url = replica.internal", "audit_read_database_url"),
        ("audit_retention_days = -1", "audit_retention_days"),
        ("audit_retention_days = a month", "audit_retention_days"),
        ("audit_archive_dir = archive", "audit_archive_dir"),
        ("audit_read_database_url = postgresql://app:secret@replica/convergence", "audit_read_database_url"),
        ("restart_backoff_initial_ms = 500\nrestart_backoff_max_ms = 100", "restart_backoff_max_ms"),
        ("dashboard_session_ttl_seconds = 59", "dashboard_session_ttl_seconds"),
        ("rate_limit_scope = global", "rate_limit_scope"),
        ("rate_limit_outage = maybe", "rate_limit_outage"),
        ("rate_limit_sync_ms = 50", "rate_limit_sync_ms"),
        ("key_cache_ttl_ms = 60001", "key_cache_ttl_ms"),
        ("dashboard_session_ttl_seconds = 2592001", "dashboard_session_ttl_seconds"),
        ("just some words", "just some words"),
    ])
    func badValuesNameTheKey(text: String, key: String) {
        do {
            _ = try load(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.key == key)
            #expect(error.description.contains(key))
        }
    }

    @Test func passwordInFileURLIsRefusedButAllowedFromEnvironment() throws {
        #expect(throws: ConfigError.self) { try load("database_url = postgresql://app:secret@db/convergence") }
        let config = try load("", env: ["CONVERGENCE_DATABASE_URL": "postgresql://app:secret@db/convergence"])
        #expect(config.databaseURL.hasPrefix("postgresql://app:"))
        #expect(try load("database_url = postgresql://app@db/convergence?host=/run").databaseURL.contains("app@db"))
    }

    @Test func auditReadDatabaseURLDefaultsToTheMainDatabase() throws {
        #expect(try load("").auditReadDatabaseURL == "")
        #expect(try load("audit_read_database_url =").auditReadDatabaseURL == "")
        #expect(try load("audit_read_database_url = postgresql://app@replica/convergence").auditReadDatabaseURL == "postgresql://app@replica/convergence")
        let fromEnvironment = try load("", env: ["CONVERGENCE_AUDIT_READ_DATABASE_URL": "postgres:///audit?host=/run/replica"])
        #expect(fromEnvironment.auditReadDatabaseURL == "postgres:///audit?host=/run/replica")
    }

    @Test func databasePasswordComesFromEnvironment() throws {
        let password = try ConfigLoader.databasePassword(config: Config(), environment: ["CONVERGENCE_DATABASE_PASSWORD": "pw"])
        #expect(password == "pw")
        #expect(try ConfigLoader.databasePassword(config: Config(), environment: [:]) == nil)
    }

    @Test func unknownEnvironmentVariableIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: nil, environment: ["CONVERGENCE_WROKERS": "2"]) }
        #expect(throws: Never.self) { try ConfigLoader.load(path: nil, environment: ["CONVERGENCE_DATABASE_PASSWORD": "x"]) }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/convergence.conf", environment: [:]) }
    }

    @Test func pipelineKeysParseAndAHeartbeatMustFitTheLease() throws {
        let config = try load("""
            pipeline_config_dir = /etc/convergence/templates
            executor_enabled = false
            executor_concurrency = 4
            pipeline_lease_seconds = 10
            pipeline_heartbeat_seconds = 5
            pipeline_max_attempts = 3
            """, env: ["CONVERGENCE_PIPELINE_STEP_TIMEOUT_SECONDS": "60"])
        #expect(config.pipelineConfigDir == "/etc/convergence/templates")
        #expect(config.pipelineDataDir == "configs/data")
        #expect(config.executorEnabled == false)
        #expect(config.executorConcurrency == 4)
        #expect(config.pipelineStepTimeoutSeconds == 60)
        #expect(config.pipelineMaxAttempts == 3)
        let tooSlow = #expect(throws: ConfigError.self) { try load("pipeline_lease_seconds = 10\npipeline_heartbeat_seconds = 6") }
        #expect(tooSlow?.key == "pipeline_heartbeat_seconds")
        #expect(throws: ConfigError.self) { try load("executor_concurrency = 0") }
        #expect(throws: ConfigError.self) { try load("pipeline_data_dir =") }
    }

    @Test func theShippedConfigFileLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("configs/convergence.conf").path
        let config = try ConfigLoader.load(path: path, environment: [:])
        #expect(config.pipelineConfigDir == "configs")
        #expect(config.pipelineLeaseSeconds == 30)
    }

    // MARK: - Least privilege (user, group, allow_root)

    static let accounts = PrivilegePlan.Directory(
        user: { name in
            switch name {
            case "convergence", "998": return ("convergence", 998, 997)
            case "root", "0": return ("root", 0, 0)
            case "alice": return ("alice", 1000, 1000)
            default: return nil
            }
        },
        group: { ["convergence": 997, "www-data": 33, "root": 0, "alice": 1000][$0] },
        supplementaryGroups: { user, gid in user == "convergence" ? [gid, 33] : [gid] })

    func plan(_ text: String, euid: UInt32 = 0, egid: UInt32 = 0) throws(ConfigError) -> PrivilegePlan {
        try PrivilegePlan.resolve(config: load(text), euid: euid, egid: egid, directory: Self.accounts)
    }

    @Test func userGroupAndAllowRootParse() throws {
        let config = try load("user = convergence\ngroup = www-data\nallow_root = true\n")
        #expect(config.user == "convergence" && config.group == "www-data" && config.allowRoot)
        #expect(try load("user =\n").user == nil)
        #expect(throws: ConfigError.self) { try load("user = bad name\n") }
        #expect(throws: ConfigError.self) { try load("group = -x\n") }
        #expect(throws: ConfigError.self) { try load("allow_root = maybe\n") }
        #expect(try load("", env: ["CONVERGENCE_USER": "convergence"]).user == "convergence")
    }

    @Test func rootWithoutUserRefusesUnlessAllowed() throws {
        #expect(throws: ConfigError.self) { try plan("") }
        do {
            _ = try plan("")
        } catch {
            #expect(error.key == "user")
            #expect(error.problem.contains("refuses to run its workers as root"))
            #expect(error.problem.contains("--allow-to-run-as-root"))
        }
        #expect(try plan("allow_root = true\n") == .keepRoot)
        #expect(throws: ConfigError.self) { try plan("group = www-data\n") } // group needs user
    }

    @Test func rootWithUserDropsToItsIds() throws {
        #expect(try plan("user = convergence\n")
            == .drop(ServiceIdentity(user: "convergence", uid: 998, gid: 997, groups: [997, 33])))
        #expect(try plan("user = convergence\ngroup = www-data\n")
            == .drop(ServiceIdentity(user: "convergence", uid: 998, gid: 33, groups: [33])))
        #expect(try plan("user = 998\n") == .drop(ServiceIdentity(user: "convergence", uid: 998, gid: 997, groups: [997, 33])))
        #expect(throws: ConfigError.self) { try plan("user = nobody-here\n") }
        #expect(throws: ConfigError.self) { try plan("user = convergence\ngroup = nogroup-here\n") }
        // Naming root is not dropping anything.
        #expect(throws: ConfigError.self) { try plan("user = root\n") }
        #expect(throws: ConfigError.self) { try plan("user = convergence\ngroup = root\n") }
        #expect(try plan("user = root\nallow_root = true\n") == .keepRoot)
    }

    @Test func unprivilegedServeMayOnlyNameItself() throws {
        #expect(try plan("", euid: 1000, egid: 1000) == .keep)
        #expect(try plan("user = alice\ngroup = alice\n", euid: 1000, egid: 1000) == .keep)
        #expect(throws: ConfigError.self) { try plan("user = convergence\n", euid: 1000, egid: 1000) }
        #expect(throws: ConfigError.self) { try plan("group = www-data\n", euid: 1000, egid: 1000) }
    }

    @Test func passwordFileMayEndInANewline() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = Config()
        config.databasePasswordFile = path
        #expect(try ConfigLoader.databasePassword(config: config, environment: [:]) == "s3cret")
    }

    @Test func runAsTravelsThroughTheEnvironment() throws {
        let identity = ServiceIdentity(user: "convergence", uid: 998, gid: 33, groups: [33, 997])
        let value = try #require(PrivilegePlan.drop(identity).environmentValue)
        #expect(PrivilegePlan.parse(environmentValue: value) == .drop(identity))
        #expect(PrivilegePlan.parse(environmentValue: "root") == .keepRoot)
        #expect(PrivilegePlan.keep.environmentValue == nil)
        for bad in ["", "0:0::root", "x:1::a", "1:2:three:a", "1:2"] { #expect(PrivilegePlan.parse(environmentValue: bad) == nil) }
    }
}

@Suite struct ListenAddressTests {
    @Test func parsesForms() {
        #expect(ListenAddress.parse("unix:/run/c.sock") == .unix(path: "/run/c.sock"))
        #expect(ListenAddress.parse("/run/c.sock") == .unix(path: "/run/c.sock"))
        #expect(ListenAddress.parse("127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(ListenAddress.parse("[::1]:9000") == .tcp(host: "::1", port: 9000))
        #expect(ListenAddress.parse("127.0.0.1:0") == nil)
        #expect(ListenAddress.parse("127.0.0.1:70000") == nil)
        #expect(ListenAddress.parse("unix:") == nil)
        #expect(ListenAddress.parse("unix:/" + String(repeating: "a", count: 200)) == nil)
    }

    @Test func roundTripsThroughDescription() {
        for text in ["unix:/run/c.sock", "127.0.0.1:9000", "[::1]:9000"] {
            #expect(ListenAddress.parse(text)?.description == text)
        }
    }

}

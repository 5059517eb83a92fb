import ConvergenceAudit
import ConvergenceCore
import ConvergenceIdentity
import ConvergenceServer
import ConvergenceStore
import ConvergenceSupervisor
import Glibc

/// `convergence <command>`: argument parsing and dispatch only; the work lives
/// in the library modules.
struct CommandLineInterface {
    let arguments: [String]
    let environment: [String: String]
    /// The processes `serve` supervises; each is dispatched below by its name.
    let roles = ApplicationRoles.children

    static let usage = """
        usage: convergence <command> [options]

        commands:
          serve [--config FILE] [--allow-to-run-as-root]
                                       run the supervisor and its FastCGI worker pool
                                       (as root: children run as `user`, or as root
                                       only with --allow-to-run-as-root)
          migrate [--config FILE]      apply pending database migrations and exit
          admin create-key --name NAME [--read-only]
                                       print a new admin key (shown once) on stdout;
                                       --read-only: it may only read (GET) admin routes
          admin list-keys              list admin keys (metadata only)
          admin revoke-key KEY_ID      revoke an admin key
          admin generate-master-key    print a new credential master key entry
          admin schema-status          show applied and pending migrations
          admin prune-audit --before DATE [--archive-dir DIR]
                                       delete audit records created before DATE
                                       (RFC 3339 or YYYY-MM-DD, UTC): whole daily
                                       partitions are dropped, the rest deleted;
                                       with --archive-dir (or audit_archive_dir) each
                                       partition is first written to
                                       DIR/PARTITION.csv.gz
          scan [--text | --json] [--kinds K,...] [FILE ...]
                                       print the personal data and secrets found in
                                       text or JSON as JSON lines (where, never what)
          version                      print the version
          help                         show this help

        The configuration file defaults to $CONVERGENCE_CONFIG, else configs/convergence.conf
        when it exists. Every key can be overridden with CONVERGENCE_<KEY> (see docs/operations.md).
        """

    func run() -> Int32 {
        guard let command = arguments.first else {
            printError(CommandLineInterface.usage)
            return ProcessExit.usage.rawValue
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "serve": return serve(rest)
        // The supervised children, registered with the supervisor in `serve`.
        case roles.worker: return child(command, logRole: "worker-\(environment["CONVERGENCE_WORKER_ID"] ?? "?")") { Worker($0).run() }
        case ApplicationRoles.auditFlusher.name: return child(command, logRole: command, AuditFlusher.main)
        case ApplicationRoles.pipelineExecutor.name: return child(command, logRole: command, PipelineExecutor.run)
        case ApplicationRoles.cacheListener.name: return child(command, logRole: command, CacheInvalidationListener.run)
        case ApplicationRoles.rateLeaser.name: return child(command, logRole: command, RateLeaser.run)
        case ApplicationRoles.budgetKeeper.name: return child(command, logRole: command, BudgetKeeper.run)
        case "migrate": return migrate(rest)
        case "admin": return admin(rest)
        case "scan":
            if rest.contains("--help") || rest.contains("-h") { print(ScanCommand.usage); return 0 }
            return ScanCommand(rest)?.run() ?? 2
        case "version", "--version": print("convergence \(ConvergenceVersion.string)"); return 0
        case "help", "--help", "-h": print(CommandLineInterface.usage); return 0
        default:
            printError("convergence: unknown command \"\(command)\"\n\n\(CommandLineInterface.usage)")
            return ProcessExit.usage.rawValue
        }
    }

    // MARK: - Commands

    private func serve(_ options: [String]) -> Int32 {
        let allowRootFlag = options.contains("--allow-to-run-as-root")
        guard var (config, path) = loadConfig(options.filter { $0 != "--allow-to-run-as-root" }) else {
            return ProcessExit.cannotStart.rawValue
        }
        if allowRootFlag { config.allowRoot = true }
        let logger = Logger(role: "supervisor", minimumLevel: config.logLevel)
        do {
            if try MasterKeys.load(config: config, environment: environment) == nil {
                logger.warning("dev mode without a master key: credential routes answer 503")
            }
        } catch {
            logger.error("cannot start", ["error": .string(String(describing: error))])
            return ProcessExit.cannotStart.rawValue
        }
        // Before touching anything: as root, who the children run as (or a refusal).
        let plan: PrivilegePlan
        do { plan = try PrivilegePlan.resolve(config: config, euid: geteuid(), egid: getegid()) } catch {
            logger.error("refusing to start", ["error": .string(error.description)])
            return ProcessExit.cannotStart.rawValue
        }
        var identity: ServiceIdentity?
        switch plan {
        case .keep: break
        case .keepRoot: logger.warning("children run as root (allow_root): nothing limits what a compromised worker can do")
        case .drop(let id):
            identity = id
            logger.info("children run as \(id.user)", ["uid": .int(Int(id.uid)), "gid": .int(Int(id.gid))])
        }
        // The children write the spool as the service account.
        if let identity, config.auditEnabled {
            // Not fatal: a spool that cannot be prepared is a degraded audit trail (workers
            // report it in /ready and /metrics and retry), never a service that will not start.
            do { try ChildPrivileges.prepareDirectory(config.auditSpoolDir, for: identity) } catch {
                logger.error("audit spool directory not prepared for the service user; workers will report it unwritable",
                             ["error": .string(error.description)])
            }
        }
        // The flusher's retention writes archives there as the service account too.
        if let identity, let archive = config.auditArchiveDir {
            do { try ChildPrivileges.prepareDirectory(archive, for: identity) } catch {
                logger.error("audit archive directory not prepared for the service user; retention will fail and keep partitions",
                             ["error": .string(error.description)])
            }
        }
        if config.migrateOnStart {
            guard runMigrations(config: config, logger: logger.with(role: "migrate"), waitSeconds: 30, as: identity) else { return 1 }
        }
        var childEnvironment = environment
        childEnvironment[PrivilegePlan.environmentKey] = plan.environmentValue
        do {
            let supervisor = try Supervisor(config: config, configPath: path, roles: roles, environment: childEnvironment, logger: logger)
            return supervisor.run()
        } catch {
            logger.error("cannot start", ["error": .string(error.description)])
            return 1
        }
    }

    /// A supervised child, started by `convergence serve` with the configuration in its
    /// environment. Every role starts here: as root, it drops to the service account
    /// before anything else; then the one bootstrap (`ChildProcess`) and the role's main.
    private func child(_ name: String, logRole: String, _ main: (ChildProcess) -> ProcessExit) -> Int32 {
        guard let text = environment["CONVERGENCE_WORKER_CONFIG"], let config = WorkerLaunch.decode(text) else {
            printError("convergence \(name) is started by `convergence serve`, not by hand")
            return ProcessExit.cannotStart.rawValue
        }
        let logger = Logger(role: logRole, minimumLevel: config.logLevel)
        var env = environment
        let process: ChildProcess
        do {
            if let done = try ChildPrivileges.enter(config: config, environment: &env) { logger.debug(done) }
            process = try ChildProcess.start(config: config, logger: logger, environment: env)
        } catch {
            logger.error("cannot start", ["error": .string(String(describing: error))])
            return ProcessExit.cannotStart.rawValue
        }
        return main(process).rawValue
    }

    private func migrate(_ options: [String]) -> Int32 {
        guard let (config, _) = loadConfig(options) else { return ProcessExit.cannotStart.rawValue }
        let logger = Logger(role: "migrate", minimumLevel: config.logLevel)
        return runMigrations(config: config, logger: logger, waitSeconds: 0) ? 0 : 1
    }

    private func admin(_ options: [String]) -> Int32 {
        guard let sub = options.first else {
            printError("usage: convergence admin create-key|list-keys|revoke-key|generate-master-key|schema-status|prune-audit [options]")
            return ProcessExit.usage.rawValue
        }
        var rest = Array(options.dropFirst())
        if sub == "generate-master-key" {
            print(MasterKeyring.generateText(id: "k" + SecureRandom.hex(byteCount: 3)))
            return 0
        }
        var name: String?
        var readOnly = false
        var before: String?
        var archiveDir: String?
        var positional: [String] = []
        var configOptions: [String] = []
        while !rest.isEmpty {
            let option = rest.removeFirst()
            switch option {
            case "--name":
                guard !rest.isEmpty else { printError("--name needs a value"); return ProcessExit.usage.rawValue }
                name = rest.removeFirst()
            case "--read-only": readOnly = true
            case "--config", "-c":
                guard !rest.isEmpty else { printError("--config needs a file path"); return ProcessExit.usage.rawValue }
                configOptions += [option, rest.removeFirst()]
            case "--before":
                guard !rest.isEmpty else { printError("--before needs a date"); return ProcessExit.usage.rawValue }
                before = rest.removeFirst()
            case "--archive-dir":
                guard rest.first?.hasPrefix("/") == true else {
                    printError("--archive-dir needs an absolute directory path")
                    return ProcessExit.usage.rawValue
                }
                archiveDir = rest.removeFirst()
            default: positional.append(option)
            }
        }
        guard let (config, _) = loadConfig(configOptions) else { return ProcessExit.cannotStart.rawValue }
        do {
            let connection = PostgresConnection(try connectionInfo(config, role: "admin"))
            defer { connection.close() }
            let admin = AdminCommands(connection: connection)
            switch sub {
            case "create-key":
                guard let name, !name.isEmpty, name.count <= 100 else {
                    printError("usage: convergence admin create-key --name NAME [--read-only] (NAME: 1 to 100 characters)")
                    return ProcessExit.usage.rawValue
                }
                let (keyID, key) = try admin.createKey(name: name, readOnly: readOnly)
                printError("created \(readOnly ? "read-only " : "")admin key \(keyID) (\(name)); it is printed once, on stdout")
                print(key)
            case "list-keys":
                for line in try admin.listKeys() { print(line) }
            case "revoke-key":
                guard positional.count == 1 else { printError("usage: convergence admin revoke-key KEY_ID"); return ProcessExit.usage.rawValue }
                guard try admin.revokeKey(positional[0]) else { printError("no active admin key \(positional[0])"); return 1 }
                printError("revoked \(positional[0])")
            case "schema-status":
                for line in try admin.schemaStatus() { print(line) }
            case "prune-audit":
                guard let before, let cutoff = AuditRetention.cutoff(before) else {
                    printError("usage: convergence admin prune-audit --before DATE [--archive-dir DIR] (DATE: RFC 3339 or YYYY-MM-DD, UTC)")
                    return ProcessExit.usage.rawValue
                }
                signal(SIGPIPE, SIG_IGN) // a gzip that dies is an error to report, not a signal to die of
                let archive = (archiveDir ?? config.auditArchiveDir).map(AuditArchive.init(directory:))
                let retention = AuditRetention(connection: connection)
                let pruned = try retention.exclusively { try retention.prune(beforeMicros: cutoff, archive: archive) { printError($0) } }
                guard let outcome = pruned else {
                    printError("convergence admin: audit retention is running elsewhere"
                               + " (a flusher's audit_retention_days or another prune-audit); try again later")
                    return 1
                }
                print("deleted \(outcome.deletedRows) audit records created before \(before)"
                      + "; dropped \(outcome.droppedPartitions.count) whole partitions (about \(outcome.droppedRowsEstimate) records)"
                      + (archive == nil ? "" : "; archived \(outcome.archives.count) (\(outcome.archives.reduce(0) { $0 + $1.rows }) records)"))
            default:
                printError("convergence admin: unknown subcommand \"\(sub)\"")
                return ProcessExit.usage.rawValue
            }
            return 0
        } catch {
            printError("convergence admin: \(error)")
            return 1
        }
    }

    // MARK: - Helpers

    /// Parses `--config FILE` and loads the configuration, printing errors that name the key.
    private func loadConfig(_ options: [String]) -> (Config, String?)? {
        var path = environment["CONVERGENCE_CONFIG"]
        var index = 0
        while index < options.count {
            switch options[index] {
            case "--config", "-c":
                guard index + 1 < options.count else { printError("--config needs a file path"); return nil }
                path = options[index + 1]
                index += 2
            default:
                printError("unknown option \"\(options[index])\"")
                return nil
            }
        }
        if path == nil, access("configs/convergence.conf", R_OK) == 0 { path = "configs/convergence.conf" }
        do {
            return (try ConfigLoader.load(path: path, environment: environment), path)
        } catch {
            printError("convergence: \(error.description)")
            return nil
        }
    }

    private func connectionInfo(_ config: Config, role: String) throws -> ConnectionInfo {
        ConnectionInfo(url: config.databaseURL,
                       password: try ConfigLoader.databasePassword(config: config, environment: environment),
                       connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                       applicationName: "convergence-\(role)")
    }

    /// Applies migrations, retrying the connection for up to `waitSeconds`
    /// (PostgreSQL often starts alongside us).
    /// `identity`: connect as that account (effective ids only; secrets are read before, as root).
    private func runMigrations(config: Config, logger: Logger, waitSeconds: Int, as identity: ServiceIdentity? = nil) -> Bool {
        let deadline = MonotonicInstant.now().adding(milliseconds: waitSeconds * 1000)
        while true {
            do {
                let info = try connectionInfo(config, role: "migrate")
                try ChildPrivileges.asEffective(identity) {
                    let connection = PostgresConnection(info)
                    defer { connection.close() }
                    try Migrator(logger: logger).migrate(connection)
                }
                return true
            } catch let error as PostgresError where error.isConnectionFailure && MonotonicInstant.now() < deadline {
                logger.warning("database not reachable yet, retrying", ["error": .string(error.description)])
                usleep(500_000)
            } catch {
                logger.error("migration failed", ["error": .string(String(describing: error))])
                return false
            }
        }
    }
}

func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    var bytes = Array(line.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var cursor = environ
    while let entry = cursor.pointee {
        let text = String(cString: entry)
        if let eq = text.firstIndex(of: "=") { result[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
        cursor += 1
    }
    return result
}

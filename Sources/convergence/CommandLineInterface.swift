import ConvergenceCore
import ConvergenceServer
import ConvergenceStore
import Glibc

/// `convergence <command>`: argument parsing and dispatch only; the work lives
/// in the library modules.
struct CommandLineInterface {
    let arguments: [String]
    let environment: [String: String]

    static let usage = """
        usage: convergence <command> [options]

        commands:
          serve [--config FILE]        run the supervisor and its FastCGI worker pool
          migrate [--config FILE]      apply pending database migrations and exit
          admin schema-status          show applied and pending migrations
          version                      print the version
          help                         show this help

        The configuration file defaults to $CONVERGENCE_CONFIG, else configs/convergence.conf
        when it exists. Every key can be overridden with CONVERGENCE_<KEY> (see docs/operations.md).
        """

    func run() -> Int32 {
        guard let command = arguments.first else {
            printError(CommandLineInterface.usage)
            return 64
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "serve": return serve(rest)
        case "worker": return worker()
        case "migrate": return migrate(rest)
        case "admin": return admin(rest)
        case "version", "--version": print("convergence \(ConvergenceVersion.string)"); return 0
        case "help", "--help", "-h": print(CommandLineInterface.usage); return 0
        default:
            printError("convergence: unknown command \"\(command)\"\n\n\(CommandLineInterface.usage)")
            return 64
        }
    }

    // MARK: - Commands

    private func serve(_ options: [String]) -> Int32 {
        guard let (config, path) = loadConfig(options) else { return 78 }
        let logger = Logger(role: "supervisor", minimumLevel: config.logLevel)
        if config.migrateOnStart {
            guard runMigrations(config: config, logger: logger.with(role: "migrate"), waitSeconds: 30) else { return 1 }
        }
        do {
            let supervisor = try Supervisor(config: config, configPath: path, environment: environment, logger: logger)
            return supervisor.run()
        } catch {
            logger.error("cannot start", ["error": .string(error.description)])
            return 1
        }
    }

    private func worker() -> Int32 {
        let id = environment["CONVERGENCE_WORKER_ID"] ?? "?"
        guard let text = environment["CONVERGENCE_WORKER_CONFIG"], let config = WorkerLaunch.decode(text) else {
            printError("convergence worker is started by `convergence serve`, not by hand")
            return WorkerExitCode.fatal
        }
        let logger = Logger(role: "worker-\(id)", minimumLevel: config.logLevel)
        return Worker(config: config, logger: logger, environment: environment).run()
    }

    private func migrate(_ options: [String]) -> Int32 {
        guard let (config, _) = loadConfig(options) else { return 78 }
        let logger = Logger(role: "migrate", minimumLevel: config.logLevel)
        return runMigrations(config: config, logger: logger, waitSeconds: 0) ? 0 : 1
    }

    private func admin(_ options: [String]) -> Int32 {
        guard let sub = options.first else {
            printError("usage: convergence admin schema-status [--config FILE]")
            return 64
        }
        switch sub {
        case "schema-status":
            guard let (config, _) = loadConfig(Array(options.dropFirst())) else { return 78 }
            do {
                let connection = try PostgresConnection(connectionInfo(config, role: "admin"))
                let rows = try connection.query("SELECT version, name, applied_at FROM public.schema_migrations ORDER BY version").rows
                var applied: Set<Int> = []
                for row in rows {
                    let version = try row.decode("version", as: Int.self)
                    applied.insert(version)
                    print("applied  \(version)  \(try row.decode("name", as: String.self))  \(try row.decode("applied_at", as: String.self))")
                }
                for migration in Migrations.all where !applied.contains(migration.version) {
                    print("pending  \(migration.version)  \(migration.name)")
                }
                return 0
            } catch {
                printError("convergence admin: \(error)")
                return 1
            }
        default:
            printError("convergence admin: unknown subcommand \"\(sub)\"")
            return 64
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
    private func runMigrations(config: Config, logger: Logger, waitSeconds: Int) -> Bool {
        let deadline = MonotonicInstant.now().adding(milliseconds: waitSeconds * 1000)
        while true {
            do {
                let connection = PostgresConnection(try connectionInfo(config, role: "migrate"))
                defer { connection.close() }
                try Migrator(logger: logger).migrate(connection)
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

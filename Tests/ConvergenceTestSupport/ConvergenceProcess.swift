import Foundation

/// `convergence serve` under test: the real binary with the shipped config file,
/// overridden through `CONVERGENCE_*` variables like an operator would.
public final class ConvergenceProcess {
    public let socketPath: String
    public let logPath: String
    public let process: ChildProcess

    public init(directory: URL, databaseURL: String, overrides: [String: String] = [:], configFile: String? = nil) throws {
        socketPath = directory.appendingPathComponent("convergence.sock").path
        logPath = directory.appendingPathComponent("convergence.log").path
        // The server authenticates with its own password file, never through the harness's pgpass.
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("CONVERGENCE_") && $0.key != "PGPASSFILE" && $0.key != "PGPASSWORD"
        }
        env["CONVERGENCE_LISTEN"] = "unix:\(socketPath)"
        // The production model: as root, children run as the service account and only
        // nginx's group may use the socket (not root: nginx runs as this user).
        env["CONVERGENCE_LISTEN_MODE"] = "0660"
        if let user = TestPaths.serviceUser {
            env["CONVERGENCE_USER"] = user
            env["CONVERGENCE_LISTEN_GROUP"] = TestPaths.nginxGroup
        }
        env["CONVERGENCE_DATABASE_URL"] = databaseURL
        env["CONVERGENCE_DATABASE_PASSWORD_FILE"] = TestDatabaseSecret.passwordFile
        env["CONVERGENCE_WORKERS"] = "2"
        env["CONVERGENCE_THREADS"] = "4"
        env["CONVERGENCE_ENABLE_ECHO"] = "true"
        env["CONVERGENCE_LOG_LEVEL"] = "debug"
        env["CONVERGENCE_SHUTDOWN_TIMEOUT_SECONDS"] = "10"
        env["CONVERGENCE_MASTER_KEY"] = ConvergenceProcess.testMasterKey
        // Tests that load one key do not test rate limits; RateLimitTests sets the real tiers back.
        env["CONVERGENCE_RATE_LIMIT_FREE"] = "1000000/60s"
        env["CONVERGENCE_RATE_LIMIT_PRO"] = "1000000/60s"
        // The server runs in a temp dir: point it at the repository's templates and sample data.
        env["CONVERGENCE_PIPELINE_CONFIG_DIR"] = TestPaths.repositoryRoot.appendingPathComponent("configs").path
        env["CONVERGENCE_PIPELINE_DATA_DIR"] = TestPaths.repositoryRoot.appendingPathComponent("configs/data").path
        // Each stack its own audit spool (the default is a system path shared by everything).
        env["CONVERGENCE_AUDIT_SPOOL_DIR"] = directory.appendingPathComponent("audit-spool").path
        env.merge(overrides) { _, new in new }
        let config = configFile ?? TestPaths.repositoryRoot.appendingPathComponent("configs/convergence.conf").path
        process = try ChildProcess(executable: TestPaths.binary, arguments: ["serve", "--config", config],
                                   environment: env, outputPath: logPath, workingDirectory: directory.path)
    }

    public var pid: pid_t { process.pid }

    /// A master key for test servers: `k1:` + base64 of 32 random bytes.
    public static let testMasterKey: String = {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return "k1:" + Data(bytes).base64EncodedString()
    }()
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Parsed JSON log lines.
    public var logLines: [[String: Any]] {
        log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    public func count(message: String) -> Int {
        logLines.filter { ($0["msg"] as? String) == message }.count
    }

    /// Waits until `count` "worker ready" lines (cumulative) are logged.
    public func waitForReadyWorkers(_ count: Int, timeout: TimeInterval = 20) throws {
        let ok = waitUntil(timeout: timeout) { self.count(message: "worker ready") >= count || !self.process.isRunning }
        guard ok, process.isRunning else {
            throw HarnessError("convergence did not get \(count) workers ready:\n\(log)\n\(diagnostics)")
        }
    }

    /// What the kernel says about the supervisor, for a start that went silent.
    public var diagnostics: String {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "no /proc/\(pid)/stat"
        let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? "?"
        let stack = (try? String(contentsOfFile: "/proc/\(pid)/stack", encoding: .utf8)) ?? "?"
        return "pid \(pid) exit=\(process.exitStatus.map(String.init) ?? "running") stat: \(stat) wchan: \(wchan)\nstack: \(stack)"
    }

    /// Starts `serve` and waits until `workers` workers accept; stops it if they never do.
    public static func launch(directory: URL, databaseURL: String, overrides: [String: String] = [:],
                              configFile: String? = nil, workers: Int) throws -> ConvergenceProcess {
        let server = try ConvergenceProcess(directory: directory, databaseURL: databaseURL, overrides: overrides, configFile: configFile)
        do {
            try server.waitForReadyWorkers(workers)
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Every child of the supervisor: workers and auxiliary processes (audit flusher, pipeline executor).
    public var childPIDs: [pid_t] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0) }
    }

    /// Current worker pids (children started as `convergence worker`).
    public var workerPIDs: [pid_t] { childPIDs.filter { role(of: $0) == "worker" } }

    /// The subcommand a child runs (`worker`, `pipeline-executor`, …), from its command line.
    public func role(of child: pid_t) -> String? {
        guard let cmdline = try? String(contentsOfFile: "/proc/\(child)/cmdline", encoding: .utf8) else { return nil }
        let argv = cmdline.split(separator: "\0")
        return argv.count > 1 ? String(argv[1]) : nil
    }

    /// Children started as `convergence <role>` (`worker`, `audit-flusher`, `pipeline-executor`).
    public func children(role: String) -> [pid_t] {
        childPIDs.filter { self.role(of: $0) == role }
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// SIGKILLs the child `child` and waits until it is gone from /proc (died and reaped by
    /// the supervisor): true only when the kill is confirmed.
    @discardableResult
    public func killChild(_ child: pid_t, timeout: TimeInterval = 5) -> Bool {
        guard childPIDs.contains(child), kill(child, SIGKILL) == 0 else { return false }
        return waitUntil(timeout: timeout) { !FileManager.default.fileExists(atPath: "/proc/\(child)") }
    }

    /// Waits for the supervisor to exit and returns its status (nil on timeout).
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        guard waitUntil(timeout: timeout, { !process.isRunning }) else { return nil }
        return process.exitStatus
    }

    /// Stops everything it started, gently first.
    public func stop() {
        let workers = childPIDs
        if process.isRunning {
            kill(pid, SIGTERM)
            if waitForExit(timeout: 15) == nil { kill(pid, SIGKILL) }
        }
        for worker in workers { kill(worker, SIGKILL) }
    }
}

import Foundation

/// PostgreSQL + `convergence serve` + nginx in one temp directory, torn down
/// together (also when a test fails: call `stop()` from tearDown).
public final class TestStack {
    public let directory: URL
    public let postgres: PostgresServer
    public private(set) var server: ConvergenceProcess
    public let nginx: NginxServer

    /// `beforeLaunch` runs after PostgreSQL is up and before `serve` starts (e.g. to mount a
    /// small spool disk); what it returns is added to `overrides`.
    public init(label: String, overrides: [String: String] = [:], waitForWorkers: Int = 2,
                beforeLaunch: (URL) throws -> [String: String] = { _ in [:] }) throws {
        directory = try TestPaths.makeTemporaryDirectory(label)
        postgres = try PostgresServer(directory: directory)
        do {
            let overrides = overrides.merging(try beforeLaunch(directory)) { _, new in new }
            server = try ConvergenceProcess.launch(directory: directory, databaseURL: postgres.url, overrides: overrides,
                                                   workers: waitForWorkers)
        } catch {
            try? postgres.stop()
            throw error
        }
        do {
            nginx = try NginxServer(directory: directory, socketPath: server.socketPath)
        } catch {
            server.stop()
            try? postgres.stop()
            throw error
        }
    }

    public var client: HTTPClient { nginx.client }

    /// Starts `convergence serve` again in the same directory (same socket, spool and
    /// database) after the previous one exited or was killed.
    public func restartServer(overrides: [String: String] = [:], waitForWorkers: Int = 2) throws {
        let before = server.count(message: "worker ready") // the log file is appended to, not replaced
        let next = try ConvergenceProcess(directory: directory, databaseURL: postgres.url, overrides: overrides)
        server = next
        do { try next.waitForReadyWorkers(before + waitForWorkers) } catch {
            next.stop()
            throw error
        }
    }

    /// `convergence admin create-key` as an operator runs it; returns the key printed on stdout.
    public func createAdminKey(name: String = "test-admin", readOnly: Bool = false) throws -> String {
        try Shell.run([TestPaths.binary, "admin", "create-key", "--name", name] + (readOnly ? ["--read-only"] : []),
                      environment: ["CONVERGENCE_DATABASE_URL": postgres.url], stdoutOnly: true).output
    }

    public func stop() {
        nginx.stop()
        server.stop()
        try? postgres.stop()
        if ProcessInfo.processInfo.environment["CONVERGENCE_TEST_KEEP"] == nil {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}

/// Runs `clients` threads sending requests until `duration` passes; counts outcomes.
public final class LoadGenerator: @unchecked Sendable {
    // @unchecked: the counters are only touched under `lock`, and `threads` only by start/finish on the test thread.
    private let lock = NSLock()
    private var successes = 0
    private var failures: [String] = []
    private var threads: [Thread] = []
    private let stopFlag = NSCondition()
    private var stopped = false

    public init() {}

    public func start(clients: Int, _ request: @escaping @Sendable () throws -> HTTPClient.Response) {
        for _ in 0..<clients {
            let thread = Thread { [self] in
                while !self.isStopped {
                    do {
                        let response = try request()
                        self.record(response.status < 400 ? nil : "HTTP \(response.status): \(response.text.prefix(200))")
                    } catch {
                        self.record("\(error)")
                    }
                }
            }
            threads.append(thread)
            thread.start()
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func record(_ failure: String?) {
        lock.withLock {
            if let failure { failures.append(failure) } else { successes += 1 }
        }
    }

    /// Stops the clients and waits for their last request.
    public func finish() -> (successes: Int, failures: [String]) {
        lock.withLock { stopped = true }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.02) }
        return lock.withLock { (successes, failures) }
    }
}

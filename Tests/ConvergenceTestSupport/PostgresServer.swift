import Foundation

/// A throwaway PostgreSQL cluster in a temp dir, run as the `postgres` user
/// (PostgreSQL refuses to run as root), reachable only through a unix socket.
public final class PostgresServer {
    public let directory: URL
    public let dataDirectory: String
    public let socketDirectory: String
    public let logFile: String
    public let databaseName = "convergence"

    public init(directory: URL) throws {
        self.directory = directory
        dataDirectory = directory.appendingPathComponent("pgdata").path
        socketDirectory = directory.appendingPathComponent("pgsock").path
        logFile = directory.appendingPathComponent("postgres.log").path
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: logFile, contents: nil)
        // Password (SCRAM) authentication, and a socket directory only PostgreSQL and the
        // service account's group can enter: no local user gets in by being local.
        let passwordFile = directory.appendingPathComponent("initdb-pwfile").path
        try PostgresServer.writePrivate(TestDatabaseSecret.password + "\n", to: passwordFile)
        defer { unlink(passwordFile) }
        chmod(socketDirectory, 0o700)
        if TestPaths.isRoot {
            let group = TestPaths.serviceUser ?? "postgres"
            try Shell.run(["chown", "postgres:\(group)", socketDirectory])
            chmod(socketDirectory, 0o750)
            try Shell.run(["chown", "postgres:postgres", logFile, passwordFile])
            try Shell.run(["install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", dataDirectory])
        }
        try Shell.run([PostgresServer.binary("initdb"), "-D", dataDirectory, "-U", "postgres", "-A", "scram-sha-256",
                       "--pwfile", passwordFile, "-E", "UTF8", "--locale=C", "--no-sync"], asUser: "postgres")
        try start()
        try Shell.run([PostgresServer.binary("psql"), "-h", socketDirectory, "-U", "postgres", "-d", "postgres",
                       "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(databaseName)"])
    }

    /// libpq URI for the test database.
    public var url: String { "postgresql:///\(databaseName)?host=\(socketDirectory)&user=postgres" }

    public func start() throws {
        try Shell.run([PostgresServer.binary("pg_ctl"), "-D", dataDirectory, "-l", logFile, "-w", "-t", "30",
                       "-o", "-k \(socketDirectory) -c listen_addresses='' -p 5432 -c fsync=off -c max_connections=200",
                       "start"], asUser: "postgres")
    }

    public func stop() throws {
        try Shell.run([PostgresServer.binary("pg_ctl"), "-D", dataDirectory, "-m", "fast", "-w", "stop"],
                      asUser: "postgres", check: false)
    }

    /// Runs SQL through psql and returns its unaligned output.
    public func psql(_ sql: String) throws -> String {
        try Shell.run([PostgresServer.binary("psql"), "-h", socketDirectory, "-U", "postgres", "-d", databaseName,
                       "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func writePrivate(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HarnessError("cannot create \(path): \(errno)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw HarnessError("cannot write \(path)") }
    }

    /// Path of a PostgreSQL server binary (Debian keeps them out of PATH).
    public static func binary(_ name: String) -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        if let newest = versions.last { return "\(root)/\(newest)/bin/\(name)" }
        return name
    }
}

/// The test clusters' `postgres` password: random per test process, never printed.
/// `passwordFile` (mode 0600, root's when the tests run as root: the server's children
/// read it before they drop root) is the servers' `database_password_file`;
/// `pgpassFile` is PGPASSFILE for the harness's psql and for the CLI in tests.
public enum TestDatabaseSecret {
    public static let password: String = {
        var bytes = [UInt8](repeating: 0, count: 24)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }()

    private static let directory: String = {
        var template = Array("/tmp/convergence-test-secret-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed: \(errno)") }
        let path = String(cString: made)
        try? PostgresServer.writePrivate(password + "\n", to: path + "/db-password")
        try? PostgresServer.writePrivate("*:*:*:*:\(password)\n", to: path + "/pgpass")
        // Clients started straight from the test process (ChildProcess with its environment) find it too.
        setenv("PGPASSFILE", path + "/pgpass", 1)
        atexit {
            unlink(TestDatabaseSecret.passwordFile)
            unlink(TestDatabaseSecret.pgpassFile)
            rmdir(TestDatabaseSecret.directory)
        }
        return path
    }()

    public static var passwordFile: String { directory + "/db-password" }
    public static var pgpassFile: String { directory + "/pgpass" }
}

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
        if TestPaths.isRoot {
            try Shell.run(["chown", "postgres:postgres", socketDirectory, logFile])
            try Shell.run(["install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", dataDirectory])
        }
        try Shell.run([PostgresServer.binary("initdb"), "-D", dataDirectory, "-U", "postgres", "-A", "trust",
                       "-E", "UTF8", "--locale=C", "--no-sync"], asUser: "postgres")
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

    /// Path of a PostgreSQL server binary (Debian keeps them out of PATH).
    static func binary(_ name: String) -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        if let newest = versions.last { return "\(root)/\(newest)/bin/\(name)" }
        return name
    }
}

import ConvergenceStore
import ConvergenceTestSupport
import Foundation
import XCTest

/// The libpq layer against a real server: binding, decoding, transactions, reconnects.
final class PostgresConnectionTests: XCTestCase {
    nonisolated(unsafe) static var directory: URL!
    nonisolated(unsafe) static var postgres: PostgresServer!

    override class func setUp() {
        super.setUp()
        do {
            directory = try TestPaths.makeTemporaryDirectory("pg")
            postgres = try PostgresServer(directory: directory)
        } catch {
            XCTFail("cannot start PostgreSQL: \(error)")
        }
    }

    override class func tearDown() {
        try? postgres?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
        super.tearDown()
    }

    func connect() -> PostgresConnection {
        PostgresConnection(ConnectionInfo(url: Self.postgres.url, password: nil, connectTimeoutSeconds: 3))
    }

    func testParametersAreBoundNotInterpolated() throws {
        let db = connect()
        try db.query("CREATE TABLE IF NOT EXISTS bind_test (id int PRIMARY KEY, name text, flag boolean)")
        let hostile = "x'); DROP TABLE bind_test; --"
        try db.query("INSERT INTO bind_test (id, name, flag) VALUES ($1, $2, $3)", [1, hostile, true])
        try db.query("INSERT INTO bind_test (id, name, flag) VALUES ($1, $2, $3)", [2, Optional<String>.none, false])
        let rows = try db.query("SELECT id, name, flag FROM bind_test ORDER BY id").rows
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(try rows[0].decode("name", as: String.self), hostile)
        XCTAssertEqual(try rows[0].decode("flag", as: Bool.self), true)
        XCTAssertNil(try rows[1].decodeIfPresent("name", as: String.self))
        XCTAssertThrowsError(try rows[1].decode("name", as: String.self))
        XCTAssertThrowsError(try rows[0].decode("nope", as: String.self))
    }

    func testServerErrorsCarrySQLState() throws {
        XCTAssertThrowsError(try connect().query("SELECT * FROM no_such_table")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42P01")
        }
    }

    func testTransactionRollsBackWhenTheBodyThrows() throws {
        let db = connect()
        try db.query("CREATE TABLE IF NOT EXISTS tx_test (id int PRIMARY KEY)")
        struct Boom: Error {}
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.query("INSERT INTO tx_test (id) VALUES ($1)", [7])
            throw Boom()
        })
        XCTAssertEqual(try db.query("SELECT count(*) AS n FROM tx_test").first?.decode("n", as: Int.self), 0)
        try db.transaction { tx in try tx.query("INSERT INTO tx_test (id) VALUES ($1)", [8]) }
        XCTAssertEqual(try db.query("SELECT count(*) AS n FROM tx_test").first?.decode("n", as: Int.self), 1)
    }

    /// The retry path itself: two connections, both healthy, then PostgreSQL restarts with
    /// no query in between, so both hold a dead connection that still looks healthy. A
    /// statement not marked idempotent fails (the dead connection is found only by using
    /// it); an idempotent one on the other connection succeeds on its first call, which it
    /// can only do by retrying on a fresh connection — a new server process, as
    /// `pg_backend_pid()` shows.
    func testIdempotentQueryReconnectsAfterServerRestart() throws {
        let plain = connect(), retrying = connect()
        XCTAssertEqual(try plain.query("SELECT 1 AS one").first?.decode("one", as: Int.self), 1)
        let backendBefore = try retrying.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int.self)
        try Self.postgres.stop()
        try Self.postgres.start()
        XCTAssertTrue(plain.isConnected, "libpq has not noticed yet: the next statement meets the dead connection")
        XCTAssertTrue(retrying.isConnected)
        XCTAssertThrowsError(try plain.query("SELECT 1")) { error in
            XCTAssertTrue((error as? PostgresError)?.isConnectionFailure ?? false, "\(error)")
        }
        let backendAfter = try retrying.query("SELECT pg_backend_pid() AS pid", idempotent: true).first?.decode("pid", as: Int.self)
        XCTAssertNotNil(backendAfter)
        XCTAssertNotEqual(backendAfter, backendBefore, "answered by a new connection")
        // The failed connection was closed: its next statement connects afresh.
        XCTAssertEqual(try plain.query("SELECT 2 AS two").first?.decode("two", as: Int.self), 2, "reconnects lazily afterwards")
    }

    func testConnectionFailureIsReportedWithoutThePassword() throws {
        let db = PostgresConnection(ConnectionInfo(url: "postgresql:///convergence?host=/nonexistent", password: "s3cret-pw", connectTimeoutSeconds: 1))
        XCTAssertThrowsError(try db.query("SELECT 1")) { error in
            XCTAssertTrue((error as? PostgresError)?.isConnectionFailure ?? false)
            XCTAssertFalse("\(error)".contains("s3cret-pw"))
        }
    }
}

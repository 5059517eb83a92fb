import ConvergenceTestSupport
import Foundation
import XCTest

/// The worker's FastCGI side without nginx: a TCP listener, and connections
/// that misbehave in ways nginx never would (the worker must shrug them off).
final class FastCGIListenerTests: XCTestCase {
    var directory: URL!
    var server: ConvergenceProcess!
    var port = 0

    override func setUpWithError() throws {
        directory = try TestPaths.makeTemporaryDirectory("fcgi")
        port = TestPaths.freePort()
        server = try ConvergenceProcess.launch(directory: directory, databaseURL: "postgresql:///none?host=/nonexistent", overrides: [
            "CONVERGENCE_LISTEN": "127.0.0.1:\(port)", "CONVERGENCE_MIGRATE_ON_START": "false", "CONVERGENCE_WORKERS": "1",
            "CONVERGENCE_THREADS": "2",
        ], workers: 1)
    }

    override func tearDown() {
        server?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func testTCPListenerServesRequests() throws {
        let client = FastCGIClient(.tcp(port: port))
        let health = try client.request(method: "GET", uri: "/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.body, #"{"status":"ok"}"#)
        XCTAssertNotNil(health.headers["x-request-id"])
        let echo = try client.request(method: "POST", uri: "/_echo", headers: ["Content-Type": "application/json"],
                                      body: Data(#"{"a":[1,"b"]}"#.utf8))
        XCTAssertEqual(echo.status, 200)
        XCTAssertEqual(echo.body, #"{"a":[1,"b"]}"#)
    }

    func testGarbageAndAbandonedConnectionsDoNotHurtTheWorker() throws {
        let client = FastCGIClient(.tcp(port: port))
        let workers = server.workerPIDs
        // Not FastCGI at all.
        var fd = try client.connectSocket()
        try FastCGIClient.sendAll(fd, Data("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        close(fd)
        // A truncated record, then silence (the peer vanishes).
        fd = try client.connectSocket()
        try FastCGIClient.sendAll(fd, Data([1, 1, 0, 1, 0, 8]))
        close(fd)
        // Connect and close without sending anything.
        close(try client.connectSocket())
        // A request whose declared body never arrives completely.
        fd = try client.connectSocket()
        try FastCGIClient.sendAll(fd, Data([1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
        close(fd)
        for _ in 0..<10 {
            XCTAssertEqual(try client.request(method: "GET", uri: "/health").status, 200)
        }
        XCTAssertEqual(server.workerPIDs, workers, "no worker may have died")
        XCTAssertEqual(server.count(message: "worker died"), 0)
    }

    func testHugeHeaderValuesAndManyParamsAreHandled() throws {
        let client = FastCGIClient(.tcp(port: port))
        var headers: [String: String] = ["X-Big": String(repeating: "v", count: 60_000)]
        for i in 0..<200 { headers["X-H\(i)"] = "value-\(i)" }
        let response = try client.request(method: "GET", uri: "/health", headers: headers)
        XCTAssertEqual(response.status, 200)
    }

    /// Connections that are open but have not sent their request do not hold a
    /// thread: with 2 threads and 6 silent connections, requests are still answered.
    func testSilentConnectionsDoNotPinTheThreads() throws {
        let client = FastCGIClient(.tcp(port: port))
        let silent = try (0..<6).map { _ in try client.connectSocket() }
        defer { silent.forEach { close($0) } }
        Thread.sleep(forTimeInterval: 0.2) // accepted by now
        let started = Date()
        for _ in 0..<5 {
            XCTAssertEqual(try client.request(method: "GET", uri: "/health").status, 200)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "answered without waiting for the silent connections")
        // One of them finally speaks: it is answered too.
        XCTAssertEqual(try client.request(on: silent[3], method: "GET", uri: "/health").status, 200)
    }
}

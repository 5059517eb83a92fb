import ConvergenceTestSupport
import Foundation
import XCTest

/// Connections nginx keeps (`fastcgi_keep_conn on`, shipped): the workers never close
/// one, so no request nginx writes on a kept connection is lost to a close, during a
/// reload, a `max_requests` recycle, or after a refused body.
final class KeepAliveTests: XCTestCase {
    var directory: URL?
    var postgres: PostgresServer?
    var server: ConvergenceProcess?

    override func tearDown() {
        server?.stop()
        try? postgres?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func launch(_ overrides: [String: String]) throws -> ConvergenceProcess {
        let directory = try TestPaths.makeTemporaryDirectory("keepalive")
        self.directory = directory
        let postgres = try PostgresServer(directory: directory)
        self.postgres = postgres
        var all = overrides
        all["CONVERGENCE_WORKERS"] = "1"
        let server = try ConvergenceProcess.launch(directory: directory, databaseURL: postgres.url, overrides: all, workers: 1)
        self.server = server
        return server
    }

    func health(_ fcgi: FastCGIClient, on fd: Int32) throws -> (status: Int, worker: String?) {
        let response = try fcgi.request(on: fd, method: "GET", uri: "/health", keepConnection: true)
        return (response.status, response.headers["x-convergence-worker"])
    }

    func testAKeptConnectionCarriesRequestAfterRequestAndOutlivesARefusedBody() throws {
        let server = try launch(["CONVERGENCE_MAX_BODY_BYTES": "2048"])
        let fcgi = FastCGIClient(.unix(server.socketPath))
        let fd = try fcgi.connectSocket()
        defer { close(fd) }
        for _ in 0..<5 { XCTAssertEqual(try health(fcgi, on: fd).status, 200) }
        // nginx sends a body it has buffered in full, even one the backend refuses: the
        // worker reads past it, or the next request on the connection would be garbage.
        let refused = try fcgi.request(on: fd, method: "POST", uri: "/_echo", headers: ["Content-Type": "application/json"],
                                       body: Data(repeating: UInt8(ascii: " "), count: 200_000), keepConnection: true)
        XCTAssertEqual(refused.status, 413)
        let after = try fcgi.request(on: fd, method: "POST", uri: "/_echo", headers: ["Content-Type": "application/json"],
                                     body: Data(#"{"after":"refusal"}"#.utf8), keepConnection: true)
        XCTAssertEqual(after.status, 200, after.body)
        XCTAssertTrue(after.body.contains("refusal"), after.body)
    }

    func testARetiredWorkerServesItsKeptConnectionsUntilTheWebServerClosesThem() throws {
        let server = try launch([:])
        let fcgi = FastCGIClient(.unix(server.socketPath))
        let kept = try fcgi.connectSocket()
        var keptOpen = true
        defer { if keptOpen { close(kept) } }
        let first = try health(fcgi, on: kept)
        XCTAssertEqual(first.status, 200)
        let old = try XCTUnwrap(first.worker)

        server.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 20) { server.count(message: "reload complete") >= 1 }, server.log)
        // New connections reach the replacement (once the old worker has taken its SIGTERM)...
        Thread.sleep(forTimeInterval: 0.2)
        let fresh = try fcgi.request(method: "GET", uri: "/health")
        XCTAssertNotEqual(fresh.headers["x-convergence-worker"], old)
        // ...while the kept one is still served by the retired worker: closing it could have
        // crossed a request nginx was writing.
        Thread.sleep(forTimeInterval: 1)
        let again = try health(fcgi, on: kept)
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.worker, old)
        XCTAssertTrue(server.workerPIDs.contains(pid_t(old)!), "the retired worker left while nginx still held its connection")
        // The web server lets go: the retired worker has nothing left and exits.
        close(kept)
        keptOpen = false
        XCTAssertTrue(waitUntil(timeout: 5) { !server.workerPIDs.contains(pid_t(old)!) }, server.log)
        XCTAssertTrue(waitUntil(timeout: 5) { server.count(message: "worker retired") == 1 }, server.log)
    }

    func testARecyclingWorkerIsReplacedAtOnceAndKeepsServingItsKeptConnection() throws {
        let server = try launch(["CONVERGENCE_MAX_REQUESTS": "3"])
        let fcgi = FastCGIClient(.unix(server.socketPath))
        let kept = try fcgi.connectSocket()
        var keptOpen = true
        defer { if keptOpen { close(kept) } }
        var old: String?
        for _ in 0..<3 {
            let answer = try health(fcgi, on: kept)
            XCTAssertEqual(answer.status, 200)
            old = answer.worker
        }
        let oldPID = try XCTUnwrap(old.flatMap { pid_t($0) })
        // The replacement starts while the old worker still holds the kept connection.
        XCTAssertTrue(waitUntil(timeout: 10) { server.count(message: "worker recycling after max_requests: replacement starting") == 1 },
                      server.log)
        XCTAssertTrue(waitUntil(timeout: 10) { server.workerPIDs.count == 2 }, "no replacement while the old worker drains: \(server.log)")
        let fresh = try fcgi.request(method: "GET", uri: "/health")
        XCTAssertEqual(fresh.status, 200)
        XCTAssertNotEqual(fresh.headers["x-convergence-worker"], old)
        let again = try health(fcgi, on: kept)
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.worker, old)
        close(kept)
        keptOpen = false
        XCTAssertTrue(waitUntil(timeout: 5) { !server.workerPIDs.contains(oldPID) }, server.log)
        XCTAssertEqual(server.workerPIDs.count, 1)
    }
}

/// The shipped nginx snippets keep connections to the workers: under load, with
/// reloads and `max_requests` recycles, no request fails and nginx logs no upstream error.
final class KeepAliveUnderLoadTests: XCTestCase {
    func testReloadsAndRecyclesUnderLoadThroughKeptConnectionsFailNoRequest() throws {
        let stack = try TestStack(label: "keepalive-load", overrides: ["CONVERGENCE_WORKERS": "2", "CONVERGENCE_MAX_REQUESTS": "400"],
                                  waitForWorkers: 2)
        defer { stack.stop() }
        let client = stack.client
        let load = LoadGenerator()
        load.start(clients: 8) {
            try client.post("/_echo", json: #"{"during":"keep-alive"}"#)
        }
        for round in 1...2 {
            Thread.sleep(forTimeInterval: 2)
            stack.server.signal(SIGHUP)
            XCTAssertTrue(waitUntil(timeout: 30) { stack.server.count(message: "reload complete") >= round }, stack.server.log)
        }
        Thread.sleep(forTimeInterval: 2)
        // nginx still holds connections to the workers between requests (kept, not one per request).
        let held = Self.connectionsTo(stack.server.socketPath)
        let (successes, failures) = load.finish()
        XCTAssertEqual(failures, [], "requests failed with kept connections")
        XCTAssertGreaterThan(successes, 1000)
        XCTAssertGreaterThanOrEqual(stack.server.count(message: "worker recycling after max_requests: replacement starting"), 2,
                                    "the run must include max_requests recycles")
        XCTAssertGreaterThan(held, 0, "nginx kept no connection to the workers")
        let errors = (try? String(contentsOfFile: "\(stack.nginx.prefix)/logs/error.log", encoding: .utf8)) ?? ""
        let upstream = errors.split(separator: "\n").filter { $0.contains("upstream") }
        XCTAssertEqual(upstream, [], "nginx logged upstream errors")
    }

    /// Accepted connections on the listener's path (from /proc/net/unix; the listener itself excluded).
    static func connectionsTo(_ path: String) -> Int {
        guard let table = try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8) else { return 0 }
        // Columns: Num RefCount Protocol Flags Type St Inode Path; St 03 = connected, Flags 00010000 = listening.
        return table.split(separator: "\n").filter { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count >= 8 && fields[7] == path && fields[5] == "03"
        }.count
    }
}

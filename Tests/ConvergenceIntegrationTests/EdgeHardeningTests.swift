import ConvergenceTestSupport
import Foundation
import XCTest

/// nginx as the edge (issue 13, items 1, 2, 6, 7, 8; issue 14): what a client
/// from outside the host sees. "Outside" is a client bound to another loopback
/// address (127.0.0.x, x > 1): nginx's loopback-only rules and per-address
/// limits key on 127.0.0.1, so 127.0.0.x is a remote client to them. Each test
/// uses an address of its own, so one test's limits never touch another's.
final class EdgeHardeningTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "edge")
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var nginx: NginxServer { EdgeHardeningTests.stack.nginx }
    var local: HTTPClient { EdgeHardeningTests.stack.client }
    func outside(_ last: Int, timeout: TimeInterval = 10) -> HTTPClient {
        HTTPClient(port: nginx.httpPort, timeout: timeout, sourceAddress: "127.0.0.\(last)")
    }

    func assertErrorBody(_ response: HTTPClient.Response, status: Int, code: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.headers["content-type"], "application/json", file: file, line: line)
        let error = try XCTUnwrap(try response.json()["error"] as? [String: Any], response.text, file: file, line: line)
        XCTAssertEqual(error["code"] as? String, code, file: file, line: line)
        XCTAssertEqual(error["request_id"] as? String, response.headers["x-request-id"], file: file, line: line)
        XCTAssertEqual(response.headerCounts["x-request-id"], 1, file: file, line: line)
        XCTAssertEqual(response.headers["x-content-type-options"], "nosniff", file: file, line: line)
    }

    // MARK: item 1: /metrics in every spelling

    func testMetricsIsRefusedFromOutsideInEverySpelling() throws {
        let client = outside(2)
        let spellings = ["/metrics", "/metrics/", "/metrics//", "//metrics/", "//metrics", "/metrics/.", "/./metrics",
                         "/x/../metrics", "/%6detrics", "/metrics%2F", "/metrics?x=1", "/metrics/?x=1"]
        for path in spellings {
            for method in ["GET", "HEAD"] {
                let response = try client.send(method, path)
                XCTAssertTrue([403, 404].contains(response.status), "\(method) \(path): \(response.status)")
                XCTAssertFalse(response.text.contains("convergence_"), "\(method) \(path) leaked the exposition")
            }
        }
        // HTTP/2 over TLS, path sent as is (curl would otherwise squash dot segments).
        for path in ["/metrics", "/metrics/", "//metrics/", "/metrics//"] {
            for head in [false, true] {
                let result = try Shell.run(["curl", "-sk", "--http2", "--path-as-is", "--interface", "127.0.0.2"] + (head ? ["-I"] : [])
                                           + ["-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                                              "https://127.0.0.1:\(nginx.httpsPort)\(path)"], check: false)
                XCTAssertTrue(["2 403", "2 404"].contains(result.output), "HTTP/2 \(head ? "HEAD" : "GET") \(path): \(result.output)")
            }
        }
        // From the host itself: the canonical path only.
        XCTAssertEqual(try local.get("/metrics").status, 200)
        for path in ["/metrics/", "//metrics", "/metrics/."] {
            try assertErrorBody(try local.get(path), status: 404, code: "not_found")
        }
    }

    func testNonCanonicalPathsAre404OnEveryRoute() throws {
        for path in ["/health/", "//health", "/health//", "/./health", "/ready/", "/admin//keys", "/admin/keys/", "/v1/check/"] {
            try assertErrorBody(try local.get(path), status: 404, code: "not_found")
        }
        XCTAssertEqual(try local.get("/health").status, 200)
    }

    // MARK: item 2: one address cannot take the front end down

    func testOneAddressHoldingThousandsOfSlowConnectionsDoesNotLockOthersOut() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 8192 {
            limit.rlim_cur = min(8192, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let wanted = 2500
        try XCTSkipIf(limit.rlim_cur < rlim_t(wanted + 200), "RLIMIT_NOFILE \(limit.rlim_cur) is too low for this test")
        // Short connect timeout: once nginx stops accepting, connects stall in the backlog.
        let attacker = outside(3, timeout: 1)
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        let started = Date()
        var failures = 0
        // Slowloris: a request header begun and never finished.
        let partial = Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
        while held.count < wanted, failures < 3, Date().timeIntervalSince(started) < 8 {
            guard let fd = try? attacker.connectSocket() else {
                failures += 1
                continue
            }
            held.append(fd)
            _ = partial.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        XCTAssertGreaterThanOrEqual(held.count, wanted - 100, "could open only \(held.count) connections from one address")
        // While they are held, the host and another address are still served.
        for client in [HTTPClient(port: nginx.httpPort, timeout: 3), outside(4, timeout: 3)] {
            for _ in 0..<3 {
                let response = try client.get("/health")
                XCTAssertEqual(response.status, 200, "\(client.sourceAddress ?? "127.0.0.1") refused while one address holds \(held.count)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
    }

    func testTooManyRequestsInProgressFromOneAddressAre429JSON() throws {
        let attacker = outside(5)
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        // Requests whose bodies never arrive: each is in progress until client_body_timeout.
        let head = Array("POST /_echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{".utf8)
        for _ in 0..<110 {
            let fd = try attacker.connectSocket()
            held.append(fd)
            _ = head.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var refused: HTTPClient.Response?
        _ = waitUntil(timeout: 3) {
            refused = try? attacker.get("/health")
            return refused?.status == 429
        }
        let response = try XCTUnwrap(refused)
        try assertErrorBody(response, status: 429, code: "rate_limited")
        XCTAssertEqual(response.headers["retry-after"], "1")
        XCTAssertEqual(try local.get("/health").status, 200, "loopback is never limited")
        XCTAssertEqual(try outside(6).get("/health").status, 200, "another address is not limited")
        held.forEach { close($0) }
        held = []
        XCTAssertTrue(waitUntil(timeout: 3) { (try? attacker.get("/health"))?.status == 200 }, "the address is served again once its requests end")
    }

    // MARK: item 7: nginx's own errors

    func testShield429CarriesRetryAfterAndTheJSONError() throws {
        let flooder = outside(7, timeout: 3)
        let lock = NSLock()
        nonisolated(unsafe) var limited: HTTPClient.Response?
        let deadline = Date().addingTimeInterval(8)
        // /metrics from outside: refused by nginx itself (403), but counted by the shield first: cheap to flood.
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            while Date() < deadline, lock.withLock({ limited == nil }) {
                if let response = try? flooder.get("/metrics"), response.status == 429 {
                    lock.withLock { limited = response }
                }
            }
        }
        let response = try XCTUnwrap(lock.withLock { limited }, "the shield never answered 429")
        try assertErrorBody(response, status: 429, code: "rate_limited")
        XCTAssertEqual(response.headers["retry-after"], "1")
    }

    func testUnknownTransferEncodingAndMalformedChunkedBodyAreJSON() throws {
        let client = outside(8)
        let gzip = "POST /_echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n{}"
        try assertErrorBody(try client.raw(Data(gzip.utf8)), status: 501, code: "not_implemented")
        let chunked = "POST /_echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
        try assertErrorBody(try client.raw(Data(chunked.utf8)), status: 400, code: "bad_request")
        // The same refusals on the loopback-only location.
        let metrics = "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n"
        try assertErrorBody(try local.raw(Data(metrics.utf8)), status: 501, code: "not_implemented")
    }

    // MARK: item 6: secrets at the edge

    func testAKeyInTheURLNeverReachesTheAccessLog() throws {
        let secret = "sk_live_EDGE" + String(repeating: "q", count: 24)
        let paths = ["/v1/check?api_key=\(secret)", "/health?token=tok_EDGESECRET", "/health?x=1&password=pw_EDGESECRET",
                     "/admin/keys/\(secret)", "/health?api%5Fkey=enc_EDGESECRET", "/v1/check/acme_api_EDGEqqqqqqqqqqqq"]
        var ids: [String] = []
        for path in paths {
            let response = try outside(9).get(path)
            ids.append(try XCTUnwrap(response.headers["x-request-id"]))
        }
        let harmless = try outside(9).get("/api/v1/tenants/desk_inc/credentials")
        ids.append(try XCTUnwrap(harmless.headers["x-request-id"]))
        let plain = try outside(9).get("/health?limit=5")
        ids.append(try XCTUnwrap(plain.headers["x-request-id"]))
        XCTAssertTrue(waitUntil(timeout: 3) { ids.allSatisfy { self.nginx.accessLog.contains($0) } }, "access-log lines missing")
        let log = nginx.accessLog
        for needle in [secret, "EDGESECRET", "EDGEqq"] {
            XCTAssertFalse(log.contains(needle), "the access log holds \(needle)")
        }
        let entries = log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        func uri(_ id: String) -> String? { entries.first { $0["request_id"] as? String == id }?["uri"] as? String }
        XCTAssertEqual(uri(ids[0]), "/v1/check?[redacted]")
        XCTAssertEqual(uri(ids[3]), "[redacted]")
        XCTAssertEqual(uri(ids[5]), "[redacted]", "an onboarding key in a path")
        XCTAssertEqual(uri(ids[6]), "/api/v1/tenants/desk_inc/credentials", "a tenant id that merely contains sk_")
        XCTAssertEqual(uri(ids.last!), "/health?limit=5", "harmless queries are logged as sent")
    }

    /// nginx refuses a key in the URL itself: the request never reaches a module that
    /// could log its line (the error log writes it whole when the backend is down or a
    /// limit refuses). A path the backend would answer 404 proves the refusal is nginx's.
    func testAKeyInTheURLIsRefusedByNginxBeforeAnyLogCanHoldIt() throws {
        for query in ["api_key=sk_live_URLSECRET1", "api%5Fkey=URLSECRET2", "x=1&token=URLSECRET3", "API-KEY=URLSECRET4"] {
            let response = try outside(10).get("/no/such/route?\(query)")
            try assertErrorBody(response, status: 400, code: "invalid_parameter")
            XCTAssertTrue(((try response.json()["error"] as? [String: Any])?["message"] as? String ?? "").contains("header"), response.text)
        }
        XCTAssertEqual(try outside(10).get("/health?monkey=1").status, 400, "the backend's own rule for unknown parameters")
        XCTAssertEqual(try outside(10).get("/health").status, 200)
        XCTAssertFalse(nginx.errorLog.contains("URLSECRET"))
        XCTAssertFalse(nginx.accessLog.contains("URLSECRET"))
    }

    func testAnswersCarryingASecretAreNoStoreAndEveryAnswerIsNosniff() throws {
        let admin = ["Authorization": "Bearer \(try EdgeHardeningTests.stack.createAdminKey())"]
        let onboarded = try local.post("/api/v1/customers/onboard", json: #"{"tenant_id": "edge_nostore"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        let customerID = try XCTUnwrap(try onboarded.json()["customer_id"] as? String)
        let issued = try local.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin)
        XCTAssertEqual(issued.status, 201, issued.text)
        let keyID = try XCTUnwrap(try issued.json()["key_id"] as? String)
        let rotated = try local.post("/admin/keys/\(keyID)/rotate", json: "{}", headers: admin)
        XCTAssertEqual(rotated.status, 201, rotated.text)
        for (name, response) in [("onboard", onboarded), ("issue", issued), ("rotate", rotated)] {
            XCTAssertEqual(response.headers["cache-control"], "no-store", name)
            XCTAssertEqual(response.headers["x-content-type-options"], "nosniff", name)
        }
        // nosniff on every answer, exactly once: backend, nginx's own pages, the TLS listener.
        for response in [try local.get("/health"), try local.send("TRACE", "/health"), try local.get("/_convergence_error/404"),
                         try outside(10).get("/metrics"), try local.get("/nope")] {
            XCTAssertEqual(response.headers["x-content-type-options"], "nosniff", "\(response.status) \(response.text)")
            XCTAssertEqual(response.headerCounts["x-content-type-options"], 1)
        }
        XCTAssertNil(try local.get("/health").headers["cache-control"], "no-store only where a secret is")
    }

    // MARK: item 8: TLS mirrors production

    func testTLSListenerRefusesSuitesWithoutForwardSecrecyAndSendsHSTS() throws {
        let target = "127.0.0.1:\(nginx.httpsPort)"
        func handshake(_ arguments: [String]) throws -> Bool {
            let result = try Shell.run(["bash", "-c", "openssl s_client -connect \(target) \(arguments.joined(separator: " ")) </dev/null >/dev/null 2>&1"],
                                       check: false)
            return result.status == 0
        }
        XCTAssertFalse(try handshake(["-tls1_2", "-cipher", "AES128-SHA"]), "CBC/SHA-1 without forward secrecy accepted")
        XCTAssertFalse(try handshake(["-tls1_2", "-cipher", "AES256-GCM-SHA384"]), "static RSA key exchange accepted")
        XCTAssertFalse(try handshake(["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"]), "CBC suite accepted")
        XCTAssertFalse(try handshake(["-tls1_1"]), "TLS 1.1 accepted")
        XCTAssertTrue(try handshake(["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]))
        XCTAssertTrue(try handshake(["-tls1_3"]))
        let headers = try Shell.run(["curl", "-sk", "-D", "-", "-o", "/dev/null", "https://\(target)/health"], check: false).output.lowercased()
        XCTAssertTrue(headers.contains("strict-transport-security: max-age=63072000; includesubdomains"), headers)
        XCTAssertTrue(headers.contains("x-content-type-options: nosniff"), headers)
    }
}

import ConvergenceCore
import ConvergenceIdentity
import ConvergenceTestSupport
import Foundation
import XCTest

/// Promises of the docs that had no test (issue 14, item 14), each through the real stack:
/// key failures that read alike, which header counts, /logs cursors under writes. One stack
/// for the tests that leave it usable; `PromisesOwnStackTests` below for those that do not.
final class PromisesTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var adminKey = ""

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "promises")
            adminKey = try stack.createAdminKey()
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }
    var admin: [String: String] { ["Authorization": "Bearer \(Self.adminKey)"] }
    static let check = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#

    func onboard(_ tenant: String) throws -> (key: String, customerID: String) {
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
        XCTAssertEqual(response.status, 201, response.text)
        let body = try response.json()
        return (try XCTUnwrap(body["api_key"] as? String), try XCTUnwrap(body["customer_id"] as? String))
    }

    func issueKey(_ customerID: String) throws -> (key: String, id: String) {
        let response = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin)
        XCTAssertEqual(response.status, 201, response.text)
        return (try XCTUnwrap(try response.json()["api_key"] as? String), try XCTUnwrap(try response.json()["key_id"] as? String))
    }

    func errorCode(_ response: HTTPClient.Response) -> String? {
        ((try? response.json())?["error"] as? [String: Any])?["code"] as? String
    }

    /// A response with its request id blanked out (body and header) and its date dropped:
    /// what must be identical between two refusals.
    func comparable(_ response: HTTPClient.Response) -> (status: Int, headers: [String: String], body: String) {
        let id = response.headers["x-request-id"] ?? "?"
        var headers = response.headers
        headers["date"] = nil
        headers["x-request-id"] = nil
        return (response.status, headers, response.text.replacingOccurrences(of: id, with: "req_ID"))
    }

    // MARK: - 401s that say nothing

    /// docs/api.md: a missing, malformed, unknown, revoked or expired key is "deliberately the
    /// same answer for all". Revoked and expired keys answer byte for byte what an unknown key
    /// of the same shape answers (request id aside), headers included, on a customer route
    /// and on /v1/check.
    func testRevokedAndExpiredKeysAnswerExactlyAsUnknownKeys() throws {
        let (onboardingKey, customerID) = try onboard("same_401")
        let revoked = try issueKey(customerID)
        let expired = try issueKey(customerID)
        let path = "/api/v1/tenants/same_401/credentials"
        for key in [revoked.key, expired.key] { XCTAssertEqual(try client.get(path, headers: ["X-API-Key": key]).status, 200) }
        XCTAssertEqual(try client.send("DELETE", "/admin/keys/\(revoked.id)", headers: admin).status, 200)
        // Expired by the clock, not by an API call (no invalidation): the cache must notice too.
        _ = try Self.stack.postgres.psql("UPDATE convergence.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = '\(expired.id)'")
        XCTAssertTrue(waitUntil(timeout: 3) { (try? self.client.get(path, headers: ["X-API-Key": expired.key]).status) == 401 })
        // Unknown keys of the same two shapes: a live key with its random part changed (the
        // checksum is then wrong) and an onboarding key that was never issued.
        var mistyped = Array(revoked.key)
        mistyped[10] = mistyped[10] == "a" ? "b" : "a"
        let neverIssued = "same_401_api_" + String(onboardingKey.suffix(16).reversed())
        XCTAssertNotEqual(neverIssued, onboardingKey)

        for (method, route, body) in [("GET", path, nil), ("POST", "/v1/check", Data(Self.check.utf8))] {
            func ask(_ key: String, _ header: String) throws -> HTTPClient.Response {
                let value = header == "Authorization" ? "Bearer \(key)" : key
                return try client.send(method, route, headers: [header: value, "Content-Type": "application/json"], body: body)
            }
            for header in ["X-API-Key", "Authorization"] {
                let unknown = comparable(try ask(String(mistyped), header))
                let unknownOnboarding = comparable(try ask(neverIssued, header))
                XCTAssertEqual(unknown.status, 401)
                XCTAssertTrue(unknown.body.contains("invalid_api_key"), unknown.body)
                XCTAssertEqual(unknownOnboarding.body, unknown.body, "\(method) \(route) \(header)")
                for (name, key) in [("revoked", revoked.key), ("expired", expired.key)] {
                    let answer = comparable(try ask(key, header))
                    XCTAssertEqual(answer.status, unknown.status, "\(name) \(method) \(route) \(header)")
                    XCTAssertEqual(answer.body, unknown.body, "\(name) \(method) \(route) \(header)")
                    XCTAssertEqual(answer.headers, unknown.headers, "\(name) \(method) \(route) \(header)")
                }
            }
        }
    }

    // MARK: - Authorization and X-API-Key

    /// docs/api.md "Authentication": when an `Authorization` header is present it alone
    /// counts; a valid `X-API-Key` beside an empty or malformed one is 401.
    func testAuthorizationAloneCountsWhenPresent() throws {
        let (keyA, _) = try onboard("prec_a")
        let (keyB, _) = try onboard("prec_b")
        let pathA = "/api/v1/tenants/prec_a/credentials"
        // Each key alone works on its own tenant.
        XCTAssertEqual(try client.get(pathA, headers: ["Authorization": "Bearer \(keyA)"]).status, 200)
        XCTAssertEqual(try client.get(pathA, headers: ["X-API-Key": keyA]).status, 200)
        // Both valid, different tenants: the Authorization key decides whose request it is.
        let both = try client.get(pathA, headers: ["Authorization": "Bearer \(keyA)", "X-API-Key": keyB])
        XCTAssertEqual(both.status, 200, both.text)
        let swapped = try client.get(pathA, headers: ["Authorization": "Bearer \(keyB)", "X-API-Key": keyA])
        XCTAssertEqual(swapped.status, 403, swapped.text)
        XCTAssertEqual(errorCode(swapped), "tenant_mismatch")
        // A valid Authorization beside a garbage X-API-Key: the garbage is not looked at.
        XCTAssertEqual(try client.get(pathA, headers: ["Authorization": "Bearer \(keyA)", "X-API-Key": "garbage"]).status, 200)
        // A valid X-API-Key beside an empty or malformed Authorization: 401, never 200.
        for authorization in ["", "Bearer", "Bearer ", "Basic \(Data("a:b".utf8).base64EncodedString())", "Bearer nonsense",
                              "Bearer sk_live_" + String(repeating: "a", count: 32), keyA] {
            let response = try client.get(pathA, headers: ["Authorization": authorization, "X-API-Key": keyA])
            XCTAssertEqual(response.status, 401, "Authorization: \"\(authorization)\": \(response.text)")
            XCTAssertEqual(errorCode(response), "invalid_api_key", authorization)
        }
        // The same on /v1/check.
        let check = try client.post("/v1/check", json: Self.check, headers: ["Authorization": "Basic abc", "X-API-Key": keyA])
        XCTAssertEqual(check.status, 401, check.text)
        XCTAssertEqual(try client.post("/v1/check", json: Self.check, headers: ["Authorization": "Bearer \(keyA)", "X-API-Key": "x"]).status, 200)
    }

    // MARK: - /logs cursors while rows arrive

    /// Paging /logs with `next_cursor` while new checks are being recorded: no row twice, none
    /// of the rows that existed at the first page missing, newest first throughout.
    func testLogCursorPagesDoNotShiftWhileRowsArrive() throws {
        let (key, customerID) = try onboard("cursor_live")
        var existing: [String] = []
        for _ in 0..<24 {
            let response = try client.post("/v1/check", json: Self.check, headers: ["X-API-Key": key])
            XCTAssertEqual(response.status, 200, response.text)
            existing.append(try XCTUnwrap(response.headers["x-request-id"]))
        }
        func stored() -> Int {
            Int((try? Self.stack.postgres.psql(
                "SELECT count(*) FROM convergence.audit_log WHERE kind = 'check' AND customer_id = '\(customerID)'")) ?? "") ?? -1
        }
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.1) { stored() == 24 }, "the first rows never reached PostgreSQL")

        // New rows keep arriving while we page.
        let load = CheckLoad()
        load.start(clients: 2, client: client, key: key, body: Self.check)
        defer { _ = load.finish() }
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.05) { stored() > 24 }, "no new rows arrived")

        var seen: [String] = []
        var times: [String] = []
        var cursor: String?
        var pages = 0
        let countAtFirstPage = stored()
        repeat {
            var query = "/logs?customer_id=\(customerID)&kind=check&limit=3"
            if let cursor { query += "&cursor=\(cursor)" }
            let response = try client.get(query, headers: admin)
            XCTAssertEqual(response.status, 200, response.text)
            let body = try response.json()
            let logs = try XCTUnwrap(body["logs"] as? [[String: Any]])
            seen += logs.compactMap { $0["request_id"] as? String }
            times += logs.compactMap { $0["created_at"] as? String ?? $0["time"] as? String }
            cursor = body["next_cursor"] as? String
            pages += 1
            // Rows land between pages: wait for at least one more before the next page.
            if cursor != nil, pages < 4 {
                let before = stored()
                XCTAssertTrue(waitUntil(timeout: 5, interval: 0.02) { stored() > before })
            }
        } while cursor != nil && pages < 200
        let outcome = load.finish()
        XCTAssertNil(cursor, "paging did not end")
        XCTAssertGreaterThan(stored(), countAtFirstPage, "rows arrived while paging")
        XCTAssertGreaterThan(outcome.answered.count, 0)
        XCTAssertEqual(seen.count, Set(seen).count, "a row appeared on two pages: \(seen.count - Set(seen).count) duplicates")
        XCTAssertEqual(Set(existing).subtracting(seen), [], "rows that existed before paging were skipped")
        XCTAssertEqual(times.count, seen.count, "every row carries its time")
        XCTAssertEqual(times, times.sorted(by: >), "newest first across pages")
    }
}

/// Promises that stop, fill or reconfigure their stack: one stack each.
final class PromisesOwnStackTests: XCTestCase {
    var stack: TestStack?

    override func tearDown() {
        stack?.stop()
        stack = nil
    }

    func start(_ label: String, _ overrides: [String: String] = [:]) throws -> TestStack {
        let made = try TestStack(label: label, overrides: overrides)
        stack = made
        return made
    }

    func errorOf(_ response: HTTPClient.Response) -> [String: Any] {
        ((try? response.json())?["error"] as? [String: Any]) ?? [:]
    }

    /// nginx's own error answers: the API's JSON error object with the request id of the
    /// X-Request-ID header.
    func assertNginxJSONError(_ response: HTTPClient.Response, status: Int, code: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.headers["content-type"], "application/json", file: file, line: line)
        let error = errorOf(response)
        XCTAssertEqual(error["code"] as? String, code, response.text, file: file, line: line)
        XCTAssertFalse((error["message"] as? String ?? "").isEmpty, file: file, line: line)
        XCTAssertNotNil(response.headers["x-request-id"], file: file, line: line)
        XCTAssertEqual(error["request_id"] as? String, response.headers["x-request-id"], file: file, line: line)
    }

    // MARK: - nginx 504 and 502

    /// 504 `backend_timeout` when the backend is slower than `fastcgi_read_timeout` (the
    /// rendered snippet's 60 s shortened to 1 s, nothing else changed), and 502
    /// `backend_unavailable` once `serve` has stopped — both in the API's error format.
    func testNginxAnswersJSONForATimeoutAndAStoppedBackend() throws {
        let stack = try start("nginxerr")
        let snippet = "\(stack.nginx.prefix)/conf/convergence.conf"
        let text = try String(contentsOfFile: snippet, encoding: .utf8)
        XCTAssertTrue(text.contains("fastcgi_read_timeout    60s;"), "the snippet's read timeout moved")
        try text.replacingOccurrences(of: "fastcgi_read_timeout    60s;", with: "fastcgi_read_timeout    1s;")
            .write(toFile: snippet, atomically: true, encoding: .utf8)
        try Shell.run(["nginx", "-p", stack.nginx.prefix, "-c", stack.nginx.configPath, "-e", "\(stack.nginx.prefix)/logs/error.log", "-s", "reload"])
        var slow: HTTPClient.Response?
        // The reload takes effect when new nginx workers take over: until then the echo answers 200.
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.1) {
            slow = try? stack.client.post("/_echo?delay_ms=2500", json: #"{"slow": true}"#)
            return slow?.status == 504
        }, "\(slow?.status ?? -1) \(slow?.text ?? "")")
        assertNginxJSONError(try XCTUnwrap(slow), status: 504, code: "backend_timeout")
        XCTAssertEqual(try stack.client.post("/_echo", json: #"{"fast": true}"#).status, 200)

        stack.server.signal(SIGTERM)
        XCTAssertEqual(stack.server.waitForExit(timeout: 15), 0, stack.server.log)
        for path in ["/health", "/v1/check"] {
            let response = path == "/health" ? try stack.client.get(path) : try stack.client.post(path, json: "{}")
            assertNginxJSONError(response, status: 502, code: "backend_unavailable")
        }
    }

    // MARK: - Drain timeout

    /// docs/operations.md "Signals": workers still running a request after
    /// `shutdown_timeout_seconds` (+2 s) are killed and `serve` exits 1. A request held in
    /// flight (an 8 s echo) past a 1 s drain timeout: `serve` exits 1 well before the request
    /// would have ended, logs the drain timeout, leaves no worker behind, and the request
    /// gets no answer.
    func testARequestPastTheDrainTimeoutIsCutAndServeExitsOne() throws {
        let stack = try start("draintimeout", ["CONVERGENCE_SHUTDOWN_TIMEOUT_SECONDS": "1"])
        let workers = stack.server.workerPIDs
        XCTAssertEqual(workers.count, 2)
        let fastcgi = FastCGIClient(.unix(stack.server.socketPath))
        let fd = try fastcgi.connectSocket()
        defer { close(fd) }
        let outcome = Outcome()
        let inFlight = Thread {
            do {
                let response = try fastcgi.request(on: fd, method: "POST", uri: "/_echo?delay_ms=8000",
                                                   headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
                outcome.set("answered \(response.status)")
            } catch {
                outcome.set("cut: \(error)")
            }
        }
        inFlight.start()
        // Give a worker thread the moment to take the request (nothing observable marks it;
        // the worker's "in_flight" count at the timeout, asserted below, proves it did).
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertNil(outcome.value, "the echo answered early")
        let began = Date()
        stack.server.signal(SIGTERM)
        let status = stack.server.waitForExit(timeout: 10)
        let took = Date().timeIntervalSince(began)
        XCTAssertEqual(status, 1, stack.server.log)
        XCTAssertLessThan(took, 6, "killed after the timeout (+2 s), not after the 8 s request")
        XCTAssertGreaterThanOrEqual(took, 0.9, "the drain waited for the in-flight request first")
        let abandoned = stack.server.logLines.filter { $0["msg"] as? String == "drain timeout: abandoning in-flight requests" }
        XCTAssertEqual(abandoned.compactMap { $0["in_flight"] as? Int }.max(), 1, "the echo was in flight at the timeout: \(stack.server.log)")
        XCTAssertTrue(waitUntil(timeout: 5) { outcome.value != nil })
        XCTAssertTrue(outcome.value?.hasPrefix("cut") ?? false, outcome.value ?? "")
        for pid in workers { XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "worker \(pid) is still there") }
    }

    // MARK: - Full spool under fail_closed, PostgreSQL up

    /// The spool-full branch itself (before, the only test of it stopped PostgreSQL first,
    /// so /ready was 503 for PostgreSQL anyway): the flusher is paused (SIGSTOP) with
    /// PostgreSQL up, checks fill a 64 KiB buffer. Then, under fail_closed: checks 503
    /// `audit_unavailable` with `Retry-After: 1`, `/ready` 503 with `audit.full` while its
    /// PostgreSQL check is fine, admin writes refused (POST /admin/keys 503, nothing created).
    /// Resumed, the flusher drains and all of it recovers.
    func testAFullSpoolWithPostgresUpIsNotReadyAndRefusesChecksAndAdminWrites() throws {
        let stack = try start("spoolfullpgup", ["CONVERGENCE_AUDIT_BUFFER_BYTES": "65536"])
        let adminKey = try stack.createAdminKey()
        let admin = ["Authorization": "Bearer \(adminKey)"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "full_up"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String)
        let customerID = try XCTUnwrap(try onboarded.json()["customer_id"] as? String)
        let headers = ["Authorization": "Bearer \(key)"]
        let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#
        let flusher = try XCTUnwrap(stack.server.children(role: "audit-flusher").first)
        XCTAssertEqual(kill(flusher, SIGSTOP), 0)
        defer { kill(flusher, SIGCONT) }

        var refused: HTTPClient.Response?
        for _ in 0..<3000 {
            let response = try stack.client.post("/v1/check", json: body, headers: headers)
            if response.status != 200 { refused = response; break }
        }
        let full = try XCTUnwrap(refused, "the spool never filled")
        XCTAssertEqual(full.status, 503, full.text)
        XCTAssertEqual(errorOf(full)["code"] as? String, "audit_unavailable", full.text)
        XCTAssertEqual(full.headers["retry-after"], "1")

        // The worker answering /ready may refresh its estimate of the shared backlog up to
        // 100 ms after the one that refused.
        var ready = try stack.client.get("/ready")
        _ = waitUntil(timeout: 3, interval: 0.05) {
            ready = (try? stack.client.get("/ready")) ?? ready
            return ((try? ready.json())?["audit"] as? [String: Any])?["full"] as? Bool == true
        }
        XCTAssertEqual(ready.status, 503, ready.text)
        let readyBody = try ready.json()
        XCTAssertEqual((readyBody["audit"] as? [String: Any])?["full"] as? Bool, true, ready.text)
        let checks = try XCTUnwrap(readyBody["checks"] as? [String: Any], ready.text)
        XCTAssertEqual((checks["postgres"] as? [String: Any])?["ok"] as? Bool, true, "PostgreSQL is up: \(ready.text)")
        XCTAssertEqual(try stack.postgres.psql("SELECT 1"), "1")

        let keysBefore = try stack.postgres.psql("SELECT count(*) FROM convergence.api_keys")
        let write = try stack.client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "name": "during-full"}"#, headers: admin)
        XCTAssertEqual(write.status, 503, write.text)
        XCTAssertEqual(errorOf(write)["code"] as? String, "audit_unavailable", write.text)
        XCTAssertEqual(write.headers["retry-after"], "1")
        XCTAssertFalse(write.text.contains("sk_live_"), "no key was issued")
        XCTAssertEqual(try stack.postgres.psql("SELECT count(*) FROM convergence.api_keys"), keysBefore, "nothing created")
        // Reads are not audited: still answered.
        XCTAssertEqual(try stack.client.get("/admin/customers", headers: admin).status, 200)

        XCTAssertEqual(kill(flusher, SIGCONT), 0)
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.1) { (try? stack.client.get("/ready").status) == 200 },
                      (try? stack.client.get("/ready").text) ?? "")
        // /ready answered by one worker; the others see the drained backlog at their next
        // estimate (every 100 ms): a client that honours Retry-After gets through.
        var check = try stack.client.post("/v1/check", json: body, headers: headers)
        XCTAssertTrue(waitUntil(timeout: 5, interval: 0.1) {
            check = (try? stack.client.post("/v1/check", json: body, headers: headers)) ?? check
            return check.status == 200
        }, check.text)
        var created = try stack.client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin)
        _ = waitUntil(timeout: 5, interval: 0.1) {
            guard created.status == 503 else { return true }
            created = (try? stack.client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)"}"#, headers: admin)) ?? created
            return created.status != 503
        }
        XCTAssertEqual(created.status, 201, created.text)
    }

    // MARK: - Master keys

    static func masterKey(_ id: String) -> String {
        "\(id):" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// The stored credential of `provider`, opened with `keyring` as the server would.
    func openCredential(_ stack: TestStack, tenant: String, provider: String, keyring: MasterKeyring) throws -> String {
        let row = try stack.postgres.psql(
            "SELECT master_key_id || ' ' || encode(nonce, 'hex') || ' ' || encode(ciphertext, 'hex') FROM \(tenant).cloud_credentials WHERE provider = '\(provider)'")
        let parts = row.split(separator: " ").map(String.init)
        guard parts.count == 3 else { throw HarnessError("no credential row: \(row)") }
        func bytes(_ hex: String) -> [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
        }
        let plain = try keyring.open(AESGCM.Sealed(nonce: bytes(parts[1]), ciphertext: bytes(parts[2])), keyID: parts[0],
                                     context: "\(tenant)/\(provider)")
        return String(decoding: plain, as: UTF8.self)
    }

    /// docs/operations.md "Keys and secrets": the first keyring entry encrypts, every entry
    /// decrypts. A credential written under key A stays readable after key B is put first
    /// (restart with "B,A"); new writes use B; B alone cannot read A's row, A alone not B's.
    func testCredentialsSurviveAMasterKeyRotation() throws {
        let keyA = Self.masterKey("ka"), keyB = Self.masterKey("kb")
        let stack = try start("masterrotate", ["CONVERGENCE_MASTER_KEY": keyA])
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "rotate_mk"}"#, headers: admin)
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String, onboarded.text)
        let headers = ["X-API-Key": key, "Content-Type": "application/json"]
        let path = "/api/v1/tenants/rotate_mk/credentials"
        let oldSecret = #"{"secret": "written-under-A"}"#
        let put = try stack.client.send("PUT", path + "/old", headers: headers, body: Data(oldSecret.utf8))
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(try put.json()["master_key_id"] as? String, "ka")

        stack.server.signal(SIGTERM)
        XCTAssertEqual(stack.server.waitForExit(timeout: 15), 0)
        try stack.restartServer(overrides: ["CONVERGENCE_MASTER_KEY": "\(keyB),\(keyA)"])
        let newSecret = #"{"secret": "written-under-B"}"#
        let putNew = try stack.client.send("PUT", path + "/new", headers: headers, body: Data(newSecret.utf8))
        XCTAssertEqual(putNew.status, 200, putNew.text)
        XCTAssertEqual(try putNew.json()["master_key_id"] as? String, "kb", "new writes use the first entry")
        // The old row is untouched and still listed under A.
        let listed = try stack.client.get(path, headers: ["X-API-Key": key]).json()["credentials"] as? [[String: Any]] ?? []
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: listed.map { ($0["provider"] as? String ?? "", $0["master_key_id"] as? String ?? "") }),
                       ["old": "ka", "new": "kb"])

        let rotated = try MasterKeyring(text: "\(keyB),\(keyA)")
        XCTAssertEqual(try openCredential(stack, tenant: "rotate_mk", provider: "old", keyring: rotated), oldSecret)
        XCTAssertEqual(try openCredential(stack, tenant: "rotate_mk", provider: "new", keyring: rotated), newSecret)
        XCTAssertThrowsError(try openCredential(stack, tenant: "rotate_mk", provider: "old", keyring: try MasterKeyring(text: keyB)))
        XCTAssertThrowsError(try openCredential(stack, tenant: "rotate_mk", provider: "new", keyring: try MasterKeyring(text: keyA)))
        // Re-writing the old credential moves it to B.
        let rewrite = try stack.client.send("PUT", path + "/old", headers: headers, body: Data(oldSecret.utf8))
        XCTAssertEqual(try rewrite.json()["master_key_id"] as? String, "kb", rewrite.text)
    }

    /// docs/operations.md: `dev_mode = true` lets `serve` start without a master key; storing
    /// a credential then answers 503 `master_key_unavailable` and stores nothing, in no form
    /// (never a plaintext fallback); the metadata routes, which need no key, still answer.
    func testDevModeWithoutAMasterKeyRefusesToStoreCredentials() throws {
        let stack = try start("devmode", ["CONVERGENCE_MASTER_KEY": "", "CONVERGENCE_DEV_MODE": "true"])
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "dev_nokey"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String)
        let path = "/api/v1/tenants/dev_nokey/credentials"
        for provider in ["gcp", "aws"] {
            let put = try stack.client.send("PUT", path + "/\(provider)", headers: ["X-API-Key": key, "Content-Type": "application/json"],
                                            body: Data(#"{"secret": "plain-text-never"}"#.utf8))
            XCTAssertEqual(put.status, 503, put.text)
            XCTAssertEqual(errorOf(put)["code"] as? String, "master_key_unavailable", put.text)
        }
        XCTAssertEqual(try stack.postgres.psql("SELECT count(*) FROM dev_nokey.cloud_credentials"), "0", "nothing stored, in no form")
        XCTAssertEqual(try stack.client.get(path, headers: ["X-API-Key": key]).text, #"{"credentials":[]}"#)
        XCTAssertEqual(try stack.client.get(path + "/gcp", headers: ["X-API-Key": key]).status, 404)
        // The rest of the service works.
        XCTAssertEqual(try stack.client.post("/v1/check", json: #"{"operations": [{"type": "llm_call", "model": "gpt-4"}]}"#,
                                             headers: ["X-API-Key": key]).status, 200)
    }
}

extension PromisesOwnStackTests {
    /// The shipped production nginx config (nginx/convergence-production.conf with its three
    /// snippets) serving real traffic, not only passing `nginx -t`: rendered into a temp
    /// prefix with only ports, certificate, socket and log paths swapped, started, and sent
    /// /health and a check over TLS (HTTP/2, certificate verified) and plain HTTP (redirect).
    func testProductionNginxConfigServesChecksOverTLS() throws {
        let stack = try start("prodnginx")
        let adminKey = try stack.createAdminKey()
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "prod_edge"}"#,
                                              headers: ["Authorization": "Bearer \(adminKey)"])
        let key = try XCTUnwrap(try onboarded.json()["api_key"] as? String, onboarded.text)

        let prefix = stack.directory.appendingPathComponent("nginx-production").path
        for sub in ["snippets", "logs", "tmp", "ssl"] {
            try FileManager.default.createDirectory(atPath: "\(prefix)/\(sub)", withIntermediateDirectories: true)
        }
        _ = try Shell.run(["chmod", "0755", prefix, "\(prefix)/logs", "\(prefix)/tmp"])
        let httpPort = TestPaths.freePort(), httpsPort = TestPaths.freePort()
        let root = TestPaths.repositoryRoot
        func render(_ source: String, to target: String, _ swaps: [(String, String)]) throws {
            var text = try String(contentsOf: root.appendingPathComponent(source), encoding: .utf8)
            for (from, to) in swaps {
                XCTAssertTrue(text.contains(from), "\(source) no longer contains \(from)")
                text = text.replacingOccurrences(of: from, with: to)
            }
            try text.write(toFile: target, atomically: true, encoding: .utf8)
        }
        try render("nginx/snippets/convergence-http.conf", to: "\(prefix)/snippets/convergence-http.conf",
                   [("/run/convergence/convergence.sock", stack.server.socketPath)])
        try render("nginx/snippets/convergence.conf", to: "\(prefix)/snippets/convergence.conf",
                   [("/var/log/nginx/", "\(prefix)/logs/"), ("/usr/local/share/convergence", root.path)])
        try render("nginx/snippets/convergence-tls.conf", to: "\(prefix)/snippets/convergence-tls.conf", [])
        try render("nginx/convergence-production.conf", to: "\(prefix)/convergence-production.conf", [
            ("/etc/nginx/snippets/", "\(prefix)/snippets/"), ("/etc/ssl/certs/convergence.pem", "\(prefix)/ssl/cert.pem"),
            ("/etc/ssl/private/convergence.key", "\(prefix)/ssl/key.pem"),
            ("listen 80;", "listen 127.0.0.1:\(httpPort);"), ("listen [::]:80;", "listen [::1]:\(httpPort);"),
            ("listen 443 ssl http2;", "listen 127.0.0.1:\(httpsPort) ssl http2;"),
            ("listen [::]:443 ssl http2;", "listen [::1]:\(httpsPort) ssl http2;"),
        ])
        try Shell.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=api.example.com",
                       "-addext", "subjectAltName=DNS:api.example.com", "-keyout", "\(prefix)/ssl/key.pem", "-out", "\(prefix)/ssl/cert.pem"])
        // A Debian-like nginx.conf (as root, Debian's workers run as www-data).
        let main = """
            \(TestPaths.isRoot ? "user www-data;" : "")
            worker_processes 1;
            worker_rlimit_nofile 65536;
            pid \(prefix)/logs/nginx.pid;
            error_log \(prefix)/logs/error.log;
            events { worker_connections 16384; }
            http {
                default_type application/octet-stream;
                client_body_temp_path \(prefix)/tmp/client_body;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                proxy_temp_path \(prefix)/tmp/proxy;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
                access_log \(prefix)/logs/access.log;
                include \(prefix)/convergence-production.conf;
            }
            """
        try main.write(toFile: "\(prefix)/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = ["nginx", "-p", prefix, "-c", "\(prefix)/nginx.conf", "-e", "\(prefix)/logs/error.log"]
        try Shell.run(nginx)
        defer {
            _ = try? Shell.run(nginx + ["-s", "quit"], check: false)
            _ = waitUntil(timeout: 5) { !FileManager.default.fileExists(atPath: "\(prefix)/logs/nginx.pid") }
        }

        // Plain HTTP only redirects.
        let plain = try HTTPClient(port: httpPort).get("/health")
        XCTAssertEqual(plain.status, 301, plain.text)
        XCTAssertEqual(plain.headers["location"], "https://127.0.0.1/health")
        XCTAssertEqual(plain.headers["x-content-type-options"], "nosniff")

        // TLS with the certificate verified, over HTTP/2.
        func curl(_ arguments: [String]) throws -> (status: String, headers: String, body: String) {
            let headerFile = "\(prefix)/tmp/curl-headers", bodyFile = "\(prefix)/tmp/curl-body"
            let result = try Shell.run(["curl", "-sS", "--http2", "--max-time", "10", "--cacert", "\(prefix)/ssl/cert.pem",
                                        "--resolve", "api.example.com:\(httpsPort):127.0.0.1", "-D", headerFile, "-o", bodyFile,
                                        "-w", "%{http_code} %{http_version}"] + arguments, stdoutOnly: true)
            return (result.output, (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "",
                    (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? "")
        }
        let base = "https://api.example.com:\(httpsPort)"
        let health = try curl(["\(base)/health"])
        XCTAssertEqual(health.status, "200 2", health.headers)
        XCTAssertEqual(health.body.trimmingCharacters(in: .whitespacesAndNewlines), #"{"status":"ok"}"#)
        XCTAssertTrue(health.headers.lowercased().contains("strict-transport-security: max-age=63072000; includesubdomains"), health.headers)
        XCTAssertNotNil(health.headers.range(of: "x-request-id: req_[0-9a-f]{32}", options: [.regularExpression, .caseInsensitive]), health.headers)

        let check = try curl(["-X", "POST", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(key)",
                              "--data", #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#, "\(base)/v1/check"])
        XCTAssertEqual(check.status, "200 2", check.headers + check.body)
        let decision = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(check.body.utf8)) as? [String: Any], check.body)
        XCTAssertNotNil(decision["allowed"] as? Bool, check.body)
        XCTAssertFalse(check.headers.lowercased().contains("x-convergence-"), "backend headers stay hidden: \(check.headers)")
        // nginx's own errors keep the API format there too (an unknown Transfer-Encoding: 501).
        let refused = try curl(["-H", "Transfer-Encoding: gzip", "--http1.1", "\(base)/health"])
        XCTAssertEqual(refused.status, "501 1.1", refused.body)
        XCTAssertTrue(refused.body.contains(#""code":"not_implemented""#), refused.body)
        // The sanitised JSON access log of the snippet, at its (swapped) path.
        let requestID = try XCTUnwrap(check.headers.range(of: "req_[0-9a-f]{32}", options: .regularExpression).map { String(check.headers[$0]) })
        let accessLog = "\(prefix)/logs/convergence.access.log"
        XCTAssertTrue(waitUntil(timeout: 3) { ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").contains(requestID) })
        let line = ((try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? "").split(separator: "\n").first { $0.contains(requestID) } ?? ""
        XCTAssertTrue(line.contains(#""customer":"prod_edge""#), String(line))
        // The dashboard (issue 17) from the production snippet, with its own headers and HSTS kept.
        let dashboard = try curl(["\(base)/dashboard/"])
        XCTAssertEqual(dashboard.status, "200 2", dashboard.headers)
        XCTAssertTrue(dashboard.body.contains(#"<script type="module" src="app.js">"#), dashboard.body)
        let dashboardHeaders = dashboard.headers.lowercased()
        for header in ["content-security-policy: default-src 'self'; script-src 'self'", "referrer-policy: no-referrer",
                       "x-content-type-options: nosniff", "strict-transport-security: max-age=63072000", "x-request-id: req_"] {
            XCTAssertTrue(dashboardHeaders.contains(header), "\(header) missing: \(dashboard.headers)")
        }
        XCTAssertEqual(try curl(["\(base)/dashboard"]).status, "301 2")
        // Signed in over TLS, the session cookie is Secure (nginx passes HTTPS=on).
        let session = try curl(["-X", "POST", "-H", "Content-Type: application/json", "--data", #"{"key": "\#(adminKey)"}"#,
                                "\(base)/admin/session"])
        XCTAssertEqual(session.status, "201 2", session.body)
        let cookie = session.headers.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix("set-cookie: cv_session=") } ?? ""
        XCTAssertTrue(cookie.lowercased().contains("; secure"), String(cookie))
        XCTAssertTrue(cookie.lowercased().contains("httponly"), String(cookie))
    }
}

/// One value set from another thread.
final class Outcome: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: String?
    func set(_ value: String) { lock.withLock { stored = value } }
    var value: String? { lock.withLock { stored } }
}

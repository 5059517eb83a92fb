import ConvergenceTestSupport
import Foundation
import Synchronization
import XCTest

/// `GET /logs` and `GET /v1/logs` through nginx: contents, order, pages,
/// filters, tenant isolation and bad input.
final class AuditLogAPITests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var admin: [String: String] = [:]
    nonisolated(unsafe) static var adminKeyID = ""
    nonisolated(unsafe) static var keyA = ""
    nonisolated(unsafe) static var keyB = ""
    nonisolated(unsafe) static var customerA = ""
    nonisolated(unsafe) static var customerB = ""
    nonisolated(unsafe) static var blockedRequestID = ""

    static let allowed = #"{"operations": [{"type": "data_query", "records": 10, "input": "summarise the report"}], "context": {"user_id": "user_123", "session_id": "session_456"}}"#
    static let blocked = #"{"operations": [{"type": "data_export", "input": "mail jane.doe@example.com"}], "context": {"user_id": "user_9"}}"#

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "auditapi")
            admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
            adminKeyID = try stack.postgres.psql("SELECT key_id FROM convergence.api_keys WHERE kind = 'admin'")
            for tenant in ["logs_a", "logs_b"] {
                let body = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin).json()
                if tenant == "logs_a" {
                    keyA = body["api_key"] as? String ?? ""
                    customerA = body["customer_id"] as? String ?? ""
                } else {
                    keyB = body["api_key"] as? String ?? ""
                    customerB = body["customer_id"] as? String ?? ""
                }
            }
            for _ in 0..<5 { _ = try stack.client.post("/v1/check", json: allowed, headers: ["Authorization": "Bearer \(keyA)"]) }
            for _ in 0..<2 {
                let response = try stack.client.post("/v1/check", json: blocked, headers: ["Authorization": "Bearer \(keyA)"])
                blockedRequestID = response.headers["x-request-id"] ?? ""
            }
            for _ in 0..<3 { _ = try stack.client.post("/v1/check", json: allowed, headers: ["Authorization": "Bearer \(keyB)"]) }
            _ = waitUntil(timeout: 15, interval: 0.1) {
                (try? stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'")) == "10"
            }
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { Self.stack.client }
    var customerA: [String: String] { ["Authorization": "Bearer \(Self.keyA)"] }

    func page(_ path: String, _ headers: [String: String]) throws -> (logs: [[String: Any]], next: String?) {
        let response = try client.get(path, headers: headers)
        XCTAssertEqual(response.status, 200, response.text)
        let body = try response.json()
        return (body["logs"] as? [[String: Any]] ?? [], body["next_cursor"] as? String)
    }

    func errorCode(_ response: HTTPClient.Response) -> String {
        ((try? response.json())?["error"] as? [String: Any])?["code"] as? String ?? "(no error code: \(response.text))"
    }

    func testAdminPagesThroughEveryCheckNewestFirstWithoutRepeats() throws {
        var seen: [[String: Any]] = []
        var path = "/logs?kind=check&limit=3"
        var pages = 0
        while true {
            let (logs, next) = try page(path, Self.admin)
            XCTAssertLessThanOrEqual(logs.count, 3)
            seen += logs
            pages += 1
            guard let next else { break }
            path = "/logs?kind=check&limit=3&cursor=\(next)"
            XCTAssertLessThan(pages, 10, "pagination does not end")
        }
        XCTAssertEqual(pages, 4)
        XCTAssertEqual(seen.count, 10)
        XCTAssertEqual(Set(seen.compactMap { $0["id"] as? String }).count, 10, "no row twice")
        let times = seen.compactMap { $0["created_at"] as? String }
        XCTAssertEqual(times, times.sorted(by: >), "newest first")
    }

    func testRecordsCarryTheDecisionAndNoInputText() throws {
        let (logs, _) = try page("/logs?request_id=\(Self.blockedRequestID)", Self.admin)
        XCTAssertEqual(logs.count, 1)
        let record = try XCTUnwrap(logs.first)
        XCTAssertEqual(record["decision"] as? String, "block")
        XCTAssertEqual(record["customer_id"] as? String, Self.customerA)
        XCTAssertEqual(record["user_id"] as? String, "user_9")
        XCTAssertGreaterThanOrEqual(record["risk_score"] as? Int ?? 0, 50)
        XCTAssertEqual((record["reasons"] as? [[String: Any]])?.first?["factor"] as? String, "personal_data")
        XCTAssertEqual((record["operations"] as? [[String: Any]])?.first?["type"] as? String, "data_export")
        XCTAssertNotNil(record["latency_ms"] as? Double)
        let text = try client.get("/logs?customer_id=\(Self.customerA)&limit=1000", headers: Self.admin).text
        XCTAssertFalse(text.contains("jane.doe"), "PII never reaches the audit trail")
        XCTAssertFalse(text.contains("summarise the report"), "input text never reaches the audit trail")
    }

    func testFiltersNarrowTheResult() throws {
        XCTAssertEqual(try page("/logs?customer_id=\(Self.customerA)&decision=block", Self.admin).logs.count, 2)
        XCTAssertEqual(try page("/logs?customer_id=\(Self.customerA)&decision=allow", Self.admin).logs.count, 5)
        XCTAssertEqual(try page("/logs?customer_id=\(Self.customerB)&kind=check", Self.admin).logs.count, 3)
        XCTAssertEqual(try page("/logs?kind=check&since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z", Self.admin).logs.count, 0)
        XCTAssertEqual(try page("/logs?kind=check&since=2000-01-01T00:00:00Z", Self.admin).logs.count, 10)
    }

    func testAdminMutationsAreRecordedWithTheActingKey() throws {
        let policy = try client.post("/policies", json: #"{"customer_id": "\#(Self.customerB)", "name": "p", "rules": {"max_tokens": 100}}"#,
                                     headers: Self.admin)
        XCTAssertEqual(policy.status, 201, policy.text)
        let policyID = try policy.json()["id"] as? String ?? ""
        XCTAssertTrue(waitUntil(timeout: 10) {
            ((try? self.page("/logs?kind=admin&customer_id=\(Self.customerB)", Self.admin).logs) ?? [])
                .contains { ($0["action"] as? String) == "policy.create" }
        })
        let records = try page("/logs?kind=admin&customer_id=\(Self.customerB)", Self.admin).logs
        let created = try XCTUnwrap(records.first { ($0["action"] as? String) == "policy.create" })
        XCTAssertEqual(created["key_id"] as? String, Self.adminKeyID)
        XCTAssertEqual(created["target"] as? String, "policy:\(policyID):1")
        XCTAssertTrue(records.contains { ($0["action"] as? String) == "customer.onboard" })
        // `convergence admin create-key` (setUp) is recorded too, in its own transaction.
        let all = try page("/logs?kind=admin&limit=1000", Self.admin).logs
        XCTAssertTrue(all.contains { ($0["action"] as? String) == "admin_key.create" && ($0["target"] as? String) == "key:\(Self.adminKeyID)" },
                      "\(all)")
    }

    func testACustomerSeesOnlyItsOwnChecks() throws {
        let (logs, _) = try page("/v1/logs?limit=1000", customerA)
        XCTAssertEqual(logs.count, 7)
        XCTAssertTrue(logs.allSatisfy { ($0["customer_id"] as? String) == Self.customerA && ($0["kind"] as? String) == "check" })
        XCTAssertEqual(try page("/v1/logs?customer_id=\(Self.customerA)&decision=block", customerA).logs.count, 2)

        let other = try client.get("/v1/logs?customer_id=\(Self.customerB)", headers: customerA)
        XCTAssertEqual(other.status, 403, other.text)
        XCTAssertFalse(other.text.contains(Self.customerB) && other.text.contains("logs"))
        XCTAssertEqual(try client.get("/v1/logs?kind=admin", headers: customerA).status, 400)
        XCTAssertEqual(try client.get("/logs", headers: customerA).status, 403, "customers do not read the operators' log")
        XCTAssertEqual(try client.get("/v1/logs", headers: Self.admin).status, 403)
        XCTAssertEqual(try client.get("/v1/logs").status, 401)

        // A cursor from a query over customer B is refused for A, never a window into B's rows.
        let (_, bCursor) = try page("/logs?customer_id=\(Self.customerB)&kind=check&limit=1", Self.admin)
        let reused = try client.get("/v1/logs?cursor=\(try XCTUnwrap(bCursor))", headers: customerA)
        XCTAssertEqual(reused.status, 400, reused.text)
        XCTAssertEqual(errorCode(reused), "invalid_cursor")
    }

    func testBadInputIs400AndNeverAServerError() throws {
        let cases: [(String, String)] = [
            ("since=not-a-date", "invalid_since"), ("until=2026-13-01T00:00:00Z", "invalid_until"),
            ("since=2026-01-01T00:00:00%2B25:00", "invalid_since"), ("limit=0", "invalid_limit"), ("limit=-1", "invalid_limit"),
            ("limit=1001", "invalid_limit"), ("limit=abc", "invalid_limit"), ("limit=%zz", "invalid_limit"),
            ("limit=18446744073709551616", "invalid_limit"), ("decision=perhaps", "invalid_decision"),
            ("customer_id=1%27%20OR%201=1", "invalid_customer_id"), ("cursor=forged", "invalid_cursor"),
            ("cursor=djF8MTIzfDBiN2UzYzFhLTMzMzMtNDAwMC04MDAwLTAwMDAwMDAwMDAwMw", "invalid_cursor"),
            ("cursor=" + String(repeating: "A", count: 300), "invalid_cursor"), ("kind=other", "invalid_kind"),
            ("request_id=%00", "invalid_request_id"), ("bogus=1", "invalid_parameter"),
        ]
        for (query, code) in cases {
            for (path, headers) in [("/logs", Self.admin), ("/v1/logs", customerA)] {
                let response = try client.get("\(path)?\(query)", headers: headers)
                XCTAssertEqual(response.status, 400, "\(path)?\(query): \(response.text)")
                XCTAssertEqual(errorCode(response), code, "\(path)?\(query)")
            }
        }
        // A real cursor with one character changed.
        let (_, cursor) = try page("/v1/logs?limit=1", customerA)
        var bytes = Array(try XCTUnwrap(cursor).utf8)
        bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
        XCTAssertEqual(try client.get("/v1/logs?limit=1&cursor=\(String(decoding: bytes, as: UTF8.self))", headers: customerA).status, 400)
    }

    /// "Did any restricted operation reach an external provider between two dates?" is one
    /// `/logs` query (docs/governance.md): the class and the deciding rule stay in the record.
    func testRoutingQuestionsAreOneLogsQuery() throws {
        let onboarded = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "logs_routing"}"#, headers: Self.admin).json()
        let key = try XCTUnwrap(onboarded["api_key"] as? String)
        let customer = try XCTUnwrap(onboarded["customer_id"] as? String)
        let policy = #"{"customer_id": "\#(customer)", "name": "routing", "mode": "monitor", "#
            + #""rules": {"classifications": {"restricted": {"allowed_providers": ["internal"]}}}}"#
        XCTAssertEqual(try client.post("/policies", json: policy, headers: Self.admin).status, 201)
        Thread.sleep(forTimeInterval: 0.6)
        func send(_ cls: String, _ provider: String) throws -> [String: Any] {
            let body = #"{"operations": [{"type": "data_query", "provider": "\#(provider)", "data_classification": "\#(cls)"}]}"#
            return try client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"]).json()
        }
        let leaked = try send("Restricted", "openai")
        XCTAssertEqual(leaked["would_block"] as? Bool, true, "\(leaked)")
        _ = try send("restricted", "internal")
        _ = try send("public", "openai")
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.1) {
            (try? Self.stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check' AND customer_id = '\(customer)'")) == "3"
        })
        let base = "/logs?customer_id=\(customer)&kind=check&since=2020-01-01T00:00:00Z&until=2999-01-01T00:00:00Z"
        let outside = try page(base + "&classification=restricted&external=true", Self.admin).logs
        XCTAssertEqual(outside.count, 1)
        XCTAssertEqual(outside.first?["request_id"] as? String, leaked["request_id"] as? String)
        XCTAssertEqual((outside.first?["violations"] as? [[String: Any]])?.first?["rule"] as? String, "classifications")
        XCTAssertEqual(try page(base + "&classification=restricted&external=false", Self.admin).logs.count, 1)
        XCTAssertEqual(try page(base + "&classification=RESTRICTED", Self.admin).logs.count, 2)
        XCTAssertEqual(try page(base + "&external=true", Self.admin).logs.count, 2)
        XCTAssertEqual(try page(base + "&rule=classifications", Self.admin).logs.count, 1)
        XCTAssertEqual(try page(base + "&rule=max_tokens", Self.admin).logs.count, 0)
        // Pages keep the filters: a cursor from one query is refused by another.
        let first = try page(base + "&external=true&limit=1", Self.admin)
        let next = try XCTUnwrap(first.next)
        XCTAssertEqual(try page(base + "&external=true&limit=1&cursor=\(next)", Self.admin).logs.count, 1)
        XCTAssertEqual(errorCode(try client.get(base + "&external=false&limit=1&cursor=\(next)", headers: Self.admin)), "invalid_cursor")
        XCTAssertEqual(errorCode(try client.get("/logs?external=maybe", headers: Self.admin)), "invalid_external")
        XCTAssertEqual(errorCode(try client.get("/logs?rule=DROP%20TABLE", headers: Self.admin)), "invalid_rule")
        XCTAssertEqual(errorCode(try client.get("/logs?classification=", headers: Self.admin)), "invalid_classification")
    }

}

/// A spool filled during a PostgreSQL outage, under fail_closed and fail_open. (The full
/// spool with PostgreSQL up — /ready 503 for the spool alone, Retry-After, refused admin
/// writes — is PromisesOwnStackTests.testAFullSpoolWithPostgresUpIsNotReadyAndRefusesChecksAndAdminWrites.)
final class AuditBufferFullTests: XCTestCase {
    /// 64 checks from 16 clients at once: more than one worker's threads, so every
    /// worker has read the key and the policies before PostgreSQL goes away (a worker
    /// takes connections as its threads free up; sequential requests may all land on
    /// one). Returns how many were answered 200.
    /// Checks streamed to the FastCGI socket until every worker process has answered one:
    /// each worker's key and policy caches then hold what an outage falls back on
    /// (sequential requests through nginx may all land on one worker). With a small buffer
    /// the burst may fill the spool: under fail_closed some warm-up checks are refused, under
    /// fail_open some records dropped. The number of checks answered 200; -1 when a worker
    /// never answered one.
    func warmEveryWorker(_ stack: TestStack, body: String, headers: [String: String]) -> Int {
        let stream = WorkerStream(client: FastCGIClient(.unix(stack.server.socketPath))) {
            ("POST", "/v1/check", headers.merging(["Content-Type": "application/json"]) { $1 }, Data(body.utf8))
        }
        let workers = Set(stack.server.workerPIDs.map(String.init))
        let everyWorker = waitUntil(timeout: 20) { Set(stream.all.filter { $0.status == 200 }.map(\.pid)) == workers }
        stream.stop()
        return everyWorker ? stream.all.filter { $0.status == 200 }.count : -1
    }

    /// PostgreSQL down fills the spool: checks are refused with 503 `audit_unavailable`
    /// (`/ready` is 503 for PostgreSQL already; it also reports `audit.full`), until
    /// PostgreSQL returns and takes the backlog.
    func testASpoolFilledDuringAPostgresOutageRefusesChecksUntilItDrains() throws {
        let stack = try TestStack(label: "auditfull", overrides: ["CONVERGENCE_AUDIT_BUFFER_BYTES": "65536"])
        defer { stack.stop() }
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let key = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "full_a"}"#, headers: admin).json()["api_key"] as? String ?? ""
        let headers = ["Authorization": "Bearer \(key)"]
        let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#
        XCTAssertGreaterThan(warmEveryWorker(stack, body: body, headers: headers), 0, "every worker warmed")
        // The outage starts from an empty spool: the warm-up's records are in PostgreSQL.
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.1) {
            ((try? stack.client.get("/ready").json())?["audit"] as? [String: Any])?["backlog_bytes"] as? Int == 0
        })
        try stack.postgres.stop()
        var refused: HTTPClient.Response?
        for _ in 0..<2000 {
            let response = try stack.client.post("/v1/check", json: body, headers: headers)
            if response.status == 503 { refused = response; break }
            XCTAssertEqual(response.status, 200, response.text)
        }
        let full = try XCTUnwrap(refused, "the spool never filled")
        XCTAssertEqual(((try full.json())["error"] as? [String: Any])?["code"] as? String, "audit_unavailable", full.text)
        XCTAssertEqual(full.headers["retry-after"], "1")
        // The worker answering /ready may refresh its estimate of the shared backlog up to
        // 100 ms after the one that refused.
        var ready = try stack.client.get("/ready")
        _ = waitUntil(timeout: 3, interval: 0.05) {
            ready = (try? stack.client.get("/ready")) ?? ready
            return ((try? ready.json())?["audit"] as? [String: Any])?["full"] as? Bool == true
        }
        XCTAssertEqual(ready.status, 503)
        XCTAssertEqual((try ready.json()["audit"] as? [String: Any])?["full"] as? Bool, true, ready.text)

        try stack.postgres.start()
        XCTAssertTrue(waitUntil(timeout: 20, interval: 0.2) {
            (try? stack.client.post("/v1/check", json: body, headers: headers).status) == 200
        }, "checks are accepted again once the backlog drains")
    }

    /// fail_open: checks keep being answered; every one is either stored or counted as dropped.
    func testAFullSpoolUnderFailOpenAnswersAndCountsEveryDrop() throws {
        let stack = try TestStack(label: "auditopen", overrides: ["CONVERGENCE_AUDIT_BUFFER_BYTES": "65536",
                                                                  "CONVERGENCE_AUDIT_FULL_POLICY": "fail_open"])
        defer { stack.stop() }
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let key = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "open_a"}"#, headers: admin).json()["api_key"] as? String ?? ""
        let headers = ["Authorization": "Bearer \(key)"]
        let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#
        var answered = warmEveryWorker(stack, body: body, headers: headers)
        XCTAssertGreaterThan(answered, 0, "every worker warmed")
        func metric(_ name: String) -> Double {
            let text = (try? stack.client.get("/metrics").text) ?? ""
            return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? -1
        }
        // The outage starts from an empty spool: the warm-up's records are in PostgreSQL.
        XCTAssertTrue(waitUntil(timeout: 10, interval: 0.1) { metric("convergence_audit_backlog_bytes") == 0 })
        let droppedBefore = metric("convergence_audit_records_dropped_total") // by the warm-up burst, if any
        try stack.postgres.stop()
        for _ in 0..<800 {
            XCTAssertEqual(try stack.client.post("/v1/check", json: body, headers: headers).status, 200)
            answered += 1
            if answered % 50 == 0, metric("convergence_audit_records_dropped_total") > droppedBefore { break }
        }
        let dropped = metric("convergence_audit_records_dropped_total")
        XCTAssertGreaterThan(dropped, droppedBefore, "the spool never filled")
        // Each worker's estimate of the shared backlog is refreshed every 100 ms: the worker
        // answering /ready may see the spool full a moment after the one that dropped.
        XCTAssertTrue(waitUntil(timeout: 3, interval: 0.05) {
            ((try? stack.client.get("/ready").json())?["audit"] as? [String: Any])?["full"] as? Bool == true
        }, "/ready says the spool is full: \((try? stack.client.get("/ready").text) ?? "")")

        try stack.postgres.start()
        XCTAssertTrue(waitUntil(timeout: 30, interval: 0.2) { metric("convergence_audit_backlog_bytes") == 0 }, "the backlog never drained")
        let stored = Double(try stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'")) ?? -1
        XCTAssertEqual(stored + metric("convergence_audit_records_dropped_total"), Double(answered),
                       "every answered check is either in PostgreSQL or counted as dropped")
    }

    /// Records PostgreSQL refuses (here: a constraint an operator added) are not lost:
    /// they wait in rejected.copy, and load once the cause is gone.
    func testRecordsPostgresRefusesAreKeptForReplay() throws {
        let stack = try TestStack(label: "auditreject")
        defer { stack.stop() }
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let key = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "reject_a"}"#, headers: admin).json()["api_key"] as? String ?? ""
        let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#
        _ = try stack.postgres.psql("ALTER TABLE convergence.audit_log ADD CONSTRAINT no_checks CHECK (kind <> 'check') NOT VALID")
        for _ in 0..<6 {
            XCTAssertEqual(try stack.client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"]).status, 200)
        }
        let rejected = stack.directory.appendingPathComponent("audit-spool/rejected.copy").path
        func lines() -> Int { ((try? String(contentsOfFile: rejected, encoding: .utf8)) ?? "").split(separator: "\n").count }
        XCTAssertTrue(waitUntil(timeout: 15) { lines() == 6 }, "refused records were not kept: \(lines())")
        XCTAssertEqual(try stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'"), "0")

        _ = try stack.postgres.psql("ALTER TABLE convergence.audit_log DROP CONSTRAINT no_checks")
        let copy = try String(contentsOfFile: rejected, encoding: .utf8)
        let staged = stack.directory.appendingPathComponent("replay.copy")
        try copy.write(to: staged, atomically: true, encoding: .utf8)
        _ = try Shell.run(["chmod", "644", staged.path])
        _ = try stack.postgres.psql("COPY convergence.audit_log FROM '\(staged.path)'")
        XCTAssertEqual(try stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'"), "6")
    }

    func testPruneAuditDeletesOnlyRecordsOlderThanTheCutOff() throws {
        let stack = try TestStack(label: "auditprune")
        defer { stack.stop() }
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let key = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "prune_a"}"#, headers: admin).json()["api_key"] as? String ?? ""
        let body = #"{"operations": [{"type": "data_query", "records": 1}]}"#
        func check() throws { XCTAssertEqual(try stack.client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"]).status, 200) }
        func count() throws -> String { try stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'") }
        for _ in 0..<3 { try check() }
        XCTAssertTrue(waitUntil(timeout: 10) { (try? count()) == "3" })
        Thread.sleep(forTimeInterval: 0.05)
        let cutoff = try stack.postgres.psql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        Thread.sleep(forTimeInterval: 0.05)
        for _ in 0..<2 { try check() }
        XCTAssertTrue(waitUntil(timeout: 10) { (try? count()) == "5" })

        let environment = ["CONVERGENCE_DATABASE_URL": stack.postgres.url]
        let bad = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", "last tuesday"], environment: environment, check: false)
        XCTAssertEqual(bad.status, 64, bad.output)
        XCTAssertEqual(try count(), "5")
        let pruned = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", cutoff], environment: environment, stdoutOnly: true)
        XCTAssertTrue(pruned.output.hasPrefix("deleted "), pruned.output)
        XCTAssertEqual(try count(), "2", "only the records created before the cut-off go")
    }
}

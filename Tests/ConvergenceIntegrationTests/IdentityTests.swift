import ConvergenceTestSupport
import Foundation
import XCTest

/// Onboarding, customers, keys and credentials through nginx against real PostgreSQL.
final class IdentityTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!
    nonisolated(unsafe) static var adminKey = ""

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "identity")
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
    func psql(_ sql: String) throws -> String { try Self.stack.postgres.psql(sql) }

    func onboard(_ tenant: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return try response.json()
    }

    func errorCode(_ response: HTTPClient.Response) -> String? {
        ((try? response.json())?["error"] as? [String: Any])?["code"] as? String
    }

    // MARK: Onboarding

    func testOnboardingCreatesSchemaTablesAndAKeyShownOnce() throws {
        let body = try onboard("acmeinc_23xv2")
        XCTAssertEqual(body["tenant_id"] as? String, "acmeinc_23xv2")
        XCTAssertEqual(body["dataset_created"] as? Bool, true)
        XCTAssertEqual(body["tables_created"] as? [String], ["api_keys", "cloud_credentials", "pipeline_runs", "step_logs", "dq_results"])
        XCTAssertEqual(body["dryrun_status"] as? String, "SUCCESS")
        let key = try XCTUnwrap(body["api_key"] as? String)
        XCTAssertNotNil(key.range(of: "^acmeinc_23xv2_api_[A-Za-z0-9]{16}$", options: .regularExpression), key)
        let customerID = try XCTUnwrap(body["customer_id"] as? String)

        XCTAssertEqual(try psql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'acmeinc_23xv2'"), "5")
        // Onboarding ran its two pipelines (the onboarding template and the dryrun).
        XCTAssertEqual(try psql("SELECT count(*) FROM \"acmeinc_23xv2\".pipeline_runs WHERE status = 'COMPLETED'"), "2")
        XCTAssertEqual(try psql("SELECT count(*) FROM \"acmeinc_23xv2\".api_keys"), "1")
        // Only a digest is stored: the key itself appears in no column of either table.
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.api_keys WHERE digest = sha256(convert_to('\(key)', 'UTF8'))"), "1")
        XCTAssertFalse(try psql("SELECT string_agg(row_to_json(k)::text, '') FROM convergence.api_keys k").contains(key))
        XCTAssertFalse(try psql("SELECT string_agg(row_to_json(k)::text, '') FROM \"acmeinc_23xv2\".api_keys k").contains(key))

        let listed = try client.get("/admin/keys?customer_id=\(customerID)", headers: admin)
        XCTAssertEqual(listed.status, 200)
        XCTAssertFalse(listed.text.contains(key), "a key is never shown again")
        XCTAssertFalse(listed.text.contains("digest"))
        let keys = try XCTUnwrap(try listed.json()["keys"] as? [[String: Any]])
        XCTAssertEqual(keys.first?["last4"] as? String, String(key.suffix(4)))

        // The key works, both ways of presenting it.
        XCTAssertEqual(try client.get("/api/v1/tenants/acmeinc_23xv2/credentials", headers: ["X-API-Key": key]).status, 200)
        XCTAssertEqual(try client.get("/api/v1/tenants/acmeinc_23xv2/credentials", headers: ["Authorization": "Bearer \(key)"]).status, 200)
    }

    func testDuplicateTenantIs409AndTheFirstIsUntouched() throws {
        let first = try onboard("techcorp_99zx4")
        let key = try XCTUnwrap(first["api_key"] as? String)
        let again = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "techcorp_99zx4"}"#, headers: admin)
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(errorCode(again), "tenant_exists")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.customers WHERE tenant_id = 'techcorp_99zx4'"), "1")
        XCTAssertEqual(try client.get("/api/v1/tenants/techcorp_99zx4/credentials", headers: ["X-API-Key": key]).status, 200)
    }

    func testBadOnboardingInputIs400AndCreatesNothing() throws {
        let customersBefore = try psql("SELECT count(*) FROM convergence.customers")
        let schemasBefore = try psql("SELECT count(*) FROM pg_namespace")
        let bad = ["ab", String(repeating: "a", count: 51), "acme-inc", "acme inc", "ünïcode", "a; DROP SCHEMA x", "public",
                   "pg_catalog", "information_schema", "convergence", "PUBLIC"]
        for tenant in bad {
            let body = try String(decoding: JSONSerialization.data(withJSONObject: ["tenant_id": tenant]), as: UTF8.self)
            let response = try client.post("/api/v1/customers/onboard", json: body, headers: admin)
            XCTAssertEqual(response.status, 400, "\(tenant): \(response.text)")
            XCTAssertEqual(errorCode(response), "invalid_tenant_id", tenant)
        }
        let tier = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "tiered_1", "tier": "gold"}"#, headers: admin)
        XCTAssertEqual(errorCode(tier), "invalid_tier")
        XCTAssertEqual(try client.post("/api/v1/customers/onboard", json: #"{"name": "x"}"#, headers: admin).status, 400)
        XCTAssertEqual(try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": 5}"#, headers: admin).status, 400)
        XCTAssertEqual(try client.send("POST", "/api/v1/customers/onboard", headers: admin.merging(["Content-Type": "text/plain"]) { $1 },
                                       body: Data("tenant_id=x".utf8)).status, 415)
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.customers"), customersBefore)
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace"), schemasBefore)
    }

    func testOnboardingWithoutAnAdminKeyIsRefused() throws {
        XCTAssertEqual(try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "anon_1"}"#).status, 401)
        let tenantKey = try XCTUnwrap(try onboard("keyholder_1")["api_key"] as? String)
        let response = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "anon_2"}"#, headers: ["X-API-Key": tenantKey])
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(errorCode(response), "admin_only")
    }

    func testAFailureHalfwayLeavesNothingBehind() throws {
        // A real failure inside PostgreSQL on the last table: the whole onboarding must roll back.
        _ = try psql("""
            CREATE FUNCTION public.fail_dq() RETURNS event_trigger LANGUAGE plpgsql AS $$
            DECLARE r record;
            BEGIN
              FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
                IF r.object_identity LIKE 'rollback_t1.dq_results' THEN RAISE EXCEPTION 'injected failure'; END IF;
              END LOOP;
            END $$;
            CREATE EVENT TRIGGER fail_dq ON ddl_command_end EXECUTE FUNCTION public.fail_dq();
            """)
        let failed = try client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "rollback_t1"}"#, headers: admin)
        _ = try psql("DROP EVENT TRIGGER fail_dq; DROP FUNCTION public.fail_dq();")
        XCTAssertEqual(failed.status, 500, failed.text)
        XCTAssertFalse(failed.text.contains("injected"), "internal errors are not echoed")
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'rollback_t1'"), "0")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.customers WHERE tenant_id = 'rollback_t1'"), "0")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.api_keys k JOIN convergence.customers c ON c.id = k.customer_id WHERE c.tenant_id = 'rollback_t1'"), "0")
        _ = try onboard("rollback_t1") // and the same tenant can be onboarded afterwards
    }

    // MARK: Keys

    func testKeysRotateWithGraceExpireAndRevokeEverywhereWithinASecond() throws {
        let created = try client.post("/admin/customers", json: #"{"name": "Key Life Inc."}"#, headers: admin)
        XCTAssertEqual(created.status, 201, created.text)
        let customer = try created.json()
        let customerID = try XCTUnwrap(customer["id"] as? String)
        let tenant = try XCTUnwrap(customer["tenant_id"] as? String)
        XCTAssertTrue(tenant.hasPrefix("key_life_inc_"), tenant)
        let path = "/api/v1/tenants/\(tenant)/credentials"

        let issued = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "name": "ci"}"#, headers: admin)
        XCTAssertEqual(issued.status, 201, issued.text)
        let oldKey = try XCTUnwrap(try issued.json()["api_key"] as? String)
        let oldID = try XCTUnwrap(try issued.json()["key_id"] as? String)
        XCTAssertNotNil(oldKey.range(of: "^sk_live_[A-Za-z0-9]{32}$", options: .regularExpression))
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": oldKey]).status, 200)

        let rotated = try client.post("/admin/keys/\(oldID)/rotate", json: #"{"grace_seconds": 2}"#, headers: admin)
        XCTAssertEqual(rotated.status, 201, rotated.text)
        let newKey = try XCTUnwrap(try rotated.json()["api_key"] as? String)
        let newID = try XCTUnwrap(try rotated.json()["key_id"] as? String)
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": newKey]).status, 200)
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": oldKey]).status, 200, "the old key works during the grace period")
        Thread.sleep(forTimeInterval: 3)
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": oldKey]).status, 401, "the old key is refused after the grace period")
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": newKey]).status, 200)

        // Revocation, on every worker: checks streamed to the FastCGI socket from 16 threads
        // so that every worker answers (each names its pid), every worker's cache holding the
        // key before the revocation; after it, no worker may accept the key for a request sent
        // more than 1 s later, and every worker must have answered such a request.
        let workers = Set(Self.stack.server.workerPIDs.map(String.init))
        XCTAssertGreaterThanOrEqual(workers.count, 2)
        let filler = String(repeating: "quarterly numbers for the board ", count: 2000)
        let heavyCheck = Data(#"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}], "context": {"a": "\#(filler)", "b": "\#(filler)", "c": "\#(filler)"}}"#.utf8)
        let checkKey = newKey
        let stream = WorkerStream(client: FastCGIClient(.unix(Self.stack.server.socketPath))) {
            ("POST", "/v1/check", ["Content-Type": "application/json", "X-API-Key": checkKey], heavyCheck)
        }
        defer { stream.stop() }
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.05) { Set(stream.all.filter { $0.status == 200 }.map(\.pid)) == workers },
                      "every worker accepts the key before the revocation: \(Set(stream.all.map(\.pid))) of \(workers)")
        let revoked = try client.send("DELETE", "/admin/keys/\(newID)", headers: admin)
        XCTAssertEqual(revoked.status, 200, revoked.text)
        let deadline = Date().addingTimeInterval(1.0)
        XCTAssertTrue(waitUntil(timeout: 15, interval: 0.05) { stream.workers(sentAfter: deadline) == workers },
                      "every worker answers after the revocation")
        stream.stop()
        let late = stream.all.filter { $0.sent > deadline }
        XCTAssertEqual(Set(late.map(\.status)), [401], "a worker accepted the revoked key more than 1 s after the revocation")
        XCTAssertEqual(late.filter { $0.status != 401 }.map(\.pid), [])
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": newKey]).status, 401)
        XCTAssertEqual(try client.send("DELETE", "/admin/keys/\(newID)", headers: admin).status, 404)

        // An expiring key.
        let expiresAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2))
        let expiring = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "expires_at": "\#(expiresAt)"}"#, headers: admin)
        XCTAssertEqual(expiring.status, 201, expiring.text)
        let shortKey = try XCTUnwrap(try expiring.json()["api_key"] as? String)
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": shortKey]).status, 200)
        Thread.sleep(forTimeInterval: 3)
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": shortKey]).status, 401)
        let past = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "expires_at": "2001-01-01T00:00:00Z"}"#, headers: admin)
        XCTAssertEqual(errorCode(past), "invalid_expires_at")
        // A time whose UTC form would need a five-digit year, a date without a time: refused, nothing stored.
        let keysBefore = try client.get("/admin/keys?customer_id=\(customerID)", headers: admin).text
        for expiry in ["9999-12-31T23:59:59-23:59", "2030-01-01"] {
            let refused = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "expires_at": "\#(expiry)"}"#, headers: admin)
            XCTAssertEqual(errorCode(refused), "invalid_expires_at", expiry)
        }
        XCTAssertEqual(try client.get("/admin/keys?customer_id=\(customerID)", headers: admin).text, keysBefore)
        // An offset is stored as the same instant in UTC.
        let offset = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "expires_at": "2099-06-30T23:30:00-02:00"}"#, headers: admin)
        XCTAssertEqual(offset.status, 201, offset.text)
        XCTAssertEqual(try offset.json()["expires_at"] as? String, "2099-07-01T01:30:00.000Z")
    }

    func testKeyFailuresAre401WithoutDetailAndAdminRoutesNeedAnAdminKey() throws {
        let onboarded = try onboard("authcheck_1")
        let key = try XCTUnwrap(onboarded["api_key"] as? String)
        let path = "/api/v1/tenants/authcheck_1/credentials"
        var mistyped = Array(key)
        mistyped[mistyped.count - 1] = mistyped.last == "a" ? "b" : "a"
        let attempts: [[String: String]] = [
            [:], ["X-API-Key": ""], ["X-API-Key": "nonsense"], ["Authorization": "Basic abc"], ["X-API-Key": String(mistyped)],
            ["X-API-Key": "sk_live_" + String(repeating: "a", count: 32)], ["Authorization": "Bearer sk_live_"],
        ]
        var bodies: Set<String> = []
        for headers in attempts {
            let response = try client.get(path, headers: headers)
            XCTAssertEqual(response.status, 401, "\(headers)")
            XCTAssertEqual(errorCode(response), "invalid_api_key")
            bodies.insert(((try response.json()["error"] as? [String: Any])?["message"] as? String) ?? "")
        }
        XCTAssertEqual(bodies.count, 1, "every failure must read the same")
        // A key with a slow bucket, so that every token taken shows in X-RateLimit-Remaining.
        let customerID = try XCTUnwrap(onboarded["customer_id"] as? String)
        let slow = try client.post("/admin/keys", json: #"{"customer_id": "\#(customerID)", "rate_limit": {"limit": 100, "period_seconds": 86400}}"#,
                                   headers: admin)
        let slowKey = try XCTUnwrap(try slow.json()["api_key"] as? String, slow.text)
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": slowKey]).headers["x-ratelimit-remaining"], "99")
        for (method, route) in [("GET", "/admin/customers"), ("GET", "/admin/keys"), ("POST", "/admin/keys"), ("DELETE", "/admin/keys/key_x")] {
            for customerKey in [key, slowKey] {
                let response = try client.send(method, route, headers: ["X-API-Key": customerKey, "Content-Type": "application/json"],
                                               body: Data("{}".utf8))
                XCTAssertEqual(response.status, 403, "\(method) \(route)")
                XCTAssertEqual(errorCode(response), "admin_only")
            }
        }
        // Refused before any rate limiting: the four 403s took no token from the key's bucket.
        XCTAssertEqual(try client.get(path, headers: ["X-API-Key": slowKey]).headers["x-ratelimit-remaining"], "98")
    }

    func testCustomersAPIAndDeletion() throws {
        let created = try client.post("/admin/customers", json: #"{"name": "Data Systems", "tenant_id": "datasystems_45abc", "tier": "pro"}"#, headers: admin)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(try created.json()["id"] as? String)
        XCTAssertEqual(try created.json()["tier"] as? String, "pro")
        let fetched = try client.get("/admin/customers/\(id)", headers: admin)
        XCTAssertEqual(try fetched.json()["tenant_id"] as? String, "datasystems_45abc")
        let list = try client.get("/admin/customers", headers: admin)
        XCTAssertTrue((try list.json()["customers"] as? [[String: Any]])?.contains { $0["id"] as? String == id } ?? false)
        XCTAssertEqual(errorCode(try client.get("/admin/customers/not-a-uuid", headers: admin)), "invalid_customer_id")
        XCTAssertEqual(try client.get("/admin/customers/\(UUID().uuidString)", headers: admin).status, 404)
        XCTAssertEqual(errorCode(try client.post("/admin/keys", json: #"{"customer_id": "\#(UUID().uuidString)"}"#, headers: admin)), "customer_not_found")

        let key = try XCTUnwrap(try client.post("/admin/keys", json: #"{"customer_id": "\#(id)"}"#, headers: admin).json()["api_key"] as? String)
        XCTAssertEqual(try client.get("/api/v1/tenants/datasystems_45abc/credentials", headers: ["X-API-Key": key]).status, 200)
        XCTAssertEqual(try client.send("DELETE", "/admin/customers/\(id)", headers: admin).status, 200)
        XCTAssertTrue(waitUntil(timeout: 1.5) { (try? client.get("/api/v1/tenants/datasystems_45abc/credentials", headers: ["X-API-Key": key]).status) == 401 })
        XCTAssertEqual(try client.get("/admin/customers/\(id)", headers: admin).status, 404)
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'datasystems_45abc'"), "1", "soft delete keeps the data")
        XCTAssertEqual(try client.send("DELETE", "/admin/customers/\(id)", headers: admin).status, 404, "already deleted")
        // A softly deleted customer's data can still be erased later.
        XCTAssertEqual(try client.send("DELETE", "/admin/customers/\(id)?purge=true", headers: admin).status, 200)
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'datasystems_45abc'"), "0")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.customers WHERE tenant_id = 'datasystems_45abc'"), "0")

        let purgeMe = try client.post("/admin/customers", json: #"{"name": "Purge Me", "tenant_id": "purge_me_1"}"#, headers: admin)
        let purgeID = try XCTUnwrap(try purgeMe.json()["id"] as? String)
        XCTAssertEqual(try client.send("DELETE", "/admin/customers/\(purgeID)?purge=true", headers: admin).status, 200)
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'purge_me_1'"), "0")
        XCTAssertEqual(try psql("SELECT count(*) FROM convergence.customers WHERE tenant_id = 'purge_me_1'"), "0")
    }

    // MARK: Credentials and isolation

    func testCredentialsAreEncryptedAtRestAndNeverReturned() throws {
        let key = try XCTUnwrap(try onboard("creds_t1")["api_key"] as? String)
        let path = "/api/v1/tenants/creds_t1/credentials"
        let secret = #"{"type": "service_account", "private_key": "SECRET-PRIVATE-KEY-123"}"#
        let put = try client.send("PUT", path + "/gcp", headers: ["X-API-Key": key, "Content-Type": "application/json"], body: Data(secret.utf8))
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(try put.json()["master_key_id"] as? String, "k1")
        XCTAssertFalse(put.text.contains("SECRET"))
        XCTAssertFalse(try psql("SELECT string_agg(row_to_json(c)::text, '') FROM creds_t1.cloud_credentials c").contains("SECRET"))
        XCTAssertFalse(try psql("SELECT encode(ciphertext, 'escape') FROM creds_t1.cloud_credentials").contains("SECRET"))
        let list = try client.get(path, headers: ["X-API-Key": key])
        XCTAssertEqual((try list.json()["credentials"] as? [[String: Any]])?.map { $0["provider"] as? String }, ["gcp"])
        XCTAssertFalse(list.text.contains("SECRET"))
        XCTAssertEqual(try client.get(path + "/gcp", headers: ["X-API-Key": key]).status, 200)

        let headers = ["X-API-Key": key, "Content-Type": "application/json"]
        XCTAssertEqual(errorCode(try client.send("PUT", path + "/gcp", headers: headers, body: Data("[1,2]".utf8))), "invalid_credential")
        XCTAssertEqual(errorCode(try client.send("PUT", path + "/gcp", headers: headers, body: Data("{oops".utf8))), "invalid_json")
        XCTAssertEqual(errorCode(try client.send("PUT", path + "/GCP!", headers: headers, body: Data("{}".utf8))), "invalid_provider")
        let big = Data(("{\"k\":\"" + String(repeating: "x", count: 70_000) + "\"}").utf8)
        XCTAssertEqual(try client.send("PUT", path + "/aws", headers: headers, body: big).status, 413)
        XCTAssertEqual(try client.send("DELETE", path + "/gcp", headers: ["X-API-Key": key]).status, 200)
        XCTAssertEqual(try client.get(path + "/gcp", headers: ["X-API-Key": key]).status, 404)
    }

    func testTenantIsolationMatrix() throws {
        let keyA = try XCTUnwrap(try onboard("iso_tenant_a")["api_key"] as? String)
        let bodyB = try onboard("iso_tenant_b")
        let keyB = try XCTUnwrap(bodyB["api_key"] as? String)
        let liveB = try XCTUnwrap(try client.post("/admin/keys", json: #"{"customer_id": "\#(bodyB["customer_id"]!)"}"#, headers: admin)
            .json()["api_key"] as? String)
        let json = ["Content-Type": "application/json"]
        for (tenant, key) in [("iso_tenant_a", keyA), ("iso_tenant_b", keyB)] {
            let put = try client.send("PUT", "/api/v1/tenants/\(tenant)/credentials/secret_\(tenant)",
                                      headers: json.merging(["X-API-Key": key]) { $1 }, body: Data(#"{"owner": "\#(tenant)"}"#.utf8))
            XCTAssertEqual(put.status, 200)
        }
        let routes: [(String, String)] = [("GET", ""), ("GET", "/secret_{t}"), ("PUT", "/probe"), ("DELETE", "/secret_{t}")]
        let keys = [("iso_tenant_a", keyA), ("iso_tenant_b", keyB), ("iso_tenant_b", liveB)]
        for target in ["iso_tenant_a", "iso_tenant_b"] {
            for (owner, key) in keys {
                for (method, suffix) in routes where method != "DELETE" {
                    let path = "/api/v1/tenants/\(target)/credentials" + suffix.replacingOccurrences(of: "{t}", with: target)
                    let response = try client.send(method, path, headers: json.merging(["X-API-Key": key]) { $1 }, body: method == "PUT" ? Data("{}".utf8) : nil)
                    if owner == target {
                        XCTAssertEqual(response.status, 200, "\(method) \(path) with own key: \(response.text)")
                    } else {
                        XCTAssertEqual(response.status, 403, "\(method) \(path) with \(owner)'s key")
                        XCTAssertEqual(errorCode(response), "tenant_mismatch")
                        XCTAssertFalse(response.text.contains("secret_"), "no data of the other tenant may appear")
                    }
                }
            }
        }
        // Deleting the other tenant's credential fails; the credential survives.
        let cross = try client.send("DELETE", "/api/v1/tenants/iso_tenant_b/credentials/secret_iso_tenant_b", headers: ["X-API-Key": keyA])
        XCTAssertEqual(cross.status, 403)
        XCTAssertEqual(try psql("SELECT count(*) FROM iso_tenant_b.cloud_credentials WHERE provider = 'secret_iso_tenant_b'"), "1")
        // A key of one tenant dressed up with the other tenant's prefix is no key at all.
        let forged = "iso_tenant_b_api_" + keyA.suffix(16)
        XCTAssertEqual(try client.get("/api/v1/tenants/iso_tenant_b/credentials", headers: ["X-API-Key": forged]).status, 401)
    }

    func testAdminKeyCommandLine() throws {
        let env = ["CONVERGENCE_DATABASE_URL": Self.stack.postgres.url]
        let key = try Shell.run([TestPaths.binary, "admin", "create-key", "--name", "cli-test"], environment: env, stdoutOnly: true).output
        XCTAssertNotNil(key.range(of: "^sk_admin_[A-Za-z0-9]{32}$", options: .regularExpression), "stdout holds only the key: \(key)")
        XCTAssertEqual(try client.get("/admin/customers", headers: ["Authorization": "Bearer \(key)"]).status, 200)
        let listing = try Shell.run([TestPaths.binary, "admin", "list-keys"], environment: env).output
        XCTAssertTrue(listing.contains("cli-test"))
        XCTAssertFalse(listing.contains(key))
        let keyID = try XCTUnwrap(listing.split(separator: "\n").first { $0.contains("cli-test") }?.split(separator: " ").first)
        try Shell.run([TestPaths.binary, "admin", "revoke-key", String(keyID)], environment: env)
        XCTAssertTrue(waitUntil(timeout: 1.5) { (try? client.get("/admin/customers", headers: ["Authorization": "Bearer \(key)"]).status) == 401 })
        XCTAssertFalse(Self.stack.server.log.contains(key), "keys never reach the log")
    }
}

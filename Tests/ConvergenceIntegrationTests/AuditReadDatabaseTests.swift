import ConvergenceAudit
import ConvergenceTestSupport
import Foundation
import XCTest

/// `audit_read_database_url`: the audit reads go to that database (a stand-in for a
/// streaming replica: a second database on the same server holding different rows).
final class AuditReadDatabaseTests: XCTestCase {
    var stack: TestStack!

    override func tearDown() {
        stack?.stop()
    }

    func testLogsAndUsageReadFromTheAuditReadDatabase() throws {
        stack = try TestStack(label: "auditread") { directory in
            let socket = directory.path + "/pgsock"
            let replica = "postgresql:///replica?host=\(socket)&user=postgres"
            func psql(_ sql: String) throws {
                _ = try Shell.run(["psql", "-h", socket, "-U", "postgres", "-d", "replica", "-v", "ON_ERROR_STOP=1", "-qc", sql])
            }
            _ = try Shell.run(["psql", "-h", socket, "-U", "postgres", "-d", "postgres", "-qc", "CREATE DATABASE replica"])
            _ = try Shell.run([TestPaths.binary, "migrate"], environment: ["CONVERGENCE_DATABASE_URL": replica])
            try psql("""
                INSERT INTO convergence.audit_log (id, kind, created_at, request_id, decision)
                VALUES ('\(AuditRecord.newID())', 'check', now(), 'only-in-replica', 'allow');
                INSERT INTO convergence.usage_rollup VALUES (3600, '*', date_bin('3600 seconds', now(), timestamptz 'epoch'),
                    4242, 4242, 0, 0, 0, array_fill(0::bigint, ARRAY[12]))
                """)
            return ["CONVERGENCE_AUDIT_READ_DATABASE_URL": replica]
        }
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "read_replica"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        let key = try onboarded.json()["api_key"] as? String ?? ""
        let check = try stack.client.post("/v1/check", json: #"{"operations": [{"type": "data_query", "records": 1}]}"#,
                                          headers: ["Authorization": "Bearer \(key)"])
        XCTAssertEqual(check.status, 200, check.text)
        XCTAssertTrue(waitUntil(timeout: 10) {
            (try? self.stack.postgres.psql("SELECT count(*) FROM convergence.audit_log WHERE kind = 'check'")) == "1"
        }, "the check is recorded in the main database")

        let logs = try stack.client.get("/logs", headers: admin)
        XCTAssertEqual(logs.status, 200, logs.text)
        XCTAssertEqual((try logs.json()["logs"] as? [[String: Any]])?.map { $0["request_id"] as? String ?? "" }, ["only-in-replica"], logs.text)
        let own = try stack.client.get("/v1/logs", headers: ["Authorization": "Bearer \(key)"])
        XCTAssertEqual(own.status, 200, own.text)
        XCTAssertEqual((try own.json()["logs"] as? [Any])?.count, 0, "the replica has none of this customer's checks yet: \(own.text)")
        let usage = try stack.client.get("/admin/usage?bucket=1h", headers: admin)
        XCTAssertEqual(usage.status, 200, usage.text)
        XCTAssertEqual((try usage.json()["totals"] as? [String: Any])?["checks"] as? Int, 4242, usage.text)
    }
}

import ConvergenceCore
import ConvergenceStore
import ConvergenceTestSupport
import Foundation
import XCTest
@testable import ConvergenceAudit

/// The flusher counts a fresh batch's usage rollups in Swift (`UsageTally`) and a
/// replayed one's in SQL (`UsageRollup`): the dashboard's charts must not depend on
/// which path a batch took. One varied batch, written both ways into a real PostgreSQL.
final class UsageTallyEquivalenceTests: XCTestCase {
    /// A throwaway PostgreSQL, migrated, for `body`; stopped and removed after it.
    static func withMigratedDatabase(_ label: String, _ body: (PostgresServer, PostgresConnection) throws -> Void) throws {
        let directory = try TestPaths.makeTemporaryDirectory(label)
        let postgres = try PostgresServer(directory: directory)
        defer {
            try? postgres.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        let connection = PostgresConnection(ConnectionInfo(url: postgres.url, password: TestDatabaseSecret.password, connectTimeoutSeconds: 5))
        defer { connection.close() }
        try Migrator(logger: Logger(role: "test", sink: { _ in })).migrate(connection)
        try body(postgres, connection)
    }

    /// Empties `tables` and makes the partitions of the days in `times`, as the flusher would.
    static func reset(_ connection: PostgresConnection, tables: String, times: [Int64]) throws {
        try connection.query("TRUNCATE \(tables)")
        for day in AuditPartitionDay.days(of: times) {
            try connection.query("SELECT convergence.audit_partition_ensure($1::date)", [day.dateText])
        }
    }

    func testTheSwiftTallyAndTheSQLRollupsStoreTheSameCounts() throws {
        try Self.withMigratedDatabase("tally") { postgres, connection in try compareTallies(postgres, connection) }
    }

    private func compareTallies(_ postgres: PostgresServer, _ connection: PostgresConnection) throws {
        let (rows, times) = Self.batch()
        XCTAssertNotNil(UsageTally(rows: rows, times: times), "the batch must take the Swift path")
        var dumps: [String] = []
        for tally in [true, false] {
            try Self.reset(connection, tables: "convergence.audit_log, convergence.usage_rollup, convergence.usage_rules, convergence.usage_policy_hours",
                           times: times)
            let inserted = try AuditBatchWriter(connection: connection, tallyFreshBatches: tally).insert(rows, times: times)
            XCTAssertEqual(inserted, times.count)
            dumps.append(try postgres.psql("""
                SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
                    SELECT concat_ws(' ', 'series', bucket_seconds, scope, bucket_start, checks, allowed, blocked, would_block,
                                     pii_findings, latency::text) AS x FROM convergence.usage_rollup
                    UNION ALL SELECT concat_ws(' ', 'rule', bucket_seconds, scope, bucket_start, policy_id, rule, blocked, would_block)
                              FROM convergence.usage_rules
                    UNION ALL SELECT concat_ws(' ', 'policy', policy_id, bucket_start, blocked, would_block)
                              FROM convergence.usage_policy_hours) rows
                """))
        }
        XCTAssertGreaterThan(dumps[0].split(separator: "\n").count, 40, "the batch must fan out widely: \(dumps[0])")
        XCTAssertTrue(dumps[0].contains("rule 86400"), dumps[0])
        XCTAssertEqual(dumps[0], dumps[1], "Swift tally vs SQL rollups")
    }

    /// 400 rows over two UTC days: three customers (one written in upper case), keys, a
    /// row without customer or key, admin rows, every decision, latencies on and around
    /// the bucket bounds, personal data, and enforced and monitored violations of several
    /// rules and policies.
    static func batch() -> (rows: [UInt8], times: [Int64]) {
        let base: Int64 = 1_764_977_000_000_000 // 2025-12-05 23:23:20 UTC: the batch crosses midnight
        let customers = ["6f1c1a52-0000-4000-8000-000000000001", "6F1C1A52-0000-4000-8000-000000000002",
                         "6f1c1a52-0000-4000-8000-000000000003"]
        let latencies = ["499", "500", "501", "1000", "2500", "10000", "999999", "1000000", "1000001", "\\N"]
        var rows = ""
        var times: [Int64] = []
        for i in 0..<400 {
            let micros = base + Int64(i) * 3_000_000 + Int64(i % 7)
            let kind = i % 23 == 0 ? "admin" : "check"
            let customer = i % 31 == 0 ? "\\N" : customers[i % 3]
            let key = i % 31 == 0 ? "\\N" : "key_\(i % 5)"
            let decision = i % 4 == 0 ? "block" : "allow"
            let reasons = i % 6 == 0 ? #"[{"factor":"personal_data","points":70,"kinds":["email"]}]"# : #"[{"factor":"external_model","points":50}]"#
            var violations = "[]"
            if i % 4 == 0 {
                violations = #"[{"policy_id":"pol_\#(i % 3)","version":1,"rule":"max_tokens","mode":"enforce","detail":"a"},"#
                    + #"{"policy_id":"pol_\#(i % 3)","version":1,"rule":"allowed_models","mode":"enforce","detail":"b"}]"#
            } else if i % 5 == 0 {
                violations = #"[{"policy_id":"pol_9","version":4,"rule":"block_personal_data","mode":"monitor","detail":"c"}]"#
            }
            let fields = [
                AuditRecord.newID(nowMicros: micros), kind, AuditRecord.timestampText(micros: micros), customer, key, "req_\(i)",
                kind == "admin" ? "\\N" : decision, "42", reasons, "[]", "[]", i % 5 == 0 ? "t" : "f", "user", "session",
                latencies[i % latencies.count], kind == "admin" ? "create_key" : "\\N", "\\N", violations, "[]",
            ]
            rows += fields.joined(separator: "\t") + "\n"
            times.append(micros)
        }
        return (Array(rows.utf8), times)
    }
}

import ConvergenceAudit
import ConvergenceCore
import ConvergenceStore
import ConvergenceTestSupport
import Foundation
import XCTest

/// The audit trail's daily partitions (migration 14) with real processes: the migration
/// of a table that holds rows, partitions made on demand by the flusher, retention by
/// partition while records keep arriving, and the plans /logs gets.
final class AuditPartitionTests: XCTestCase {
    var stack: TestStack!
    static let dayMicros: Int64 = 86_400_000_000
    static let body = #"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 500}]}"#

    override func tearDown() {
        stack?.stop()
    }

    var spoolDirectory: String { stack.directory.appendingPathComponent("audit-spool").path }
    var today: AuditPartitionDay { AuditPartitionDay(micros: AuditRecord.nowMicros()) }
    var cli: [String: String] { ["CONVERGENCE_DATABASE_URL": stack.postgres.url] }

    func psql(_ sql: String) throws -> String { try stack.postgres.psql(sql) }

    /// The partitions of audit_log, by name.
    func partitions() throws -> [String] {
        try psql("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                 + " WHERE i.inhparent = 'convergence.audit_log'::regclass ORDER BY 1").split(separator: "\n").map(String.init)
    }

    /// Records as the workers spool them, in a segment of the plain format (frames from byte 0),
    /// renamed into the spool whole: the flusher treats it like any segment a worker left.
    var segmentNumber = 0
    func spool(_ records: [AuditRecord]) throws {
        var bytes: [UInt8] = []
        for record in records { bytes += SpoolFrame.encode(createdAtMicros: record.createdAtMicros, payload: record.copyRow()) }
        segmentNumber += 1
        let name = "seg-00000000000000007-9-\(segmentNumber).spool"
        let staged = stack.directory.appendingPathComponent("staged-\(segmentNumber)").path
        try Data(bytes).write(to: URL(fileURLWithPath: staged))
        _ = try Shell.run(["chmod", "644", staged])
        guard rename(staged, spoolDirectory + "/" + name) == 0 else { throw HarnessError("rename: \(errno)") }
    }

    func record(_ requestID: String, at micros: Int64) -> AuditRecord {
        var r = AuditRecord(id: AuditRecord.newID(nowMicros: micros), kind: .check, createdAtMicros: micros, requestID: requestID)
        r.decision = "allow"
        r.riskScore = 1
        return r
    }

    func count(_ predicate: String) throws -> Int { Int(try psql("SELECT count(*) FROM convergence.audit_log WHERE \(predicate)")) ?? -1 }

    func waitForCount(_ predicate: String, _ expected: Int, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) {
        var last = -1
        let ok = waitUntil(timeout: timeout, interval: 0.1) { last = (try? count(predicate)) ?? -1; return last == expected }
        XCTAssertTrue(ok, "\(predicate): \(last) rows, expected \(expected)\n\(stack.server.log.suffix(3000))", file: file, line: line)
    }

    /// A customer key for live checks.
    func onboard(_ tenant: String) throws -> String {
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let onboarded = try stack.client.post("/api/v1/customers/onboard", json: #"{"tenant_id": "\#(tenant)"}"#, headers: admin)
        XCTAssertEqual(onboarded.status, 201, onboarded.text)
        return try onboarded.json()["api_key"] as? String ?? ""
    }

    // MARK: - (a) migration 14 on a table with rows

    func testMigrationKeepsEveryRowOfSeveralDaysReadableAndAdoptsTheIndexes() throws {
        var filenodesBefore = ""
        stack = try TestStack(label: "partmigrate") { directory in
            let connection = PostgresConnection(ConnectionInfo(
                url: "postgresql:///convergence?host=\(directory.path)/pgsock&user=postgres", password: TestDatabaseSecret.password,
                connectTimeoutSeconds: 5))
            defer { connection.close() }
            try Migrator(migrations: Migrations.all.filter { $0.version < 14 }, logger: Logger(role: "test", sink: { _ in }))
                .migrate(connection)
            // 20,000 rows over nine days (one every 37 s), as version 13 stored them.
            try connection.query("""
                INSERT INTO convergence.audit_log (id, kind, created_at, customer_id, key_id, request_id, decision, risk_score)
                SELECT gen_random_uuid(), 'check', now() - g * interval '37 seconds', '6f1c1a52-0000-4000-8000-000000000001',
                       'key_legacy', 'legacy-' || g, 'allow', 1
                FROM generate_series(0, 19999) g
                """)
            // The primary key's file (migration 15 rebuilds the other two indexes afterwards).
            filenodesBefore = try connection.query("""
                SELECT pg_relation_filenode('convergence.audit_log_pkey')::text AS f
                """).rows[0].decode("f", as: String.self)
            return [:]
        }
        XCTAssertEqual(try psql("SELECT max(version) FROM public.schema_migrations"), String(Migrations.all.last!.version))
        XCTAssertEqual(try psql("SELECT relkind FROM pg_class WHERE oid = 'convergence.audit_log'::regclass"), "p")
        XCTAssertEqual(try count("request_id LIKE 'legacy-%'"), 20000, "every row is kept")
        XCTAssertGreaterThanOrEqual(Int(try psql("SELECT count(DISTINCT created_at::date) FROM convergence.audit_log")) ?? 0, 9)

        let legacy = "audit_log_before_" + today.adding(days: 1).dateText.filter { $0 != "-" }
        let names = try partitions()
        XCTAssertEqual(names, [legacy, today.adding(days: 1).partitionName, today.adding(days: 2).partitionName],
                       "the old table before tomorrow, then two days ahead")
        // Attached, not rebuilt: the same file, now a partition of the parent's index.
        XCTAssertEqual(try psql("""
            SELECT pg_relation_filenode(indexrelid)::text FROM pg_index
            WHERE indrelid = 'convergence.\(legacy)'::regclass AND indisprimary
            """), filenodesBefore)
        XCTAssertEqual(try psql("""
            SELECT string_agg(p.relname, ',' ORDER BY p.relname) FROM pg_index x JOIN pg_inherits i ON i.inhrelid = x.indexrelid
            JOIN pg_class p ON p.oid = i.inhparent WHERE x.indrelid = 'convergence.\(legacy)'::regclass
            """), "audit_log_customer_created,audit_log_pkey,audit_log_request")
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_constraint WHERE conrelid = 'convergence.\(legacy)'::regclass AND conname LIKE '%bound'"),
                       "0", "the CHECK that spared ATTACH its scan is gone")

        // Migration 15: request ids in a hash index (equality is all /logs asks), the customer index ascending.
        XCTAssertEqual(try psql("""
            SELECT a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'convergence.audit_log_request'::regclass
            """), "hash")
        XCTAssertEqual(try psql("SELECT pg_get_indexdef('convergence.audit_log_customer_created'::regclass)"),
                       "CREATE INDEX audit_log_customer_created ON ONLY convergence.audit_log USING btree (customer_id, created_at, id)")
        // Readable through /logs: by request id, and pages newest first into the old rows.
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let one = try stack.client.get("/logs?request_id=legacy-19999", headers: admin)
        XCTAssertEqual(one.status, 200, one.text)
        XCTAssertEqual((try one.json()["logs"] as? [[String: Any]])?.first?["key_id"] as? String, "key_legacy", one.text)
        let page = try stack.client.get("/logs?customer_id=6f1c1a52-0000-4000-8000-000000000001&limit=3", headers: admin)
        XCTAssertEqual(page.status, 200, page.text)
        XCTAssertEqual((try page.json()["logs"] as? [[String: Any]])?.map { $0["request_id"] as? String ?? "" },
                       ["legacy-0", "legacy-1", "legacy-2"], page.text)
        XCTAssertEqual(stack.server.count(message: "migration applied"), Migrations.all.filter { $0.version >= 14 }.count, stack.server.log)
    }

    // MARK: - (b) exactly once across partitions, on demand, retention while flushing

    func testAuditLandsOnceAcrossPartitionsMadeOnDemandWhileRetentionDropsOthers() throws {
        stack = try TestStack(label: "partflush")
        let key = try onboard("part_flush")
        // Retention first drops the pre-migration partition (up to tomorrow): from here on every
        // day has to be made, today's too, which the flusher had already seen covered.
        let tomorrow = today.adding(days: 1)
        let first = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", tomorrow.dateText], environment: cli, stdoutOnly: true)
        XCTAssertTrue(first.output.contains("dropped 1 whole partitions"), first.output)
        XCTAssertFalse(try partitions().contains { $0.hasPrefix("audit_log_before_") })

        // A spool from a long outage: two past days with no partition, records on both sides of
        // their midnight in one batch, and a day ahead of those kept ready.
        let old = today.adding(days: -30)
        let boundary = old.adding(days: 1).startMicros
        var spooled = [record("old-a", at: boundary - 1), record("old-b", at: boundary), record("old-c", at: old.startMicros + 5)]
        spooled += (0..<50).map { record("old-\($0)", at: boundary - 25_000_000 + Int64($0) * 1_000_000) }
        spooled.append(record("ahead-1", at: today.adding(days: 5).startMicros + 7))
        try spool(spooled)
        waitForCount("request_id LIKE 'old-%' OR request_id LIKE 'ahead-%'", spooled.count)
        let made = try partitions()
        for day in [old, old.adding(days: 1), today.adding(days: 5)] { XCTAssertTrue(made.contains(day.partitionName), "\(day) in \(made)") }
        XCTAssertEqual(try count("created_at < '\(AuditRecord.timestampText(micros: boundary))'"), 27, "one microsecond before midnight is the day before")

        // Live checks on two hosts (one PostgreSQL, a flusher each) while retention drops the old
        // day whole and more of it is spooled.
        let hostB = try SecondHost(label: "partflush-b", databaseURL: stack.postgres.url)
        defer { hostB.stop() }
        let load = CheckLoad(), loadB = CheckLoad()
        load.start(clients: 4, client: stack.client, key: key, body: Self.body)
        loadB.start(clients: 2, client: hostB.client, key: key, body: Self.body)
        Thread.sleep(forTimeInterval: 1.0)
        let pruned = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", old.adding(days: 1).dateText], environment: cli,
                                   stdoutOnly: true)
        XCTAssertTrue(pruned.output.contains("dropped 1 whole partitions"), pruned.output)
        XCTAssertEqual(try count("request_id LIKE 'old-%' AND created_at < '\(AuditRecord.timestampText(micros: boundary))'"), 0)
        // Records for the day just dropped (a second host's late spool): the day is made again, nothing refused.
        let late = (0..<20).map { record("late-\($0)", at: old.startMicros + 3_600_000_000 + Int64($0)) }
        try spool(late)
        Thread.sleep(forTimeInterval: 1.0)
        let outcome = load.finish(), outcomeB = loadB.finish()
        XCTAssertGreaterThan(outcome.answered.count, 50)
        XCTAssertGreaterThan(outcomeB.answered.count, 20, "host B answered checks too")
        XCTAssertTrue(outcome.failed.isEmpty && outcome.unidentified.isEmpty, "\(outcome.failedStatuses)")
        XCTAssertTrue(outcomeB.failed.isEmpty && outcomeB.unidentified.isEmpty, "\(outcomeB.failedStatuses)")
        waitForCount("request_id LIKE 'late-%'", late.count)
        XCTAssertTrue(try partitions().contains(old.partitionName), "the dropped day was made again")

        var rows: [String] = []
        let answered = Set(outcome.answered + outcomeB.answered)
        _ = waitUntil(timeout: 20, interval: 0.2) {
            rows = (try? psql("SELECT request_id FROM convergence.audit_log WHERE kind = 'check' AND key_id IS NOT NULL")
                .split(separator: "\n").map(String.init)) ?? rows
            return answered.isSubset(of: Set(rows))
        }
        Thread.sleep(forTimeInterval: 0.5)
        rows = try psql("SELECT request_id FROM convergence.audit_log WHERE kind = 'check' AND key_id IS NOT NULL").split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, Set(rows).count, "a check was recorded twice")
        XCTAssertTrue(answered.isSubset(of: Set(rows)), "\(answered.subtracting(rows).count) answered checks have no audit row")
        XCTAssertEqual(try count("request_id LIKE 'old-%'"), 26, "the records from the cut-off on stay")
        XCTAssertFalse(FileManager.default.fileExists(atPath: spoolDirectory + "/rejected.copy"), "nothing was refused")
        XCTAssertEqual(stack.server.count(message: "audit record refused by PostgreSQL"), 0, stack.server.log)
        XCTAssertEqual(hostB.server.count(message: "audit record refused by PostgreSQL"), 0, hostB.server.log)
        XCTAssertGreaterThanOrEqual(stack.server.count(message: "audit partition created"), 4, stack.server.log)
    }

    /// Several hosts' flushers needing the same new day at once: one makes it, the others
    /// find it made; nobody fails.
    func testConcurrentEnsuresOfOneDayMakeItExactlyOnce() throws {
        stack = try TestStack(label: "partrace")
        let day = today.adding(days: 9)
        // Eight sessions at once, as eight flushers would (separate psql processes, started together).
        let runs = try (0..<8).map { _ in
            let log = CapturedLog(directory: stack.directory)
            let process = try ChildProcess(
                executable: "/usr/bin/psql",
                arguments: ["-h", stack.postgres.socketDirectory, "-U", "postgres", "-d", "convergence", "-v", "ON_ERROR_STOP=1", "-Atc",
                            "SELECT convergence.audit_partition_ensure('\(day.dateText)')"],
                environment: ProcessInfo.processInfo.environment, outputPath: log.path, workingDirectory: stack.directory.path)
            return (process, log)
        }
        var made: [String] = []
        for (process, log) in runs {
            XCTAssertEqual(process.wait(), 0, log.text)
            made.append(log.text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertEqual(made.sorted(), ["f", "f", "f", "f", "f", "f", "f", "t"])
        XCTAssertEqual(try partitions().filter { $0 == day.partitionName }.count, 1)
    }

    // MARK: - (c) the plans /logs gets

    /// The plan PostgreSQL ran for the last /logs page, as auto_explain logged it.
    func lastLogsPlan() throws -> String {
        let log = try String(contentsOfFile: stack.postgres.logFile, encoding: .utf8)
        guard let query = log.range(of: "FROM convergence.audit_log AS a", options: .backwards) else { return "" }
        let rest = log[query.upperBound...]
        let end = rest.range(of: "\n20")?.lowerBound ?? rest.endIndex // the next log line starts with its timestamp
        return String(rest[..<end])
    }

    func testTimeBoundedPagesReadOnlyTheirPartitionsAndNewestFirstPagesDoNotSort() throws {
        stack = try TestStack(label: "partexplain") { directory in
            // Every statement's plan goes to the server log: these are the statements /logs really runs.
            _ = try Shell.run(["psql", "-h", directory.path + "/pgsock", "-U", "postgres", "-d", "convergence", "-v", "ON_ERROR_STOP=1", "-qc",
                               "ALTER DATABASE convergence SET session_preload_libraries = 'auto_explain';"
                               + " ALTER DATABASE convergence SET auto_explain.log_min_duration = 0;"
                               + " ALTER DATABASE convergence SET auto_explain.log_analyze = on"])
            return [:]
        }
        _ = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", today.adding(days: 1).dateText], environment: cli)
        let days = (1...4).map { today.adding(days: -$0) }
        for day in days { _ = try psql("SELECT convergence.audit_partition_ensure('\(day.dateText)')") }
        _ = try psql("""
            INSERT INTO convergence.audit_log (id, kind, created_at, customer_id, request_id, decision)
            SELECT gen_random_uuid(), 'check', '\(AuditRecord.timestampText(micros: days.last!.startMicros))'::timestamptz + g * interval '100 seconds',
                   '6f1c1a52-0000-4000-8000-000000000002', 'explain-' || g, 'allow'
            FROM generate_series(0, 4 * 864 - 1) g
            """)
        _ = try psql("ANALYZE convergence.audit_log")
        let admin = ["Authorization": "Bearer \(try stack.createAdminKey())"]
        let inRange = days[1] // two days ago
        let since = RFC3339Text.format(micros: inRange.startMicros + 3_600_000_000)
        let until = RFC3339Text.format(micros: inRange.adding(days: 1).startMicros)
        for path in ["/logs?since=\(since)&until=\(until)&limit=5", "/logs?since=\(since)&until=\(until)&customer_id=6f1c1a52-0000-4000-8000-000000000002"] {
            let page = try stack.client.get(path, headers: admin)
            XCTAssertEqual(page.status, 200, page.text)
            XCTAssertFalse((try page.json()["logs"] as? [Any] ?? []).isEmpty, page.text)
            let plan = try lastLogsPlan()
            XCTAssertTrue(plan.contains(inRange.partitionName), plan)
            let others = (try partitions()).filter { $0 != inRange.partitionName && plan.contains($0) }
            XCTAssertEqual(others, [], "pruned partitions stay out of the plan:\n\(plan)")
        }
        // No bounds: the partitions' indexes are walked newest first, one after the other (an
        // ordered Append), and the page stops in the newest partition holding rows.
        let newest = try stack.client.get("/logs?limit=5", headers: admin)
        XCTAssertEqual(newest.status, 200, newest.text)
        let plan = try lastLogsPlan()
        XCTAssertTrue(plan.contains("Append"), plan)
        XCTAssertFalse(plan.contains("Merge Append"), plan)
        XCTAssertFalse(plan.contains("Sort"), "a newest-first page must not sort:\n\(plan)")
        XCTAssertTrue(plan.contains("Index Scan Backward"), plan)
        XCTAssertTrue(plan.contains("never executed"), "older partitions are not read once the page is full:\n\(plan)")
    }

    // MARK: - audit_retention_days

    /// Before the stack starts: the schema migrated and the pre-migration partition (everything
    /// before tomorrow) dropped, so that past days get daily partitions of their own.
    static func migratedWithDailyPartitions(_ directory: URL) throws -> PostgresConnection {
        let connection = PostgresConnection(ConnectionInfo(
            url: "postgresql:///convergence?host=\(directory.path)/pgsock&user=postgres", password: TestDatabaseSecret.password,
            connectTimeoutSeconds: 5))
        try Migrator(logger: Logger(role: "test", sink: { _ in })).migrate(connection)
        _ = try AuditRetention(connection: connection).prune(beforeMicros: AuditPartitionDay(micros: AuditRecord.nowMicros()).adding(days: 1).startMicros)
        return connection
    }

    func testTheFlusherDropsPartitionsOlderThanTheRetentionDays() throws {
        let old = today.adding(days: -10), recent = today.adding(days: -2)
        stack = try TestStack(label: "partretain", overrides: ["CONVERGENCE_AUDIT_RETENTION_DAYS": "5"]) { directory in
            let connection = try Self.migratedWithDailyPartitions(directory)
            defer { connection.close() }
            for day in [old, recent] {
                try AuditPartitions(connection: connection).ensure(day)
                try connection.query("""
                    INSERT INTO convergence.audit_log (id, kind, created_at, request_id, decision)
                    VALUES (gen_random_uuid(), 'check', $1::timestamptz, $2, 'allow')
                    """, [AuditRecord.timestampText(micros: day.startMicros + 1000), "kept-or-not-\(day.dateText)"])
            }
            return [:]
        }
        let dropped = waitUntil(timeout: 10) { (try? self.partitions().contains(old.partitionName)) == false }
        XCTAssertTrue(dropped, "\((try? partitions()) ?? [])\n\(stack.server.log.suffix(2000))")
        XCTAssertTrue(try partitions().contains(recent.partitionName))
        XCTAssertEqual(try count("request_id LIKE 'kept-or-not-%'"), 1)
        XCTAssertEqual(stack.server.count(message: "audit retention: partitions dropped"), 1, stack.server.log)
    }

    /// `audit_archive_dir`: the flusher's daily retention writes each partition to a
    /// compressed CSV before dropping it, on a thread of its own (flushing goes on), and
    /// the file restores into audit_log.
    func testRetentionArchivesEachPartitionBeforeDroppingItAndTheArchiveRestores() throws {
        let old = today.adding(days: -10)
        // `serve` makes the directory for the service user; its parent must let that user through.
        let parent = try TestPaths.makeTemporaryDirectory("archive").path
        chmod(parent, 0o755)
        let archiveDirectory = parent + "/audit-archive"
        stack = try TestStack(label: "partarchive", overrides: ["CONVERGENCE_AUDIT_RETENTION_DAYS": "5",
                                                                "CONVERGENCE_AUDIT_ARCHIVE_DIR": archiveDirectory]) { directory in
            let connection = try Self.migratedWithDailyPartitions(directory)
            defer { connection.close() }
            try AuditPartitions(connection: connection).ensure(old)
            // 2,000 records of an old day, one with a comma, quotes and a newline in a text column.
            try connection.query("""
                INSERT INTO convergence.audit_log (id, kind, created_at, request_id, decision, target)
                SELECT gen_random_uuid(), 'check', $1::timestamptz + n * interval '1 second', 'archived-' || n, 'allow',
                       CASE WHEN n = 7 THEN 'a "quoted", two-line' || chr(10) || 'reason' END
                  FROM generate_series(1, 2000) AS n
                """, [AuditRecord.timestampText(micros: old.startMicros)])
            return [:]
        }
        let key = try onboard("part_archive")
        let load = CheckLoad()
        load.start(clients: 2, client: stack.client, key: key, body: Self.body)
        let file = archiveDirectory + "/\(old.partitionName).csv.gz"
        let dropped = waitUntil(timeout: 20) { (try? self.partitions().contains(old.partitionName)) == false }
        let outcome = load.finish()
        XCTAssertTrue(dropped, "\((try? partitions()) ?? [])\n\(stack.server.log.suffix(2000))")
        XCTAssertTrue(FileManager.default.fileExists(atPath: file), "\(stack.server.log.suffix(2000))")
        XCTAssertEqual(stack.server.count(message: "audit retention: partitions archived and dropped"), 1, stack.server.log)
        XCTAssertTrue(outcome.failed.isEmpty, "checks went on while the partition was archived: \(outcome.failedStatuses)")
        XCTAssertEqual(try count("request_id LIKE 'archived-%'"), 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: archiveDirectory).filter { $0.hasSuffix(".partial") }
        XCTAssertEqual(leftovers, [], "only complete files")

        let csv = try Shell.run(["gzip", "-dc", file], stdoutOnly: true)
        XCTAssertEqual(csv.status, 0)
        XCTAssertTrue(csv.output.hasPrefix("id,kind,created_at,"), "a header line names the columns: \(csv.output.prefix(200))")
        // Restored as an operator would: the day's partition made, then \copy from the file.
        _ = try psql("SELECT convergence.audit_partition_ensure('\(old.dateText)')")
        _ = try psql("\\copy convergence.audit_log FROM PROGRAM 'gzip -dc \(file)' (FORMAT csv, HEADER)")
        XCTAssertEqual(try count("request_id LIKE 'archived-%'"), 2000, "every record came back")
        XCTAssertEqual(try psql("SELECT target FROM convergence.audit_log WHERE request_id = 'archived-7'"), "a \"quoted\", two-line\nreason")
    }

    // MARK: - (d) prune-audit: whole partitions, exact cut-off

    func testPruneDropsWholePartitionsAndKeepsTheExactCutoff() throws {
        stack = try TestStack(label: "partprune")
        let base = today.adding(days: -10)
        let noon = base.adding(days: 1).startMicros + Self.dayMicros / 2
        var records = (0..<30).map { record("d0-\($0)", at: base.startMicros + Int64($0) * 1_000_000_000) }
        records += [record("d1-midnight", at: base.adding(days: 1).startMicros), record("d1-before", at: noon - 1),
                    record("d1-cut", at: noon), record("d1-after", at: noon + 1)]
        records += (0..<5).map { record("d2-\($0)", at: base.adding(days: 2).startMicros + Int64($0)) }
        // Past days before tomorrow land in the pre-migration partition: drop it first (it is empty but for admin records).
        _ = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", today.adding(days: 1).dateText], environment: cli)
        try spool(records)
        waitForCount("request_id LIKE 'd_-%'", records.count)
        XCTAssertEqual(Set(try partitions()).intersection([base, base.adding(days: 1), base.adding(days: 2)].map(\.partitionName)).count, 3)

        let cutoff = RFC3339Text.format(micros: noon)
        // A relative archive directory is a usage error: nothing runs.
        let relative = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", cutoff, "--archive-dir", "archive"],
                                     environment: cli, check: false)
        XCTAssertEqual(relative.status, 64, relative.output)
        XCTAssertTrue(relative.output.contains("absolute directory path"), relative.output)
        XCTAssertTrue(try partitions().contains(base.partitionName))
        // An archive that cannot be written: nothing dropped, the partition attached again and readable.
        let refused = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", cutoff, "--archive-dir", "/dev/null/archive"],
                                    environment: cli, check: false)
        XCTAssertNotEqual(refused.status, 0, refused.output)
        XCTAssertTrue(refused.output.contains("archive directory"), refused.output)
        XCTAssertEqual(try count("request_id LIKE 'd0-%'"), 30, "the partition is readable again")
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'convergence.\(base.partitionName)'::regclass"), "1")
        let archive = try TestPaths.makeTemporaryDirectory("prune-archive").path
        let pruned = try Shell.run([TestPaths.binary, "admin", "prune-audit", "--before", cutoff, "--archive-dir", archive], environment: cli,
                                   stdoutOnly: true)
        XCTAssertEqual(pruned.status, 0, pruned.output)
        XCTAssertTrue(pruned.output.hasPrefix("deleted 2 audit records"), pruned.output)
        XCTAssertTrue(pruned.output.contains("dropped 1 whole partitions"), pruned.output)
        XCTAssertTrue(pruned.output.contains("archived 1 (30 records)"), "the dropped day went to a file first: \(pruned.output)")
        let archived = try Shell.run(["gzip", "-dc", archive + "/\(base.partitionName).csv.gz"], stdoutOnly: true).output
        XCTAssertEqual(archived.split(separator: "\n").filter { $0.contains(",d0-") }.count, 30, String(archived.prefix(300)))
        let left = try partitions()
        XCTAssertFalse(left.contains(base.partitionName), "\(left)")
        XCTAssertTrue(left.contains(base.adding(days: 1).partitionName), "the day the cut-off falls in stays")
        XCTAssertEqual(try psql("SELECT string_agg(request_id, ',' ORDER BY created_at) FROM convergence.audit_log WHERE request_id LIKE 'd_-%'"),
                       "d1-cut,d1-after,d2-0,d2-1,d2-2,d2-3,d2-4", "rows at and after the cut-off stay, to the microsecond")
        XCTAssertEqual(try psql("SELECT count(*) FROM pg_class WHERE relname = '\(base.partitionName)'"), "0", "detached and dropped")
    }
}

/// RFC 3339 text of an instant, for command lines.
enum RFC3339Text {
    static func format(micros: Int64) -> String {
        let t = RFC3339.civil(unixSeconds: micros / 1_000_000)
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))."
            + pad(Int(micros % 1_000_000), 6) + "Z"
    }
}

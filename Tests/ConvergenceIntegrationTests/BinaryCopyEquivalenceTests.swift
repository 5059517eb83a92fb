import ConvergenceCore
import ConvergenceStore
import ConvergenceTestSupport
import Foundation
import XCTest
@testable import ConvergenceAudit

/// The flusher sends spooled rows in COPY's binary format when they convert: what
/// `/logs` and an operator's SQL read back must be exactly what the text path stores,
/// escapes, NULLs, upper-case uuids, non-ASCII text and extreme integers included.
final class BinaryCopyEquivalenceTests: XCTestCase {
    func testBinaryAndTextCopyStoreTheSameRows() throws {
        try UsageTallyEquivalenceTests.withMigratedDatabase("binary-copy") { postgres, connection in try compareCopies(postgres, connection) }
    }

    private func compareCopies(_ postgres: PostgresServer, _ connection: PostgresConnection) throws {
        var (rows, times) = UsageTallyEquivalenceTests.batch()
        var odd = AuditRecord(kind: .check, createdAtMicros: times[0] + 17, customerID: "6F1C1A52-0000-4000-8000-0000000000AB",
                              keyID: "key_\u{e9}\u{1F600}", requestID: "req\\with\tescapes\r\n")
        odd.userID = "user\\N"
        odd.sessionID = "\u{4E2D}\u{6587}\u{00A0}session"
        odd.riskScore = 32767
        odd.latencyMicros = Int(Int32.max)
        odd.wouldBlock = false
        odd.reasonsJSON = #"[{"factor":"t\tab \"q\" \\ \u00e9"}]"#
        rows += odd.copyRow()
        times.append(odd.createdAtMicros)
        XCTAssertEqual(BinaryCopyRows(text: rows)?.count, times.count, "the whole batch takes the binary path")

        var dumps: [String] = []
        for binary in [true, false] {
            try UsageTallyEquivalenceTests.reset(connection, tables: "convergence.audit_log", times: times)
            let inserted = try AuditBatchWriter(connection: connection, binaryCopy: binary).insert(rows, times: times)
            XCTAssertEqual(inserted, times.count)
            dumps.append(try postgres.psql("SELECT string_agg(t::text, E'\\n' ORDER BY id) FROM convergence.audit_log t"))
        }
        XCTAssertEqual(dumps[0].split(separator: "\n").count, times.count)
        XCTAssertTrue(dumps[0].contains("6f1c1a52-0000-4000-8000-0000000000ab"), "upper-case uuid stored as PostgreSQL prints it")
        XCTAssertEqual(dumps[0], dumps[1], "binary vs text COPY")

        // A replayed batch (already stored) still counts as nothing new, in binary too.
        XCTAssertEqual(try AuditBatchWriter(connection: connection).insert(rows, times: times), 0)

        // A row the converter refuses: the batch goes as text and is stored all the same.
        try connection.query("TRUNCATE convergence.audit_log")
        var text = String(decoding: odd.copyRow(), as: UTF8.self)
        text = text.replacingOccurrences(of: AuditRecord.timestampText(micros: odd.createdAtMicros),
                                         with: "2025-12-05T23:23:20.000017Z")
        XCTAssertNil(BinaryCopyRows(text: Array(text.utf8)))
        XCTAssertEqual(try AuditBatchWriter(connection: connection).insert(Array(text.utf8), times: [odd.createdAtMicros]), 1)
    }
}

import ConvergenceCore
import ConvergenceJSON
@testable import ConvergenceAudit
import Foundation
import Glibc
import XCTest

/// What an audit record holds and how it is written for COPY.
final class AuditRecordTests: XCTestCase {
    func testCopyRowEscapesEverythingCopyTreatsSpecially() {
        var record = AuditRecord(id: "0b7e3c1a-0000-4000-8000-000000000001", kind: .admin, createdAtMicros: 1_700_000_000_123_456,
                                 customerID: nil, keyID: "key_1", requestID: "req_1")
        record.action = "policy.update"
        record.target = "tab\there\nnew\\line\r"
        let row = String(decoding: record.copyRow(), as: UTF8.self)
        let fields = row.dropLast().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(fields.count, AuditRecord.columns.count)
        XCTAssertTrue(row.hasSuffix("\n"))
        XCTAssertEqual(row.filter { $0 == "\n" }.count, 1, "one line per record")
        XCTAssertEqual(fields[1], "admin")
        XCTAssertEqual(fields[2], "2023-11-14 22:13:20.123456+00")
        XCTAssertEqual(fields[3], "\\N", "NULL")
        XCTAssertEqual(fields[16], #"tab\there\nnew\\line\r"#)
    }

    func testTimestampsKeepMicrosecondsAndPadding() {
        XCTAssertEqual(AuditRecord.timestampText(micros: 0), "1970-01-01 00:00:00.000000+00")
        XCTAssertEqual(AuditRecord.timestampText(micros: 1_000_007), "1970-01-01 00:00:01.000007+00")
    }

    func testClientIdentifiersAreBoundedOnACharacterBoundary() {
        let long = String(repeating: "é", count: 100) // 200 bytes
        let cut = AuditRecord.bounded(long)
        XCTAssertLessThanOrEqual(cut.utf8.count, AuditRecord.maxIdentifierBytes)
        XCTAssertEqual(cut, String(repeating: "é", count: 64))
    }

    func testRecordIDsAreUniqueTimeOrderedUUIDs() {
        let ids = (0..<100).map { _ in AuditRecord.newID() }
        XCTAssertEqual(Set(ids).count, 100)
        for id in ids { XCTAssertNotNil(UUID(uuidString: id)); XCTAssertEqual(Array(id)[14], "7") }
        let earlier = AuditRecord.newID(nowMicros: 1_700_000_000_000_000)
        let later = AuditRecord.newID(nowMicros: 1_700_000_000_001_000)
        XCTAssertLessThan(earlier, later, "a later millisecond sorts after an earlier one")
        XCTAssertTrue(earlier.hasPrefix("018bcfe5-6800-"), earlier)
    }

    /// A record spooled by a binary from before `violations`/`would_block_by` (17
    /// fields) still drains: the flusher's reader pads it to the current columns.
    func testARowSpooledBeforeTheNewColumnsReadsWithThem() throws {
        var template = Array("/tmp/convergence-unit-legacy-XXXXXX".utf8CString)
        let directory = String(cString: try XCTUnwrap(mkdtemp(&template)))
        let path = directory + "/seg-00000000000000001-1-0-1.spool"
        defer { unlink(path); rmdir(directory) }
        var record = AuditRecord(id: "0b7e3c1a-0000-4000-8000-000000000002", kind: .check, createdAtMicros: 9, requestID: "req_old")
        record.decision = "block"
        let current = record.copyRow()
        var fields = current.split(separator: 9, omittingEmptySubsequences: false)
        fields.removeLast(AuditRecord.columns.count - AuditRecord.legacyColumnCount)
        let legacy = Array(fields.joined(separator: [9])) + [10]
        XCTAssertEqual(legacy.split(separator: 9, omittingEmptySubsequences: false).count, 17)
        try Data(SpoolFrame.encode(createdAtMicros: 9, payload: legacy) + SpoolFrame.encode(createdAtMicros: 10, payload: current))
            .write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let reader = SpoolSegmentReader(fd: fd)
        defer { reader.close() }
        var rows: [UInt8] = []
        let result = reader.readFrames(from: 0, to: try XCTUnwrap(reader.readableEnd()), maxFrames: 10, writerGone: true,
                                       maxBytes: 1 << 20, into: &rows)
        XCTAssertEqual(result?.scan.frames.count, 2)
        XCTAssertEqual(rows, current + current, "the legacy row gained \\N for each new column")
    }
}

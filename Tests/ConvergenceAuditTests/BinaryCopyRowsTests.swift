@testable import ConvergenceAudit
import XCTest

/// Spooled text rows re-encoded for `COPY … WITH (FORMAT binary)`: what PostgreSQL
/// reads must be what the text row said, and anything the writer never produces
/// must leave the batch to the text path. (The stored rows of both paths are
/// compared in a real PostgreSQL by `BinaryCopyEquivalenceTests`.)
final class BinaryCopyRowsTests: XCTestCase {
    static func row(_ record: AuditRecord) -> [UInt8] { record.copyRow() }

    func testTimestampsReadBackAsTheMicrosecondsTheyWereWrittenFrom() {
        let samples: [Int64] = [0, 1_000_007, 946_684_800_000_000, 946_684_799_999_999, 951_782_400_123_456, // 2000-02-29
                                1_764_977_000_000_001, 4_102_444_799_999_999, -1_000_000]
        for micros in samples {
            let text = Array(AuditRecord.timestampText(micros: micros).utf8)
            let parsed = text.withUnsafeBufferPointer { BinaryCopyRows.parseTimestamp($0) }
            XCTAssertEqual(parsed, micros, AuditRecord.timestampText(micros: micros))
        }
        for other in ["2025-12-05T23:23:20.000000+00", "2025-12-05 23:23:20.000000+01", "2025-13-05 23:23:20.000000+00",
                      "2025-12-05 23:23:20+00", "2025-12-05 23:23:2x.000000+00"] {
            XCTAssertNil(Array(other.utf8).withUnsafeBufferPointer { BinaryCopyRows.parseTimestamp($0) }, other)
        }
    }

    func testATupleHoldsEachColumnInItsBinaryForm() throws {
        var record = AuditRecord(id: "0b7e3c1a-0000-4000-8000-00000000000F", kind: .check, createdAtMicros: 946_684_800_000_001,
                                 customerID: nil, keyID: "key_1", requestID: "req\t1")
        record.riskScore = -3
        record.wouldBlock = true
        record.latencyMicros = 70_000
        let copy = try XCTUnwrap(BinaryCopyRows(text: Self.row(record)))
        let b = copy.bytes
        XCTAssertEqual(copy.count, 1)
        XCTAssertEqual(Array(b[0..<11]), Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        XCTAssertEqual(Array(b[(b.count - 2)...]), [0xFF, 0xFF], "trailer")
        var at = 19
        func int(_ n: Int) -> Int64 {
            var v: Int64 = 0
            for k in 0..<n { v = v << 8 | Int64(b[at + k]) }
            at += n
            return n == 2 ? Int64(Int16(truncatingIfNeeded: v)) : n == 4 ? Int64(Int32(truncatingIfNeeded: v)) : v
        }
        func field() -> [UInt8]? {
            let length = int(4)
            guard length >= 0 else { return nil }
            defer { at += Int(length) }
            return Array(b[at..<(at + Int(length))])
        }
        XCTAssertEqual(int(2), Int64(AuditRecord.columns.count))
        XCTAssertEqual(field(), [0x0B, 0x7E, 0x3C, 0x1A, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0x0F], "uuid: 16 bytes")
        XCTAssertEqual(field(), Array("check".utf8))
        XCTAssertEqual(int(4), 8)
        XCTAssertEqual(int(8), 1, "timestamptz: microseconds since 2000-01-01")
        XCTAssertNil(field(), "customer_id NULL")
        XCTAssertEqual(field(), Array("key_1".utf8))
        XCTAssertEqual(field(), Array("req\t1".utf8), "escapes undone")
        XCTAssertNil(field(), "decision NULL")
        XCTAssertEqual(int(4), 2)
        XCTAssertEqual(int(2), -3, "smallint")
        for _ in 0..<3 { XCTAssertNil(field()) }
        XCTAssertEqual(field(), [1], "boolean")
        for _ in 0..<2 { XCTAssertNil(field()) }
        XCTAssertEqual(int(4), 4)
        XCTAssertEqual(int(4), 70_000, "integer")
        for _ in 0..<4 { XCTAssertNil(field()) }
        XCTAssertEqual(at, b.count - 2, "nothing after the last column but the trailer")
    }

    func testRowsOurWriterNeverProducesLeaveTheBatchToTheTextPath() {
        let good = Self.row(AuditRecord(id: AuditRecord.newID(), kind: .admin, requestID: "r"))
        XCTAssertNotNil(BinaryCopyRows(text: good + good))
        var text = String(decoding: good, as: UTF8.self)
        text.removeLast()
        var fields = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        func variant(_ index: Int, _ value: String) -> [UInt8] {
            var copy = fields
            copy[index] = value
            return Array((copy.joined(separator: "\t") + "\n").utf8)
        }
        XCTAssertNil(BinaryCopyRows(text: good + variant(0, "not-a-uuid")), "a malformed uuid")
        XCTAssertNil(BinaryCopyRows(text: variant(2, "2025-12-05T23:23:20Z")), "another timestamp style")
        XCTAssertNil(BinaryCopyRows(text: variant(5, #"a\x41"#)), "an escape CopyRow never writes")
        XCTAssertNil(BinaryCopyRows(text: variant(7, "40000")), "out of smallint's range")
        XCTAssertNil(BinaryCopyRows(text: variant(11, "yes")), "a boolean spelled otherwise")
        XCTAssertNil(BinaryCopyRows(text: Array(good.dropLast())), "no final newline")
        fields.removeLast()
        XCTAssertNil(BinaryCopyRows(text: Array((fields.joined(separator: "\t") + "\n").utf8)), "a field short")
    }
}
